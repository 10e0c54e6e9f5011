//! Gaussian mixtures with exact densities, scores and class posteriors (MATH §2.1, §2.2, §2.4).
//!
//! `p(x) = sum_k w_k N(x; mu_k, S_k)`. Under a noise level (VE sigma or VP abar) the perturbed
//! mixture is again a mixture with means `a mu_k` and covariances `C_k = a^2 S_k + v I`
//! (`a` = scale, `v` = noise variance, see [`NoiseLevel`]); its score is
//!
//! `grad log q(x) = sum_k r_k(x) C_k^{-1} (a mu_k - x)`,
//! `r_k(x) = softmax_k(log w_k + log N(x; a mu_k, C_k))`.
//!
//! The responsibilities `r_k` are computed with a streaming log-sum-exp (one pass, one `exp` per
//! component), so the score stays finite and correct at `|x| = 1e6` where the densities
//! themselves underflow to zero.

use super::gaussian::Gaussian2;
use super::noise_level::NoiseLevel;
use super::softmax::SoftmaxMean;
use crate::geom::Point;
use crate::noise::StreamRng;
use std::f64::consts::PI;

/// A normalised Gaussian mixture.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianMixture {
    components: Vec<Gaussian2>,
    weights: Vec<f64>,
}

impl GaussianMixture {
    /// A mixture from components and weights. Weights are normalised by their sum; the caller
    /// (the mixture file parser, the presets) has checked them to be finite, non-negative and
    /// not all zero, and the covariances to be positive definite.
    pub fn new(components: Vec<Gaussian2>, weights: &[f64]) -> GaussianMixture {
        assert_eq!(components.len(), weights.len(), "one weight per component");
        assert!(!components.is_empty(), "a mixture needs a component");
        let total: f64 = weights.iter().sum();
        GaussianMixture {
            components,
            weights: weights.iter().map(|w| w / total).collect(),
        }
    }

    pub fn components(&self) -> &[Gaussian2] {
        &self.components
    }

    /// Normalised weights `w_k`.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    pub fn len(&self) -> usize {
        self.components.len()
    }

    pub fn is_empty(&self) -> bool {
        self.components.is_empty()
    }

    /// The mixture under a noise level, with everything the hot loops need precomputed.
    pub fn at_level(&self, level: NoiseLevel) -> PerturbedMixture {
        let (scale, var) = (level.scale(), level.noise_var());
        let parts = self
            .components
            .iter()
            .zip(&self.weights)
            .map(|(c, w)| PerturbedComponent::new(&c.perturbed(scale, var), *w))
            .collect();
        PerturbedMixture { parts }
    }

    /// The smallest variance of any component in any direction.
    pub fn min_variance(&self) -> f64 {
        self.components
            .iter()
            .map(Gaussian2::min_variance)
            .fold(f64::INFINITY, f64::min)
    }

    /// Mean of the mixture, `sum_k w_k mu_k`.
    pub fn mean(&self) -> Point {
        self.components
            .iter()
            .zip(&self.weights)
            .map(|(c, w)| c.mean * *w)
            .sum()
    }

    /// One draw: a component by its weight, then a Gaussian draw. Returns the point and its class.
    pub fn sample_one(&self, rng: &mut StreamRng) -> (Point, usize) {
        let u = rng.uniform();
        let mut acc = 0.0;
        let mut k = self.weights.len() - 1;
        for (i, w) in self.weights.iter().enumerate() {
            acc += w;
            if u < acc {
                k = i;
                break;
            }
        }
        (self.components[k].sample_with(rng.gaussian2()), k)
    }
}

/// One component of a perturbed mixture, precomputed.
#[derive(Clone, Copy, Debug)]
struct PerturbedComponent {
    mean: Point,
    /// Precision `C^{-1}` as `(p00, p01, p11)`.
    prec: [f64; 3],
    /// `log w - log(2 pi) - 1/2 log det C`.
    log_norm: f64,
}

impl PerturbedComponent {
    fn new(g: &Gaussian2, weight: f64) -> PerturbedComponent {
        let (prec, log_det) = g.precision_and_log_det();
        PerturbedComponent {
            mean: g.mean,
            prec,
            log_norm: weight.ln() - (2.0 * PI).ln() - 0.5 * log_det,
        }
    }

    /// `log w + log N(x; m, C)` and `grad log N(x; m, C) = C^{-1} (m - x)`.
    #[inline(always)]
    fn logit_and_grad(&self, x: &Point) -> (f64, Point) {
        let d = self.mean - x;
        let g = Point::new(
            self.prec[0] * d.x + self.prec[1] * d.y,
            self.prec[1] * d.x + self.prec[2] * d.y,
        );
        (self.log_norm - 0.5 * d.dot(&g), g)
    }
}

/// A mixture at one noise level: means `a mu_k`, covariances `a^2 S_k + v I` (MATH §2.1, §2.2).
#[derive(Clone, Debug)]
pub struct PerturbedMixture {
    parts: Vec<PerturbedComponent>,
}

impl PerturbedMixture {
    /// `(log q(x), grad log q(x))` in one streaming log-sum-exp pass.
    #[inline]
    pub fn log_density_and_score(&self, x: &Point) -> (f64, Point) {
        let mut soft = SoftmaxMean::default();
        for part in &self.parts {
            let (logit, grad) = part.logit_and_grad(x);
            soft.push(logit, grad);
        }
        (soft.log_sum_exp(), soft.mean())
    }

    /// `grad log q(x)`.
    #[inline]
    pub fn score(&self, x: &Point) -> Point {
        self.log_density_and_score(x).1
    }

    /// `log q(x)`.
    pub fn log_density(&self, x: &Point) -> f64 {
        self.log_density_and_score(x).0
    }

    /// Class posteriors `r_k(x) = p(y = k | x)` (MATH §2.4).
    pub fn posteriors(&self, x: &Point) -> Vec<f64> {
        let logits: Vec<f64> = self.parts.iter().map(|p| p.logit_and_grad(x).0).collect();
        let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exps: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
        let sum: f64 = exps.iter().sum();
        exps.into_iter().map(|e| e / sum).collect()
    }

    /// The component with the largest posterior at `x`.
    pub fn most_likely_class(&self, x: &Point) -> usize {
        let mut best = (0, f64::NEG_INFINITY);
        for (k, part) in self.parts.iter().enumerate() {
            let logit = part.logit_and_grad(x).0;
            if logit > best.1 {
                best = (k, logit);
            }
        }
        best.0
    }

    /// `grad log p(y = k | x) = grad log N(x; m_k, C_k) - grad log q(x)` (MATH §2.4).
    pub fn class_log_posterior_grad(&self, x: &Point, class: usize) -> Point {
        self.parts[class].logit_and_grad(x).1 - self.score(x)
    }

    /// The classifier-guided score `s + gamma grad log p(y = k | x)` (MATH §4.10).
    #[inline]
    pub fn guided_score(&self, x: &Point, class: usize, gamma: f64) -> Point {
        let s = self.score(x);
        let class_grad = self.parts[class].logit_and_grad(x).1;
        s + (class_grad - s) * gamma
    }
}
