//! The empirical-mixture ("memorising") score of a point set (MATH §2.3).
//!
//! For points `x_1..x_n` and a noise level with scale `a` and variance `v`,
//! `q(x) = (1/n) sum_i N(x; a x_i, v I)` and
//! `grad log q(x) = (a E[x_0 | x] - x) / v`, `E[x_0 | x] = sum_i softmax_i(-|x - a x_i|^2 / 2v) x_i`.
//! For VE (`a = 1`, `v = sigma^2`) this is `(E[x_0|x] - x) / sigma^2`. It needs `v > 0`.

use super::noise_level::NoiseLevel;
use super::softmax::SoftmaxMean;
use crate::geom::Point;
use std::f64::consts::PI;

#[derive(Clone, Debug, PartialEq)]
pub struct EmpiricalMixture {
    points: Vec<Point>,
}

impl EmpiricalMixture {
    pub fn new(points: Vec<Point>) -> EmpiricalMixture {
        assert!(!points.is_empty(), "an empirical mixture needs points");
        EmpiricalMixture { points }
    }

    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// `(log q(x), E[x_0 | x])` by one streaming log-sum-exp pass over the points.
    pub fn log_density_and_denoised(&self, level: NoiseLevel, x: &Point) -> (f64, Point) {
        let (a, v) = (level.scale(), level.noise_var().max(f64::MIN_POSITIVE));
        let inv_2v = 0.5 / v;
        let mut soft = SoftmaxMean::default();
        for p in &self.points {
            soft.push(-(x - p * a).norm_squared() * inv_2v, *p);
        }
        let n = self.points.len() as f64;
        let log_q = soft.log_sum_exp() - n.ln() - (2.0 * PI * v).ln();
        (log_q, soft.mean())
    }

    /// `grad log q(x) = (a E[x_0|x] - x) / v`.
    pub fn score(&self, level: NoiseLevel, x: &Point) -> Point {
        let (_, denoised) = self.log_density_and_denoised(level, x);
        (denoised * level.scale() - x) / level.noise_var().max(f64::MIN_POSITIVE)
    }

    pub fn log_density(&self, level: NoiseLevel, x: &Point) -> f64 {
        self.log_density_and_denoised(level, x).0
    }
}
