//! Relative Fisher divergence of a score source against the exact mixture score (MATH §6):
//! `D(sigma) = E ||s_theta(x, sigma) - grad log q_sigma(x)||^2 / E ||grad log q_sigma(x)||^2`,
//! Monte Carlo over `x ~ q_sigma` (mixture draws plus `sigma z`).

use crate::dist::{GaussianMixture, NoiseLevel};
use crate::geom::Point;
use crate::noise::StreamRng;
use crate::sample::ScoreSource;
use rayon::prelude::*;

/// `D(sigma)` for each sigma, with `n` samples per level drawn from `seed`.
pub fn relative_fisher(
    source: &dyn ScoreSource,
    mixture: &GaussianMixture,
    sigmas: &[f64],
    n: usize,
    seed: u64,
) -> Vec<f64> {
    let exact = crate::sample::ExactMixtureScore { mixture };
    relative_fisher_against(source, &exact, mixture, sigmas, n, seed)
}

/// `D(sigma)` of `source` against any `reference` score, with `x ~ sampling * N(0, sigma^2 I)`.
/// Under guidance towards class `k` the reference is the exact guided score and `sampling` the
/// class component, so a guided model is compared with the field it is meant to learn.
pub fn relative_fisher_against(
    source: &dyn ScoreSource,
    reference: &dyn ScoreSource,
    sampling: &GaussianMixture,
    sigmas: &[f64],
    n: usize,
    seed: u64,
) -> Vec<f64> {
    let mixture = sampling;
    sigmas
        .iter()
        .enumerate()
        .map(|(i, &sigma)| {
            let mut rng = StreamRng::for_key(seed, i as u64, 0, 11);
            let xs: Vec<Point> = (0..n)
                .map(|_| mixture.sample_one(&mut rng).0 + rng.gaussian2() * sigma)
                .collect();
            let level = NoiseLevel::Ve { sigma };
            let (num, den) = xs
                .par_chunks(256)
                .map(|chunk| {
                    let mut s = vec![Point::zeros(); chunk.len()];
                    let mut t = vec![Point::zeros(); chunk.len()];
                    source.score_batch(level, chunk, &mut s);
                    reference.score_batch(level, chunk, &mut t);
                    s.iter().zip(&t).fold((0.0, 0.0), |(a, b), (s, t)| {
                        (a + (s - t).norm_squared(), b + t.norm_squared())
                    })
                })
                .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
            num / den.max(f64::MIN_POSITIVE)
        })
        .collect()
}
