//! Where a sampler gets its score: the exact mixture score, the empirical score of a point set,
//! the classifier-guided mixture score, and (later) a learned network.

use crate::data::Dataset;
use crate::dist::{EmpiricalMixture, GaussianMixture, NoiseLevel};
use crate::geom::Point;

/// A score `s(x, level)`, evaluated on batches of points.
pub trait ScoreSource: Sync {
    /// Writes `s(xs[j], level)` to `out[j]`; `out.len() == xs.len()`.
    fn score_batch(&self, level: NoiseLevel, xs: &[Point], out: &mut [Point]);

    /// Writes `log q(xs[j], level)` (up to a constant) to `out[j]`, or returns `false` when the
    /// source has no density (then MALA cannot use it).
    fn log_density_batch(&self, _level: NoiseLevel, _xs: &[Point], _out: &mut [f64]) -> bool {
        false
    }

    /// Whether [`ScoreSource::log_density_batch`] is available.
    fn has_density(&self) -> bool {
        false
    }

    /// Whether the score at sigma = 0 exists (true for mixtures, not for point sets).
    fn has_clean_score(&self) -> bool {
        false
    }

    /// A short name for reports.
    fn label(&self) -> String;
}

/// The score of `source` at `level` on many points (a grid), in parallel chunks.
pub fn score_on(source: &dyn ScoreSource, level: NoiseLevel, points: &[Point]) -> Vec<Point> {
    use rayon::prelude::*;
    let mut out = vec![Point::zeros(); points.len()];
    out.par_chunks_mut(1024)
        .zip(points.par_chunks(1024))
        .for_each(|(o, p)| source.score_batch(level, p, o));
    out
}

/// The exact score of a Gaussian mixture (MATH §2.1, §2.2).
pub struct ExactMixtureScore<'a> {
    pub mixture: &'a GaussianMixture,
}

impl ScoreSource for ExactMixtureScore<'_> {
    fn score_batch(&self, level: NoiseLevel, xs: &[Point], out: &mut [Point]) {
        let at = self.mixture.at_level(level);
        for (x, o) in xs.iter().zip(out.iter_mut()) {
            *o = at.score(x);
        }
    }

    fn log_density_batch(&self, level: NoiseLevel, xs: &[Point], out: &mut [f64]) -> bool {
        let at = self.mixture.at_level(level);
        for (x, o) in xs.iter().zip(out.iter_mut()) {
            *o = at.log_density(x);
        }
        true
    }

    fn has_density(&self) -> bool {
        true
    }

    fn has_clean_score(&self) -> bool {
        true
    }

    fn label(&self) -> String {
        "exact".to_string()
    }
}

/// The classifier-guided mixture score `s(x) + gamma grad log p(y = k | x)` with the exact
/// posterior (MATH §2.4, §4.10). Its density is `q(x) p(y = k | x)^gamma` up to a constant.
pub struct GuidedMixtureScore<'a> {
    pub mixture: &'a GaussianMixture,
    pub class: usize,
    pub gamma: f64,
}

impl ScoreSource for GuidedMixtureScore<'_> {
    fn score_batch(&self, level: NoiseLevel, xs: &[Point], out: &mut [Point]) {
        let at = self.mixture.at_level(level);
        for (x, o) in xs.iter().zip(out.iter_mut()) {
            *o = at.guided_score(x, self.class, self.gamma);
        }
    }

    fn log_density_batch(&self, level: NoiseLevel, xs: &[Point], out: &mut [f64]) -> bool {
        let at = self.mixture.at_level(level);
        for (x, o) in xs.iter().zip(out.iter_mut()) {
            let log_q = at.log_density(x);
            let log_post = at.posteriors(x)[self.class].max(f64::MIN_POSITIVE).ln();
            *o = log_q + self.gamma * log_post;
        }
        true
    }

    fn has_density(&self) -> bool {
        true
    }

    fn has_clean_score(&self) -> bool {
        true
    }

    fn label(&self) -> String {
        format!(
            "exact, classifier guidance class {} scale {}",
            self.class, self.gamma
        )
    }
}

/// The empirical-mixture score of a point set (MATH §2.3). Needs a noise level above zero:
/// a clean level is read as the smallest positive variance.
pub struct EmpiricalScore<'a> {
    pub points: &'a EmpiricalMixture,
}

impl ScoreSource for EmpiricalScore<'_> {
    fn score_batch(&self, level: NoiseLevel, xs: &[Point], out: &mut [Point]) {
        for (x, o) in xs.iter().zip(out.iter_mut()) {
            *o = self.points.score(level, x);
        }
    }

    fn log_density_batch(&self, level: NoiseLevel, xs: &[Point], out: &mut [f64]) -> bool {
        for (x, o) in xs.iter().zip(out.iter_mut()) {
            *o = self.points.log_density(level, x);
        }
        true
    }

    fn has_density(&self) -> bool {
        true
    }

    fn label(&self) -> String {
        "empirical".to_string()
    }
}

/// The reference score of a data set: exact for a mixture (MATH §2.1), empirical for a point
/// set (MATH §2.3).
pub fn reference_source(data: &Dataset) -> Box<dyn ScoreSource + '_> {
    match data {
        Dataset::Mixture(m) => Box::new(ExactMixtureScore { mixture: m }),
        Dataset::Points(e) => Box::new(EmpiricalScore { points: e }),
    }
}
