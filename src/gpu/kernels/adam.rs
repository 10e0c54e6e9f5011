//! Adam over one flat parameter buffer, and the moving average of the weights
//! (`shaders/adam.wgsl`): params twin, CPU twin, dispatch.
//!
//! The samplers use the exponential moving average of the weights, not the last iterate: Adam's
//! iterates jitter around a minimum at the scale of the learning rate, and a score network's
//! samples at the smallest noise levels are sensitive to that jitter (NCSNv2 averages with
//! decay 0.999). Early in training an average over the last thousand steps would still be
//! mostly the random start, so the decay grows with the step count:
//! `d_t = min(0.999, (1 + t) / (10 + t))` (0.18 at the first step, 0.9 at step 80, the full
//! 0.999 from step 8,990 on).

use crate::gpu::context::Gpu;
use crate::gpu::kernel::{Dispatch, groups_1d};
use crate::gpu::kernels::Kernels;
use crate::gpu::params::ParamStore;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct AdamParams {
    pub n: u32,
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    pub bc1: f32,
    pub bc2: f32,
    pub ema_decay: f32,
}

/// The moving average's decay once training has run long enough.
pub const EMA_DECAY: f32 = 0.999;

/// The moving average's decay at update `t` (from 1): `min(EMA_DECAY, (1 + t) / (10 + t))`.
pub fn ema_decay_at(t: u64) -> f32 {
    let warm = (1.0 + t as f64) / (10.0 + t as f64);
    (warm as f32).min(EMA_DECAY)
}

const _: () = assert!(std::mem::size_of::<AdamParams>() == 32);

impl AdamParams {
    /// The parameters of update number `t` (from 1).
    pub fn at_step(n: usize, lr: f32, t: u64) -> AdamParams {
        let (beta1, beta2) = (0.9f32, 0.999f32);
        AdamParams {
            n: n as u32,
            lr,
            beta1,
            beta2,
            eps: 1e-8,
            bc1: 1.0 - (beta1 as f64).powf(t as f64) as f32,
            bc2: 1.0 - (beta2 as f64).powf(t as f64) as f32,
            ema_decay: ema_decay_at(t),
        }
    }
}

/// The buffers the update reads and writes, all of the same length.
pub struct AdamState<'a, T> {
    pub theta: T,
    pub grad: &'a [f32],
    pub m: T,
    pub v: T,
    pub ema: T,
}

/// CPU twin of `step`.
pub fn adam_cpu(p: &AdamParams, s: AdamState<'_, &mut [f32]>) {
    for i in 0..s.theta.len() {
        let g = s.grad[i];
        s.m[i] = p.beta1 * s.m[i] + (1.0 - p.beta1) * g;
        s.v[i] = p.beta2 * s.v[i] + (1.0 - p.beta2) * g * g;
        s.theta[i] -= p.lr * (s.m[i] / p.bc1) / ((s.v[i] / p.bc2).sqrt() + p.eps);
        s.ema[i] = p.ema_decay * s.ema[i] + (1.0 - p.ema_decay) * s.theta[i];
    }
}

/// The update on the GPU; `p.n` must be a multiple of 4 (the parameter store pads every
/// tensor to 64 values), since the kernel reads four parameters per load.
pub fn adam(gpu: &Gpu, k: &Kernels, p: &AdamParams, s: &ParamStore) -> Dispatch {
    assert!(
        p.n.is_multiple_of(4),
        "Adam runs on whole vec4s: {} parameters",
        p.n
    );
    k.adam.dispatch(
        gpu,
        p,
        &[
            (1, &s.theta),
            (2, &s.grad),
            (3, &s.m),
            (4, &s.v),
            (5, &s.ema),
        ],
        groups_1d(p.n as usize / 4),
    )
}
