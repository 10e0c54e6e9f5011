//! One Gaussian component in the plane, `N(mu, S)` with a full 2x2 covariance.
//!
//! `log N(x; mu, C) = -log(2 pi) - 1/2 log det C - 1/2 (x - mu)^T C^{-1} (x - mu)`,
//! `grad_x log N(x; mu, C) = C^{-1} (mu - x)`.

use crate::geom::{Mat2, Point};
use std::f64::consts::PI;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gaussian2 {
    pub mean: Point,
    /// Symmetric positive definite covariance `S`.
    pub cov: Mat2,
}

/// Why a covariance cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CovarianceError {
    #[error("has a non-finite entry")]
    NonFinite,
    #[error("is not symmetric (off-diagonal entries {0} and {1})")]
    NotSymmetric(f64, f64),
    #[error("is not positive definite (diagonal {0}, {1}, determinant {2})")]
    NotPositiveDefinite(f64, f64, f64),
}

/// Checks that `cov` is a usable covariance: finite, symmetric, positive definite.
pub fn check_covariance(cov: &Mat2) -> Result<(), CovarianceError> {
    if cov.iter().any(|v| !v.is_finite()) {
        return Err(CovarianceError::NonFinite);
    }
    let (a, b, c, d) = (cov[(0, 0)], cov[(0, 1)], cov[(1, 0)], cov[(1, 1)]);
    if (b - c).abs() > 1e-9 * (1.0 + b.abs().max(c.abs())) {
        return Err(CovarianceError::NotSymmetric(b, c));
    }
    let det = a * d - b * c;
    if a <= 0.0 || d <= 0.0 || det <= 0.0 {
        return Err(CovarianceError::NotPositiveDefinite(a, d, det));
    }
    Ok(())
}

impl Gaussian2 {
    pub fn new(mean: Point, cov: Mat2) -> Gaussian2 {
        Gaussian2 { mean, cov }
    }

    /// An isotropic component `N(mu, var I)`.
    pub fn isotropic(mean: Point, var: f64) -> Gaussian2 {
        Gaussian2::new(mean, Mat2::identity() * var)
    }

    /// The component after the kernel `x -> scale x + std z`: `N(scale mu, scale^2 S + var I)`.
    pub fn perturbed(&self, scale: f64, noise_var: f64) -> Gaussian2 {
        Gaussian2::new(
            self.mean * scale,
            self.cov * (scale * scale) + Mat2::identity() * noise_var,
        )
    }

    /// The smallest eigenvalue of the covariance (the narrowest direction's variance).
    pub fn min_variance(&self) -> f64 {
        let (a, b, d) = (self.cov[(0, 0)], self.cov[(0, 1)], self.cov[(1, 1)]);
        let mid = 0.5 * (a + d);
        let rad = (0.25 * (a - d) * (a - d) + b * b).sqrt();
        mid - rad
    }

    /// Precision `C^{-1}` as `(p00, p01, p11)` and `log det C`.
    pub fn precision_and_log_det(&self) -> ([f64; 3], f64) {
        let (a, b, d) = (self.cov[(0, 0)], self.cov[(0, 1)], self.cov[(1, 1)]);
        let det = a * d - b * b;
        ([d / det, -b / det, a / det], det.ln())
    }

    /// `log N(x; mu, S)`.
    pub fn log_density(&self, x: &Point) -> f64 {
        let (p, log_det) = self.precision_and_log_det();
        let dx = x - self.mean;
        let quad = p[0] * dx.x * dx.x + 2.0 * p[1] * dx.x * dx.y + p[2] * dx.y * dx.y;
        -(2.0 * PI).ln() - 0.5 * log_det - 0.5 * quad
    }

    /// A draw `mu + L z` with `L L^T = S` (Cholesky).
    pub fn sample_with(&self, z: Point) -> Point {
        let (a, b, d) = (self.cov[(0, 0)], self.cov[(0, 1)], self.cov[(1, 1)]);
        let l00 = a.sqrt();
        let l10 = b / l00;
        let l11 = (d - l10 * l10).max(0.0).sqrt();
        self.mean + Point::new(l00 * z.x, l10 * z.x + l11 * z.y)
    }
}
