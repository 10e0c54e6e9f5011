//! The per-pixel Gaussian prior behind the networks' skip connection (MATH §3.7).
//!
//! If pixel `j` of the data were Gaussian with mean `mu_j` and variance `v_j`, independent of the
//! others, the best denoiser of `x~ = x + sigma z` would be the Wiener filter
//! `D_j = mu_j + v_j / (v_j + sigma^2) (x~_j - mu_j)`. The networks learn a correction to it:
//! `D = mu + c_skip (x~ - mu) + c_out F`, `c_skip_j = v_j / (v_j + sigma^2)`,
//! `c_out = sigma sigma_d / sqrt(sigma^2 + sigma_d^2)`, and the score is `(D - x~) / sigma^2`.
//! A pixel that never varies (`v_j = 0`, the border of a digit) is then denoised exactly without
//! the network; where the variance is uniform (`v_j = sigma_d^2`, `mu = 0`) this is the skip of
//! EDM (Karras et al. 2022). The uniform form is what checkpoints written before the prior
//! existed were trained with, so they load with it.

use crate::images::ImageSet;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PixelPrior {
    /// `mu_j`, one value per pixel.
    pub mean: Vec<f32>,
    /// `v_j >= 0`, one value per pixel.
    pub variance: Vec<f32>,
}

impl PixelPrior {
    /// Every pixel's mean and variance over `set`, in `[0, 1]` units.
    pub fn of(set: &ImageSet) -> PixelPrior {
        let (d, n) = (set.dim(), set.len().max(1) as f64);
        let (mut sum, mut sum2) = (vec![0.0f64; d], vec![0.0f64; d]);
        for i in 0..set.len() {
            for (j, v) in set.image_f32(i).into_iter().enumerate() {
                sum[j] += v as f64;
                sum2[j] += (v as f64) * (v as f64);
            }
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let variance = sum2
            .iter()
            .zip(&mean)
            .map(|(s2, m)| (s2 / n - m * m).max(0.0) as f32)
            .collect();
        PixelPrior {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            variance,
        }
    }

    /// Mean 0 and variance `sd2` everywhere: the EDM skip.
    pub fn uniform(pixels: usize, sd2: f32) -> PixelPrior {
        PixelPrior {
            mean: vec![0.0; pixels],
            variance: vec![sd2; pixels],
        }
    }

    /// The layout the skip kernel reads: the means, then the variances.
    pub fn packed(&self) -> Vec<f32> {
        self.mean.iter().chain(&self.variance).copied().collect()
    }

    /// `pixels` finite means and finite variances `>= 0`; `name` prefixes the error.
    pub fn check(&self, pixels: usize, name: &str) -> Result<(), String> {
        if self.mean.len() != pixels || self.variance.len() != pixels {
            return Err(format!(
                "{name}: a pixel prior of {} means and {} variances for {pixels} pixels",
                self.mean.len(),
                self.variance.len()
            ));
        }
        if self.mean.iter().any(|m| !m.is_finite())
            || self.variance.iter().any(|v| !(v.is_finite() && *v >= 0.0))
        {
            return Err(format!(
                "{name}: the pixel prior must be finite with variances >= 0"
            ));
        }
        Ok(())
    }
}
