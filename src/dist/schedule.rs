//! Geometric noise schedules and the sigma_max heuristic (MATH §1).
//!
//! Levels are stored largest first: `sigma_i = sigma_max (sigma_min / sigma_max)^(i / (L-1))`,
//! `i = 0..L-1`. Heuristic (lecture): `sigma_max` ~ the largest pairwise distance between data
//! points, so the largest level connects every mode to every other.

use crate::geom::Point;
use rayon::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct SigmaSchedule {
    sigmas: Vec<f64>,
}

impl SigmaSchedule {
    /// The geometric schedule from `sigma_max` down to `sigma_min` in `n_levels` levels.
    /// One level gives `[sigma_max]`.
    pub fn geometric(sigma_max: f64, sigma_min: f64, n_levels: usize) -> Result<Self, String> {
        if !(sigma_min.is_finite() && sigma_min > 0.0) {
            return Err(format!("sigma-min must be finite and > 0, got {sigma_min}"));
        }
        if !(sigma_max.is_finite() && sigma_max >= sigma_min) {
            return Err(format!(
                "sigma-max must be finite and >= sigma-min ({sigma_min}), got {sigma_max}"
            ));
        }
        if n_levels == 0 {
            return Err("levels must be at least 1".to_string());
        }
        if n_levels == 1 {
            return Ok(SigmaSchedule {
                sigmas: vec![sigma_max],
            });
        }
        let ratio = sigma_min / sigma_max;
        let last = (n_levels - 1) as f64;
        let sigmas = (0..n_levels)
            .map(|i| sigma_max * ratio.powf(i as f64 / last))
            .collect();
        Ok(SigmaSchedule { sigmas })
    }

    /// Levels in sampling order, largest first.
    pub fn sigmas(&self) -> &[f64] {
        &self.sigmas
    }

    pub fn sigma_max(&self) -> f64 {
        self.sigmas[0]
    }

    pub fn sigma_min(&self) -> f64 {
        self.sigmas[self.sigmas.len() - 1]
    }

    pub fn len(&self) -> usize {
        self.sigmas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sigmas.is_empty()
    }
}

/// The largest distance between any two of `points` (exact, O(n^2), parallel).
pub fn max_pairwise_distance(points: &[Point]) -> f64 {
    (0..points.len())
        .into_par_iter()
        .map(|i| {
            points[i + 1..]
                .iter()
                .map(|q| (points[i] - q).norm_squared())
                .fold(0.0, f64::max)
        })
        .reduce(|| 0.0, f64::max)
        .sqrt()
}

/// The largest Euclidean distance between any two rows of a row-major `[n, dim]` matrix (the
/// same heuristic for images, D = width x height).
pub fn max_pairwise_distance_rows(rows: &[f32], dim: usize) -> f64 {
    let n = rows.len() / dim.max(1);
    let row = |i: usize| &rows[i * dim..(i + 1) * dim];
    (0..n)
        .into_par_iter()
        .map(|i| {
            (i + 1..n)
                .map(|j| {
                    row(i)
                        .iter()
                        .zip(row(j))
                        .map(|(a, b)| ((a - b) as f64).powi(2))
                        .sum::<f64>()
                })
                .fold(0.0, f64::max)
        })
        .reduce(|| 0.0, f64::max)
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_endpoints_and_constant_ratio() {
        let s = SigmaSchedule::geometric(20.0, 1.0, 10).expect("valid schedule");
        assert_eq!(s.len(), 10);
        assert!((s.sigma_max() - 20.0).abs() < 1e-12);
        assert!((s.sigma_min() - 1.0).abs() < 1e-12);
        let r0 = s.sigmas()[1] / s.sigmas()[0];
        for w in s.sigmas().windows(2) {
            assert!((w[1] / w[0] - r0).abs() < 1e-12);
        }
    }

    #[test]
    fn bad_schedules_are_refused() {
        assert!(SigmaSchedule::geometric(1.0, 2.0, 10).is_err());
        assert!(SigmaSchedule::geometric(1.0, 0.0, 10).is_err());
        assert!(SigmaSchedule::geometric(1.0, 0.1, 0).is_err());
        assert!(SigmaSchedule::geometric(f64::NAN, 0.1, 3).is_err());
    }

    #[test]
    fn max_pairwise_distance_of_a_square() {
        let pts = [
            Point::new(0.0, 0.0),
            Point::new(1.0, 0.0),
            Point::new(0.0, 1.0),
            Point::new(1.0, 1.0),
        ];
        assert!((max_pairwise_distance(&pts) - 2f64.sqrt()).abs() < 1e-12);
    }
}
