//! Noise-level and class features (`shaders/embed.wgsl`): params twin, CPU twin, dispatch.

use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::{Dispatch, groups_1d};
use crate::gpu::kernels::Kernels;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct EmbedParams {
    pub batch: u32,
    pub freqs: u32,
    pub classes: u32,
    pub _pad: u32,
}

const _: () = assert!(std::mem::size_of::<EmbedParams>() == 16);

/// The label meaning "no class" (classifier-free guidance's unconditional model).
pub const NULL_CLASS: u32 = u32::MAX;

/// Features per sample: `2 freqs + classes`.
pub fn embed_dim(freqs: usize, classes: usize) -> usize {
    2 * freqs + classes
}

/// CPU twin: `[batch, 2F + classes]` features.
pub fn embed_cpu(sigma: &[f32], label: &[u32], freqs: usize, classes: usize) -> Vec<f32> {
    let dim = embed_dim(freqs, classes);
    let mut e = vec![0.0; sigma.len() * dim];
    for (b, (&s, &y)) in sigma.iter().zip(label).enumerate() {
        let ls = s.ln();
        for k in 0..freqs {
            let w = 0.3 * (k + 1) as f32;
            e[b * dim + k] = (w * ls).sin();
            e[b * dim + freqs + k] = (w * ls).cos();
        }
        if (y as usize) < classes {
            e[b * dim + 2 * freqs + y as usize] = 1.0;
        }
    }
    e
}

#[allow(clippy::too_many_arguments)]
pub fn embed(
    gpu: &Gpu,
    k: &Kernels,
    batch: usize,
    freqs: usize,
    classes: usize,
    sigma: &View,
    label: &View,
    e: &View,
) -> Dispatch {
    let params = EmbedParams {
        batch: batch as u32,
        freqs: freqs as u32,
        classes: classes as u32,
        _pad: 0,
    };
    k.embed.dispatch(
        gpu,
        &params,
        &[(1, sigma), (2, label), (3, e)],
        groups_1d(batch * embed_dim(freqs, classes)),
    )
}
