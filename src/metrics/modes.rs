//! Mode weights (MATH §6): each live sample goes to the component of largest posterior `r_k`
//! at sigma = 0; the report gives the fractions, the total variation
//! `TV = 1/2 sum_k |f_k - w_k|` against the true weights, and the diverged fraction.

use crate::dist::{GaussianMixture, NoiseLevel};
use crate::geom::Point;
use rayon::prelude::*;
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModeReport {
    /// Fraction of live samples per component (sums to 1 unless no sample is alive).
    pub mode_fractions: Vec<f64>,
    /// The target weights `w_k`: the mixture's, or a guided target.
    pub true_weights: Vec<f64>,
    /// `1/2 sum_k |f_k - w_k|`.
    pub tv: f64,
    /// Fraction of all samples that diverged.
    pub diverged_fraction: f64,
}

pub fn mode_report(mixture: &GaussianMixture, xs: &[Point], alive: &[bool]) -> ModeReport {
    mode_report_against(mixture, mixture.weights(), xs, alive)
}

/// The one-hot target of guidance towards class `k`: every sample should land in component `k`.
pub fn class_target(n_components: usize, k: usize) -> Vec<f64> {
    (0..n_components)
        .map(|i| f64::from(u8::from(i == k)))
        .collect()
}

/// The report against `target` weights instead of the mixture's own: under guidance towards a
/// class the target is that class ([`class_target`]), not the unguided weights.
pub fn mode_report_against(
    mixture: &GaussianMixture,
    target: &[f64],
    xs: &[Point],
    alive: &[bool],
) -> ModeReport {
    let clean = mixture.at_level(NoiseLevel::CLEAN);
    let k = mixture.len();
    let counts = xs
        .par_iter()
        .zip(alive)
        .filter(|(_, a)| **a)
        .fold(
            || vec![0usize; k],
            |mut c, (x, _)| {
                c[clean.most_likely_class(x)] += 1;
                c
            },
        )
        .reduce(
            || vec![0usize; k],
            |a, b| a.iter().zip(&b).map(|(x, y)| x + y).collect(),
        );
    let live: usize = counts.iter().sum();
    let fractions: Vec<f64> = counts
        .iter()
        .map(|c| *c as f64 / live.max(1) as f64)
        .collect();
    let tv = 0.5
        * fractions
            .iter()
            .zip(target)
            .map(|(f, w)| (f - w).abs())
            .sum::<f64>();
    ModeReport {
        mode_fractions: fractions,
        true_weights: target.to_vec(),
        tv,
        diverged_fraction: (xs.len() - live) as f64 / xs.len().max(1) as f64,
    }
}
