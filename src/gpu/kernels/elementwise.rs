//! Element-wise operations (`shaders/elementwise.wgsl`): params twin, CPU twins, dispatches.

use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::{Dispatch, groups_1d};
use crate::gpu::kernels::Kernels;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct ElementwiseParams {
    pub n: u32,
    pub row_len: u32,
    pub accumulate: u32,
    pub _pad: u32,
}

const _: () = assert!(std::mem::size_of::<ElementwiseParams>() == 16);

fn params(n: usize, row_len: usize, accumulate: bool) -> ElementwiseParams {
    ElementwiseParams {
        n: n as u32,
        row_len: row_len.max(1) as u32,
        accumulate: accumulate as u32,
        _pad: 0,
    }
}

/// CPU twin of `div_rows`: `a[i] / sigma[i / row_len]`.
pub fn div_rows_cpu(a: &[f32], sigma: &[f32], row_len: usize) -> Vec<f32> {
    a.iter()
        .enumerate()
        .map(|(i, v)| v / sigma[i / row_len])
        .collect()
}

/// `dst (+)= a + b`.
pub fn add(gpu: &Gpu, k: &Kernels, a: &View, b: &View, dst: &View, accumulate: bool) -> Dispatch {
    let n = dst.len();
    k.add.dispatch(
        gpu,
        &params(n, 1, accumulate),
        &[(1, a), (2, b), (4, dst)],
        groups_1d(n),
    )
}

/// `dst (+)= a`.
pub fn copy(gpu: &Gpu, k: &Kernels, a: &View, dst: &View, accumulate: bool) -> Dispatch {
    let n = dst.len();
    k.copy.dispatch(
        gpu,
        &params(n, 1, accumulate),
        &[(1, a), (4, dst)],
        groups_1d(n),
    )
}

/// `dst (+)= a / sigma[row]`.
pub fn div_rows(
    gpu: &Gpu,
    k: &Kernels,
    a: &View,
    sigma: &View,
    row_len: usize,
    dst: &View,
    accumulate: bool,
) -> Dispatch {
    let n = dst.len();
    k.div_rows.dispatch(
        gpu,
        &params(n, row_len, accumulate),
        &[(1, a), (3, sigma), (4, dst)],
        groups_1d(n),
    )
}
