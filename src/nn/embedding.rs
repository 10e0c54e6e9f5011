//! Noise-level embeddings (MATH §3.7): the network sees `embed(sigma)` beside `x`.
//!
//! - `LogSigma`: one feature, `log sigma`;
//! - `Sinusoidal { n }`: `log sigma` and `sin(w_k log sigma), cos(w_k log sigma)` for
//!   `w_k = 2^k / 2`, k = 0..n-1 (periods from 4 pi down, so the features resolve the whole
//!   range of `log sigma`, about -5 to 4).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SigmaEmbedding {
    /// No noise conditioning (a single-sigma or clean model).
    None,
    LogSigma,
    Sinusoidal {
        n: usize,
    },
}

impl SigmaEmbedding {
    /// Number of input features the embedding adds.
    pub fn dim(&self) -> usize {
        match self {
            SigmaEmbedding::None => 0,
            SigmaEmbedding::LogSigma => 1,
            SigmaEmbedding::Sinusoidal { n } => 1 + 2 * n,
        }
    }

    /// Writes the features of `sigma` into `out` (`out.len() == self.dim()`).
    pub fn write(&self, sigma: f64, out: &mut [f64]) {
        let l = sigma.ln();
        match self {
            SigmaEmbedding::None => {}
            SigmaEmbedding::LogSigma => out[0] = l,
            SigmaEmbedding::Sinusoidal { n } => {
                out[0] = l;
                for k in 0..*n {
                    let w = 0.5 * (1u64 << k) as f64;
                    out[1 + 2 * k] = (w * l).sin();
                    out[2 + 2 * k] = (w * l).cos();
                }
            }
        }
    }

    pub fn parse(text: &str) -> Result<SigmaEmbedding, String> {
        match text {
            "none" => Ok(SigmaEmbedding::None),
            "log" => Ok(SigmaEmbedding::LogSigma),
            t => t
                .strip_prefix("sin")
                .and_then(|n| n.parse().ok())
                .filter(|n| (1..=16).contains(n))
                .map(|n| SigmaEmbedding::Sinusoidal { n })
                .ok_or_else(|| {
                    format!("unknown embedding '{text}'; use none, log or sinN (N in 1..16)")
                }),
        }
    }
}
