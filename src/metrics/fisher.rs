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
    sigmas
        .iter()
        .enumerate()
        .map(|(i, &sigma)| {
            let mut rng = StreamRng::for_key(seed, i as u64, 0, 11);
            let xs: Vec<Point> = (0..n)
                .map(|_| mixture.sample_one(&mut rng).0 + rng.gaussian2() * sigma)
                .collect();
            let level = NoiseLevel::Ve { sigma };
            let exact = mixture.at_level(level);
            let (num, den) = xs
                .par_chunks(256)
                .map(|chunk| {
                    let mut s = vec![Point::zeros(); chunk.len()];
                    source.score_batch(level, chunk, &mut s);
                    chunk.iter().zip(&s).fold((0.0, 0.0), |(a, b), (x, s)| {
                        let t = exact.score(x);
                        (a + (s - t).norm_squared(), b + t.norm_squared())
                    })
                })
                .reduce(|| (0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
            num / den.max(f64::MIN_POSITIVE)
        })
        .collect()
}
