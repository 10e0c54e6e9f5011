//! A noise level under either perturbation kernel.
//!
//! Both kernels are `x_noisy = scale * x_0 + std * z`, `z ~ N(0, I)`:
//! - VE (MATH §2.1): `scale = 1`, `std = sigma`;
//! - VP (MATH §2.2, DDPM): `scale = sqrt(abar)`, `std = sqrt(1 - abar)`.
//!
//! The VP level `abar` is the VE level `sigma_t = sqrt((1 - abar) / abar)` seen through the
//! rescaling `x_t = sqrt(abar) y`, `y ~ q_{sigma_t}` (MATH §3.6).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum NoiseLevel {
    /// Variance exploding: `x + sigma z`.
    Ve { sigma: f64 },
    /// Variance preserving: `sqrt(abar) x + sqrt(1 - abar) z`, `abar` in `(0, 1]`.
    Vp { abar: f64 },
}

/// The largest VE noise level a field is drawn at (beyond it every density is flat and its
/// logarithm loses all precision).
pub const MAX_SIGMA: f64 = 1e6;

impl NoiseLevel {
    /// No noise: the data distribution itself.
    pub const CLEAN: NoiseLevel = NoiseLevel::Ve { sigma: 0.0 };

    /// Factor on the clean point.
    #[inline]
    pub fn scale(&self) -> f64 {
        match *self {
            NoiseLevel::Ve { .. } => 1.0,
            NoiseLevel::Vp { abar } => abar.sqrt(),
        }
    }

    /// Variance of the added noise per coordinate.
    #[inline]
    pub fn noise_var(&self) -> f64 {
        match *self {
            NoiseLevel::Ve { sigma } => sigma * sigma,
            NoiseLevel::Vp { abar } => 1.0 - abar,
        }
    }

    /// The equivalent VE noise level: `sigma` itself, or `sqrt((1 - abar) / abar)` (MATH §3.6).
    pub fn equivalent_sigma(&self) -> f64 {
        match *self {
            NoiseLevel::Ve { sigma } => sigma,
            NoiseLevel::Vp { abar } => ((1.0 - abar) / abar).sqrt(),
        }
    }

    /// Checks the level's parameter is in range, naming it when it is not.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            NoiseLevel::Ve { sigma }
                if !(sigma.is_finite() && (0.0..=MAX_SIGMA).contains(&sigma)) =>
            {
                Err(format!(
                    "sigma must be finite and in [0, {MAX_SIGMA:e}], got {sigma}"
                ))
            }
            NoiseLevel::Vp { abar } if !(abar > 0.0 && abar <= 1.0) => {
                Err(format!("abar must be in (0, 1], got {abar}"))
            }
            _ => Ok(()),
        }
    }
}
