//! Multi-level DSM batch drawing and loss (`shaders/dsm.wgsl`): params twin, CPU twins,
//! dispatches. The counter-based keys make every draw a pure function of (seed, step, index).

use super::embed::NULL_CLASS;
use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::{Dispatch, groups_1d};
use crate::gpu::kernels::Kernels;
use crate::gpu::rng::pcg_hash;
pub use crate::gpu::rng::uniform01;
use crate::gpu::train_schedule::loss_weight;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct DsmParams {
    pub batch: u32,
    pub pixels: u32,
    pub n_images: u32,
    pub levels: u32,
    pub seed: u32,
    pub step: u32,
    pub conditional: u32,
    pub p_uncond: f32,
    /// The loss's level weighting: 0 for none, else `sigma_data^2` of `1 + sigma^2 / sigma_data^2`
    /// ([`loss_weight`]).
    pub sigma_data2: f32,
    pub pad: [u32; 3],
}

const _: () = assert!(std::mem::size_of::<DsmParams>() == 48);

/// `K(s, t, i) = H(s ^ H(t ^ H(i)))`.
pub fn key(s: u32, t: u32, i: u32) -> u32 {
    pcg_hash(s ^ pcg_hash(t ^ pcg_hash(i)))
}

/// The standard normal at counter `i` (Box-Muller, cosine branch).
pub fn normal(seed: u32, step: u32, i: u32) -> f32 {
    let u1 = uniform01(key(seed, step, 2 * i));
    let u2 = uniform01(key(seed, step, 2 * i + 1));
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Bytes packed four to a u32, little-endian (the shader's data layout).
pub fn pack_bytes(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks(4)
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(w)
        })
        .collect()
}

/// One drawn batch (CPU twin of `draw`).
#[derive(Clone, Debug, PartialEq)]
pub struct DrawnBatch {
    pub xt: Vec<f32>,
    pub z: Vec<f32>,
    pub sigma: Vec<f32>,
    pub level: Vec<u32>,
    pub label: Vec<u32>,
}

/// CPU twin of `draw`.
pub fn draw_cpu(p: &DsmParams, data: &[u8], labels: &[u32], sigmas: &[f32]) -> DrawnBatch {
    let (batch, pixels) = (p.batch as usize, p.pixels as usize);
    let mut out = DrawnBatch {
        xt: vec![0.0; batch * pixels],
        z: vec![0.0; batch * pixels],
        sigma: vec![0.0; batch],
        level: vec![0; batch],
        label: vec![NULL_CLASS; batch],
    };
    for b in 0..batch {
        let bu = b as u32;
        let img = (key(p.seed, p.step, 3 * bu) % p.n_images) as usize;
        let lvl = key(p.seed, p.step, 3 * bu + 1) % p.levels;
        let sigma = sigmas[lvl as usize];
        for d in 0..pixels {
            let i = b * pixels + d;
            let g = normal(p.seed ^ 0x9e37_79b9, p.step, i as u32);
            out.xt[i] = data[img * pixels + d] as f32 / 255.0 + sigma * g;
            out.z[i] = g;
        }
        out.sigma[b] = sigma;
        out.level[b] = lvl;
        if p.conditional != 0 && uniform01(key(p.seed, p.step, 3 * bu + 2)) >= p.p_uncond {
            out.label[b] = labels[img];
        }
    }
    out
}

/// CPU twin of `loss`: per-sample losses `1/2 ||sigma s + z||^2` and the gradient of their
/// mean weighted by [`loss_weight`]`(sigma, sigma_data2)`.
pub fn loss_cpu(
    s: &[f32],
    z: &[f32],
    sigma: &[f32],
    pixels: usize,
    sigma_data2: f32,
) -> (Vec<f32>, Vec<f32>) {
    let batch = sigma.len();
    let mut loss = vec![0.0; batch];
    let mut ds = vec![0.0; s.len()];
    for b in 0..batch {
        let w = loss_weight(sigma[b], sigma_data2);
        for d in 0..pixels {
            let i = b * pixels + d;
            let r = sigma[b] * s[i] + z[i];
            loss[b] += 0.5 * r * r;
            ds[i] = w * sigma[b] * r / batch as f32;
        }
    }
    (loss, ds)
}

/// The outputs of `draw`.
pub struct DrawTargets<'a> {
    pub xt: &'a View,
    pub z: &'a View,
    pub sigma: &'a View,
    pub label: &'a View,
    pub level: &'a View,
}

pub fn draw(
    gpu: &Gpu,
    k: &Kernels,
    p: &DsmParams,
    data: &View,
    labels: &View,
    sigmas: &View,
    out: DrawTargets<'_>,
) -> Dispatch {
    k.dsm_draw.dispatch(
        gpu,
        p,
        &[
            (1, data),
            (2, labels),
            (3, sigmas),
            (4, out.xt),
            (5, out.z),
            (6, out.sigma),
            (7, out.label),
            (13, out.level),
        ],
        groups_1d((p.batch * p.pixels) as usize),
    )
}

/// The loss and its gradient for `batch` samples of `pixels`, weighted as `sigma_data2` says
/// ([`loss_weight`]).
#[allow(clippy::too_many_arguments)]
pub fn loss(
    gpu: &Gpu,
    k: &Kernels,
    batch: usize,
    pixels: usize,
    sigma_data2: f32,
    s: &View,
    z: &View,
    sigma: &View,
    loss_b: &View,
    ds: &View,
) -> Dispatch {
    let p = DsmParams {
        batch: batch as u32,
        pixels: pixels as u32,
        n_images: 0,
        levels: 0,
        seed: 0,
        step: 0,
        conditional: 0,
        p_uncond: 0.0,
        sigma_data2,
        pad: [0; 3],
    };
    k.dsm_loss.dispatch(
        gpu,
        &p,
        &[(8, s), (9, z), (10, sigma), (11, loss_b), (12, ds)],
        [batch as u32, 1, 1],
    )
}
