//! Adam (Kingma & Ba) with optional global-norm gradient clipping.
//!
//! `m <- b1 m + (1 - b1) g`, `v <- b2 v + (1 - b2) g^2`,
//! `theta <- theta - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`.

use super::mlp::Mlp;
use super::pass::Gradients;
use super::real::Real;

#[derive(Clone, Debug)]
pub struct Adam<T: Real> {
    pub lr: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub eps: f64,
    /// Clip the gradient's global norm to this value before the update.
    pub clip_norm: Option<f64>,
    t: u64,
    m: Gradients<T>,
    v: Gradients<T>,
}

impl<T: Real> Adam<T> {
    pub fn new(net: &Mlp<T>, lr: f64) -> Adam<T> {
        Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            clip_norm: None,
            t: 0,
            m: Gradients::zeros_like(net),
            v: Gradients::zeros_like(net),
        }
    }

    /// Forgets the moment estimates (after a rollback).
    pub fn reset(&mut self) {
        self.t = 0;
        self.m.fill_zero();
        self.v.fill_zero();
    }

    /// One update of `net` with gradient `g` (clipped in place if asked).
    pub fn step(&mut self, net: &mut Mlp<T>, g: &mut Gradients<T>) {
        if let Some(max) = self.clip_norm {
            let norm = g.norm();
            if norm > max {
                g.scale(T::of(max / norm));
            }
        }
        self.t += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let lr_t = self.lr * (1.0 - b2.powi(self.t as i32)).sqrt() / (1.0 - b1.powi(self.t as i32));
        let (b1, b2, one) = (T::of(b1), T::of(b2), T::one());
        let (lr_t, eps) = (T::of(lr_t), T::of(self.eps));
        let params = net
            .weights
            .iter_mut()
            .map(|w| w.as_mut_slice())
            .zip(g.weights.iter().map(|w| w.as_slice()))
            .zip(self.m.weights.iter_mut().map(|w| w.as_mut_slice()))
            .zip(self.v.weights.iter_mut().map(|w| w.as_mut_slice()));
        let biases = net
            .biases
            .iter_mut()
            .map(|b| b.as_mut_slice())
            .zip(g.biases.iter().map(|b| b.as_slice()))
            .zip(self.m.biases.iter_mut().map(|b| b.as_mut_slice()))
            .zip(self.v.biases.iter_mut().map(|b| b.as_mut_slice()));
        for (((p, g), m), v) in params.chain(biases) {
            let entries = p.iter_mut().zip(g).zip(m.iter_mut()).zip(v.iter_mut());
            for (((p, g), m), v) in entries {
                *m = b1 * *m + (one - b1) * *g;
                *v = b2 * *v + (one - b2) * *g * *g;
                *p -= lr_t * *m / (v.sqrt() + eps);
            }
        }
    }
}
