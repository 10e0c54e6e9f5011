//! 2x average pooling and nearest up-sampling (`shaders/resample.wgsl`): params twin, CPU twins,
//! dispatches. `planes` = batch x channels; the low resolution is `h x w`.

use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::{Dispatch, groups_1d};
use crate::gpu::kernels::Kernels;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct ResampleParams {
    pub planes: u32,
    pub h: u32,
    pub w: u32,
    pub accumulate: u32,
}

const _: () = assert!(std::mem::size_of::<ResampleParams>() == 16);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planes {
    pub planes: usize,
    /// Low-resolution rows and columns.
    pub h: usize,
    pub w: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resample {
    PoolForward,
    PoolBackward,
    UpForward,
    UpBackward,
}

impl Planes {
    fn low(&self) -> usize {
        self.planes * self.h * self.w
    }

    /// The low-resolution index under high-resolution index `i`.
    fn parent(&self, i: usize) -> usize {
        let s = i % (2 * self.w);
        let r = (i / (2 * self.w)) % (2 * self.h);
        let q = i / (4 * self.w * self.h);
        (q * self.h + r / 2) * self.w + s / 2
    }
}

/// CPU twin of each entry point (without accumulation).
pub fn resample_cpu(pl: Planes, op: Resample, src: &[f32]) -> Vec<f32> {
    let high = 4 * pl.low();
    match op {
        Resample::PoolForward | Resample::UpBackward => {
            let mut out = vec![0.0; pl.low()];
            for i in 0..high {
                out[pl.parent(i)] += src[i];
            }
            if op == Resample::PoolForward {
                out.iter_mut().for_each(|v| *v *= 0.25);
            }
            out
        }
        Resample::PoolBackward => (0..high).map(|i| 0.25 * src[pl.parent(i)]).collect(),
        Resample::UpForward => (0..high).map(|i| src[pl.parent(i)]).collect(),
    }
}

pub fn resample(
    gpu: &Gpu,
    k: &Kernels,
    pl: Planes,
    op: Resample,
    src: &View,
    dst: &View,
    accumulate: bool,
) -> Dispatch {
    let (kernel, n) = match op {
        Resample::PoolForward => (&k.pool_forward, pl.low()),
        Resample::PoolBackward => (&k.pool_backward, 4 * pl.low()),
        Resample::UpForward => (&k.up_forward, 4 * pl.low()),
        Resample::UpBackward => (&k.up_backward, pl.low()),
    };
    let params = ResampleParams {
        planes: pl.planes as u32,
        h: pl.h as u32,
        w: pl.w as u32,
        accumulate: accumulate as u32,
    };
    kernel.dispatch(gpu, &params, &[(1, src), (2, dst)], groups_1d(n))
}
