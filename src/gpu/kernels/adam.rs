//! Adam over one flat parameter buffer (`shaders/adam.wgsl`): params twin, CPU twin, dispatch.

use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::{Dispatch, groups_1d};
use crate::gpu::kernels::Kernels;
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
    pub _pad: u32,
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
            _pad: 0,
        }
    }
}

/// CPU twin of `step`.
pub fn adam_cpu(p: &AdamParams, theta: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]) {
    for i in 0..theta.len() {
        m[i] = p.beta1 * m[i] + (1.0 - p.beta1) * g[i];
        v[i] = p.beta2 * v[i] + (1.0 - p.beta2) * g[i] * g[i];
        theta[i] -= p.lr * (m[i] / p.bc1) / ((v[i] / p.bc2).sqrt() + p.eps);
    }
}

pub fn adam(
    gpu: &Gpu,
    k: &Kernels,
    p: &AdamParams,
    theta: &View,
    g: &View,
    m: &View,
    v: &View,
) -> Dispatch {
    k.adam.dispatch(
        gpu,
        p,
        &[(1, theta), (2, g), (3, m), (4, v)],
        groups_1d(p.n as usize),
    )
}
