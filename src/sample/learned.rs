//! A trained network as a [`ScoreSource`], at any VE or VP level (MATH §3.6, §3.7, §4.10).
//!
//! How the network output becomes a score depends on what it was trained on ([`NoiseKind`]):
//! - VE-conditioned: at `Ve{sigma}`, `s = net(x, sigma)`; at `Vp{abar}`, through the rescaling
//!   `x_t = sqrt(abar) y`: `s(x) = net(x / sqrt(abar), sigma_t) / sqrt(abar)`, `sigma_t = sqrt((1-abar)/abar)`;
//! - DDPM noise prediction: at `Vp{abar}`, `s = -eps_theta(x, sigma_t) / sqrt(1 - abar)`; at
//!   `Ve{sigma}`, with `abar = 1 / (1 + sigma^2)`: `s(x) = sqrt(abar) s_vp(sqrt(abar) x)`;
//! - fixed level: the network's own level, whatever is asked.
//!
//! Classifier-free guidance: `s = s(x | null) + gamma (s(x | k) - s(x | null))`.

use super::source::ScoreSource;
use crate::dist::NoiseLevel;
use crate::geom::Point;
use crate::nn::batch::{Batch, scores};
use crate::nn::{NoiseKind, ScoreModel, Workspace};
use std::sync::Arc;

thread_local! {
    /// The last inference workspace of this thread (see [`LearnedScore::net_outputs`]).
    static INFERENCE: std::cell::RefCell<Option<Workspace<f32>>> =
        const { std::cell::RefCell::new(None) };
}

/// Noise levels below this are read as this (log sigma must stay finite).
const SIGMA_FLOOR: f64 = 1e-4;

pub struct LearnedScore {
    pub model: Arc<ScoreModel>,
    /// Class to condition on (conditional models); `None` is the null class.
    pub class: Option<usize>,
    /// Classifier-free guidance scale (used with a class).
    pub cfg_scale: f64,
}

impl LearnedScore {
    pub fn new(model: Arc<ScoreModel>) -> LearnedScore {
        LearnedScore {
            model,
            class: None,
            cfg_scale: 1.0,
        }
    }

    /// Raw network outputs for the points `xs` at input level `sigma` and `class`.
    fn net_outputs(&self, xs: &[Point], sigma: f64, class: Option<usize>, out: &mut [Point]) {
        let n = xs.len();
        let batch = Batch {
            x: xs.to_vec(),
            sigma: vec![sigma; n],
            class: vec![class; n],
            weight: vec![1.0; n],
            target: Vec::new(),
            dirs: Vec::new(),
            level: vec![0; n],
        };
        let net = &self.model.net;
        // One inference workspace per thread, reused while the shapes match: a field refresh
        // evaluates hundreds of chunks, and allocating and zeroing the buffers for each cost as
        // much as a layer's activations.
        INFERENCE.with_borrow_mut(|slot| {
            if !slot.as_ref().is_some_and(|ws| ws.fits_inference(net, n)) {
                *slot = None;
            }
            let ws = slot.get_or_insert_with(|| Workspace::inference(net, n));
            scores(net, ws, &batch, 0..n, out);
        });
    }

    /// `s(x)` at `level` for one class (or the null class).
    fn class_score(
        &self,
        level: NoiseLevel,
        xs: &[Point],
        class: Option<usize>,
        out: &mut [Point],
    ) {
        match (self.model.noise, level) {
            (NoiseKind::Fixed { sigma }, _) => {
                self.net_outputs(xs, sigma.max(SIGMA_FLOOR), class, out)
            }
            (NoiseKind::Ve, NoiseLevel::Ve { sigma }) => {
                self.net_outputs(xs, sigma.max(SIGMA_FLOOR), class, out)
            }
            (NoiseKind::Ve, NoiseLevel::Vp { abar }) => {
                let r = abar.sqrt();
                let ys: Vec<Point> = xs.iter().map(|x| x / r).collect();
                let sigma_t = level.equivalent_sigma().max(SIGMA_FLOOR);
                self.net_outputs(&ys, sigma_t, class, out);
                out.iter_mut().for_each(|s| *s /= r);
            }
            (NoiseKind::Vp { .. }, NoiseLevel::Vp { abar }) => {
                let sigma_t = level.equivalent_sigma().max(SIGMA_FLOOR);
                self.net_outputs(xs, sigma_t, class, out);
                let c = -1.0 / (1.0 - abar).max(SIGMA_FLOOR * SIGMA_FLOOR).sqrt();
                out.iter_mut().for_each(|e| *e *= c);
            }
            (NoiseKind::Vp { .. }, NoiseLevel::Ve { sigma }) => {
                let sigma = sigma.max(SIGMA_FLOOR);
                let abar = 1.0 / (1.0 + sigma * sigma);
                let r = abar.sqrt();
                let xt: Vec<Point> = xs.iter().map(|x| x * r).collect();
                self.net_outputs(&xt, sigma, class, out);
                // s_ve(x) = sqrt(abar) * (-eps / sqrt(1 - abar)).
                let c = -r / (1.0 - abar).sqrt();
                out.iter_mut().for_each(|e| *e *= c);
            }
        }
    }
}

impl ScoreSource for LearnedScore {
    fn score_batch(&self, level: NoiseLevel, xs: &[Point], out: &mut [Point]) {
        let conditional = self.model.net.config.n_classes > 0;
        match self.class.filter(|_| conditional) {
            Some(k) if self.cfg_scale != 1.0 => {
                let mut uncond = vec![Point::zeros(); xs.len()];
                self.class_score(level, xs, None, &mut uncond);
                self.class_score(level, xs, Some(k), out);
                for (o, u) in out.iter_mut().zip(&uncond) {
                    *o = u + (*o - u) * self.cfg_scale;
                }
            }
            class => self.class_score(level, xs, class, out),
        }
    }

    fn label(&self) -> String {
        match self.class {
            Some(k) => format!("learned, class {k}, guidance scale {}", self.cfg_scale),
            None => "learned".to_string(),
        }
    }
}
