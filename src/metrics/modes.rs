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
    /// The mixture's weights `w_k`.
    pub true_weights: Vec<f64>,
    /// `1/2 sum_k |f_k - w_k|`.
    pub tv: f64,
    /// Fraction of all samples that diverged.
    pub diverged_fraction: f64,
}

pub fn mode_report(mixture: &GaussianMixture, xs: &[Point], alive: &[bool]) -> ModeReport {
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
            .zip(mixture.weights())
            .map(|(f, w)| (f - w).abs())
            .sum::<f64>();
    ModeReport {
        mode_fractions: fractions,
        true_weights: mixture.weights().to_vec(),
        tv,
        diverged_fraction: (xs.len() - live) as f64 / xs.len().max(1) as f64,
    }
}
