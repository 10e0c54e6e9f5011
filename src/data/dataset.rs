//! A data set: a Gaussian mixture (exact density and score) or a sample-only point set.

use crate::dist::{EmpiricalMixture, GaussianMixture, NoiseLevel};
use crate::geom::Point;
use crate::noise::StreamRng;

#[derive(Clone, Debug, PartialEq)]
pub enum Dataset {
    /// A mixture with known density; the exact score is MATH §2.1.
    Mixture(GaussianMixture),
    /// A finite point set; the reference score is the empirical mixture's, MATH §2.3.
    Points(EmpiricalMixture),
}

impl Dataset {
    /// `n` fresh draws. Mixtures draw new points; point sets are resampled with replacement.
    pub fn sample(&self, n: usize, seed: u64) -> Vec<Point> {
        let mut rng = StreamRng::from_seed(seed);
        match self {
            Dataset::Mixture(m) => (0..n).map(|_| m.sample_one(&mut rng).0).collect(),
            Dataset::Points(e) => {
                let pts = e.points();
                (0..n)
                    .map(|_| pts[(rng.uniform() * pts.len() as f64) as usize % pts.len()])
                    .collect()
            }
        }
    }

    /// The mixture, when the data set has one.
    pub fn mixture(&self) -> Option<&GaussianMixture> {
        match self {
            Dataset::Mixture(m) => Some(m),
            Dataset::Points(_) => None,
        }
    }

    /// `(log q(x), grad log q(x))` of the reference field at a noise level: exact for mixtures,
    /// the empirical mixture's for point sets (which need a level with noise).
    pub fn reference_field(&self, level: NoiseLevel, xs: &[Point]) -> Vec<(f64, Point)> {
        match self {
            Dataset::Mixture(m) => {
                let at = m.at_level(level);
                xs.iter().map(|x| at.log_density_and_score(x)).collect()
            }
            Dataset::Points(e) => xs
                .iter()
                .map(|x| {
                    let (log_q, denoised) = e.log_density_and_denoised(level, x);
                    let score = (denoised * level.scale() - x) / level.noise_var();
                    (log_q, score)
                })
                .collect(),
        }
    }

    /// Mean of the data distribution (of the points, for point sets).
    pub fn mean(&self) -> Point {
        match self {
            Dataset::Mixture(m) => m.mean(),
            Dataset::Points(e) => e.points().iter().sum::<Point>() / e.points().len() as f64,
        }
    }
}
