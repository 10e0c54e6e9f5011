//! Annealed Langevin steps and Tweedie's denoiser on images (`shaders/langevin.wgsl`): params
//! twin, CPU twins, dispatches.

use super::dsm::normal;
use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::{Dispatch, groups_1d};
use crate::gpu::kernels::Kernels;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct LangevinParams {
    pub n: u32,
    pub pixels: u32,
    pub seed: u32,
    pub step: u32,
    pub alpha: f32,
    pub sigma: f32,
    pub batch: u32,
    pub _pad: u32,
}

const _: () = assert!(std::mem::size_of::<LangevinParams>() == 32);

/// CPU twin of `start`: `x = mean + sigma z`.
pub fn start_cpu(p: &LangevinParams, mean: &[f32]) -> Vec<f32> {
    (0..p.n)
        .map(|i| mean[i as usize % p.pixels as usize] + p.sigma * normal(p.seed, p.step, i))
        .collect()
}

/// CPU twin of `step`: `x += alpha/2 s + sqrt(alpha) z`.
pub fn step_cpu(p: &LangevinParams, x: &mut [f32], s: &[f32]) {
    for (i, v) in x.iter_mut().enumerate() {
        *v += 0.5 * p.alpha * s[i] + p.alpha.sqrt() * normal(p.seed, p.step, i as u32);
    }
}

/// CPU twin of `denoise`: `x += sigma^2 s`.
pub fn denoise_cpu(p: &LangevinParams, x: &mut [f32], s: &[f32]) {
    for (v, g) in x.iter_mut().zip(s) {
        *v += p.sigma * p.sigma * g;
    }
}

pub fn start(gpu: &Gpu, k: &Kernels, p: &LangevinParams, x: &View, mean: &View) -> Dispatch {
    k.langevin_start
        .dispatch(gpu, p, &[(1, x), (3, mean)], groups_1d(p.n as usize))
}

pub fn step(gpu: &Gpu, k: &Kernels, p: &LangevinParams, x: &View, s: &View) -> Dispatch {
    k.langevin_step
        .dispatch(gpu, p, &[(1, x), (2, s)], groups_1d(p.n as usize))
}

pub fn denoise(gpu: &Gpu, k: &Kernels, p: &LangevinParams, x: &View, s: &View) -> Dispatch {
    k.langevin_denoise
        .dispatch(gpu, p, &[(1, x), (2, s)], groups_1d(p.n as usize))
}

pub fn fill_sigma(gpu: &Gpu, k: &Kernels, p: &LangevinParams, sigma_b: &View) -> Dispatch {
    k.fill_sigma
        .dispatch(gpu, p, &[(4, sigma_b)], groups_1d(p.batch as usize))
}
