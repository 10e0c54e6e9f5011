//! Bias and SiLU (`shaders/bias_act.wgsl`): params twin, CPU twins, dispatches.
//! Tensors are `[outer, channels, inner]`.

use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::{Dispatch, groups_1d};
use crate::gpu::kernels::{Family, Kernels};
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct BiasParams {
    pub outer: u32,
    pub channels: u32,
    pub inner: u32,
    pub _pad: u32,
}

const _: () = assert!(std::mem::size_of::<BiasParams>() == 16);

/// The layout `[outer, channels, inner]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub outer: usize,
    pub channels: usize,
    pub inner: usize,
}

impl Layout {
    pub fn len(&self) -> usize {
        self.outer * self.channels * self.inner
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn channel(&self, i: usize) -> usize {
        (i / self.inner) % self.channels
    }

    fn params(&self) -> BiasParams {
        BiasParams {
            outer: self.outer as u32,
            channels: self.channels as u32,
            inner: self.inner as u32,
            _pad: 0,
        }
    }
}

pub fn sigmoid(v: f32) -> f32 {
    1.0 / (1.0 + (-v).exp())
}

/// `silu(z) = z sigmoid(z)`.
pub fn silu(v: f32) -> f32 {
    v * sigmoid(v)
}

/// `silu'(z) = sigmoid(z) (1 + z (1 - sigmoid(z)))`.
pub fn silu_grad(v: f32) -> f32 {
    let s = sigmoid(v);
    s * (1.0 + v * (1.0 - s))
}

/// CPU twin of `add_bias` (in place).
pub fn add_bias_cpu(l: Layout, bias: &[f32], z: &mut [f32]) {
    for (i, v) in z.iter_mut().enumerate() {
        *v += bias[l.channel(i)];
    }
}

/// CPU twin of `silu_backward`.
pub fn silu_backward_cpu(z: &[f32], dy: &[f32]) -> Vec<f32> {
    z.iter().zip(dy).map(|(&v, &g)| g * silu_grad(v)).collect()
}

/// CPU twin of `channel_sum`.
pub fn channel_sum_cpu(l: Layout, g: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; l.channels];
    for (i, v) in g.iter().enumerate() {
        out[l.channel(i)] += v;
    }
    out
}

pub fn add_bias(gpu: &Gpu, k: &Kernels, l: Layout, bias: &View, z: &View) -> Dispatch {
    k.add_bias
        .dispatch(gpu, &l.params(), &[(1, bias), (2, z)], groups_1d(l.len()))
}

/// `z += bias; y = silu(z)`.
pub fn bias_silu(gpu: &Gpu, k: &Kernels, l: Layout, bias: &View, z: &View, y: &View) -> Dispatch {
    k.bias_silu.dispatch(
        gpu,
        &l.params(),
        &[(1, bias), (2, z), (3, y)],
        groups_1d(l.len()),
    )
}

/// `y = silu(z)`.
pub fn silu_forward(gpu: &Gpu, k: &Kernels, l: Layout, z: &View, y: &View) -> Dispatch {
    k.silu
        .dispatch(gpu, &l.params(), &[(4, z), (3, y)], groups_1d(l.len()))
}

/// `dz = dy silu'(z)`.
pub fn silu_backward(
    gpu: &Gpu,
    k: &Kernels,
    l: Layout,
    z: &View,
    dy: &View,
    dz: &View,
) -> Dispatch {
    k.silu_backward.dispatch(
        gpu,
        &l.params(),
        &[(4, z), (5, dy), (6, dz)],
        groups_1d(l.len()),
    )
}

/// `out[c] = sum of g over everything but the channel`, in the adapter's family.
pub fn channel_sum(gpu: &Gpu, k: &Kernels, l: Layout, g: &View, out: &View) -> Dispatch {
    channel_sum_on(gpu, k, k.family, l, g, out)
}

/// [`channel_sum`] in a chosen family: a workgroup per channel with a tree reduction, or one
/// invocation per channel summing in a register.
pub fn channel_sum_on(
    gpu: &Gpu,
    k: &Kernels,
    family: Family,
    l: Layout,
    g: &View,
    out: &View,
) -> Dispatch {
    let (kernel, groups) = match family {
        Family::Workgroup => (&k.channel_sum, [l.channels as u32, 1, 1]),
        Family::Registers => (&k.channel_sum_lanes, groups_1d(l.channels)),
    };
    kernel.dispatch(gpu, &l.params(), &[(7, g), (8, out)], groups)
}
