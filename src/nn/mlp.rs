//! MLP parameters and configuration (MATH §3.7).
//!
//! Input column of one sample: `[x, y, embed(sigma), onehot(class)]`, the one-hot having
//! `n_classes + 1` entries, the last being the "null" class (unconditional). Hidden layers
//! `h_l = f(W_l h_{l-1} + b_l)`; the output layer is linear, `F = W_L h_{L-1} + b_L` (2 rows).
//! Output parametrisation: `s = F / sigma` (default, MATH §3.7) or `s = F` (raw, used for the
//! DDPM noise prediction `eps_theta`, MATH §3.6).

use super::activation::Activation;
use super::embedding::SigmaEmbedding;
use super::real::Real;
use crate::noise::StreamRng;
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutputParam {
    /// `s = F / sigma`.
    DivideBySigma,
    /// `s = F`.
    Raw,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MlpConfig {
    /// Hidden widths, e.g. `[128, 128, 128]`.
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub embedding: SigmaEmbedding,
    /// Number of classes; 0 for an unconditional network (no one-hot inputs).
    pub n_classes: usize,
    pub output: OutputParam,
}

impl MlpConfig {
    /// Input width: 2 coordinates, the sigma embedding, and `n_classes + 1` one-hot entries.
    pub fn input_dim(&self) -> usize {
        let classes = if self.n_classes > 0 {
            self.n_classes + 1
        } else {
            0
        };
        2 + self.embedding.dim() + classes
    }

    /// Widths of every layer including input and output, e.g. `[3, 128, 128, 128, 2]`.
    pub fn widths(&self) -> Vec<usize> {
        let mut w = vec![self.input_dim()];
        w.extend(&self.hidden);
        w.push(2);
        w
    }

    /// `3-128-128-128-2` style name.
    pub fn shape_name(&self) -> String {
        let w: Vec<String> = self.widths().iter().map(usize::to_string).collect();
        w.join("-")
    }

    /// Checks the network is one this program can build: widths, depth, embedding size, class
    /// count and parameter count within bounds (counted without overflow).
    pub fn validate(&self) -> Result<(), String> {
        if self.hidden.is_empty() || self.hidden.iter().any(|w| *w == 0 || *w > MAX_WIDTH) {
            return Err(format!(
                "hidden widths must be 1..={MAX_WIDTH} and at least one layer, got {:?}",
                self.hidden
            ));
        }
        if self.hidden.len() > MAX_DEPTH {
            return Err(format!(
                "at most {MAX_DEPTH} hidden layers, got {}",
                self.hidden.len()
            ));
        }
        if let SigmaEmbedding::Sinusoidal { n } = self.embedding
            && !(1..=MAX_SINUSOIDS).contains(&n)
        {
            return Err(format!(
                "embedding.n must be in 1..={MAX_SINUSOIDS}, got {n}"
            ));
        }
        if self.n_classes > MAX_CLASSES {
            return Err(format!(
                "n_classes must be at most {MAX_CLASSES}, got {}",
                self.n_classes
            ));
        }
        let widths = self.widths();
        let params = widths.windows(2).try_fold(0u64, |acc, w| {
            let layer = (w[0] as u64)
                .checked_mul(w[1] as u64)?
                .checked_add(w[1] as u64)?;
            acc.checked_add(layer)
        });
        let limit = crate::budget::MAX_NETWORK_PARAMETERS;
        match params {
            Some(n) if n <= limit => Ok(()),
            _ => Err(format!(
                "{} has more than the limit of {limit} parameters",
                self.shape_name()
            )),
        }
    }
}

/// The widest hidden layer, the deepest network, the most sinusoidal features and classes a
/// network may have.
pub const MAX_WIDTH: usize = 4096;
pub const MAX_DEPTH: usize = 16;
pub const MAX_SINUSOIDS: usize = 16;
pub const MAX_CLASSES: usize = 1000;

/// Network parameters. `weights[l]` is `out x in`, `biases[l]` has `out` entries.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp<T: Real> {
    pub config: MlpConfig,
    pub weights: Vec<DMatrix<T>>,
    pub biases: Vec<DVector<T>>,
}

impl<T: Real> Mlp<T> {
    /// Seeded initialisation: weights uniform in `+-sqrt(6 / (in + out))` (Glorot), the output
    /// layer scaled by 0.1 so the initial field is small; biases zero.
    pub fn new(config: MlpConfig, seed: u64) -> Mlp<T> {
        let widths = config.widths();
        let mut rng = StreamRng::from_seed(seed);
        let n_layers = widths.len() - 1;
        let mut weights = Vec::with_capacity(n_layers);
        let mut biases = Vec::with_capacity(n_layers);
        for l in 0..n_layers {
            let (fan_in, fan_out) = (widths[l], widths[l + 1]);
            let mut limit = (6.0 / (fan_in + fan_out) as f64).sqrt();
            if l == n_layers - 1 {
                limit *= 0.1;
            }
            weights.push(DMatrix::from_fn(fan_out, fan_in, |_, _| {
                T::of(limit * (2.0 * rng.uniform() - 1.0))
            }));
            biases.push(DVector::zeros(fan_out));
        }
        Mlp {
            config,
            weights,
            biases,
        }
    }

    pub fn n_layers(&self) -> usize {
        self.weights.len()
    }

    pub fn n_params(&self) -> usize {
        self.weights.iter().map(|w| w.len()).sum::<usize>()
            + self.biases.iter().map(|b| b.len()).sum::<usize>()
    }

    /// The same network in another precision.
    pub fn cast<U: Real>(&self) -> Mlp<U> {
        Mlp {
            config: self.config.clone(),
            weights: self
                .weights
                .iter()
                .map(|w| w.map(|v| U::of(v.f64())))
                .collect(),
            biases: self
                .biases
                .iter()
                .map(|b| b.map(|v| U::of(v.f64())))
                .collect(),
        }
    }

    /// Every parameter in a fixed order (layer by layer: weights column-major, then biases).
    pub fn flat(&self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.n_params());
        for (w, b) in self.weights.iter().zip(&self.biases) {
            out.extend(w.iter().copied());
            out.extend(b.iter().copied());
        }
        out
    }

    /// Sets every parameter from [`Mlp::flat`]'s order.
    pub fn set_flat(&mut self, values: &[T]) {
        let mut i = 0;
        for (w, b) in self.weights.iter_mut().zip(self.biases.iter_mut()) {
            for v in w.iter_mut().chain(b.iter_mut()) {
                *v = values[i];
                i += 1;
            }
        }
    }

    /// True when every parameter is finite.
    pub fn is_finite(&self) -> bool {
        self.weights
            .iter()
            .all(|w| super::real::all_finite(w.as_slice()))
            && self
                .biases
                .iter()
                .all(|b| super::real::all_finite(b.as_slice()))
    }
}
