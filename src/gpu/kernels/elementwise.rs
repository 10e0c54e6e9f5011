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
    pub scale: f32,
}

const _: () = assert!(std::mem::size_of::<ElementwiseParams>() == 16);

fn params(n: usize, row_len: usize, accumulate: bool) -> ElementwiseParams {
    ElementwiseParams {
        n: n as u32,
        row_len: row_len.max(1) as u32,
        accumulate: accumulate as u32,
        scale: 0.0,
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

/// CPU twin of `lerp`: `a + scale (b - a)`.
pub fn lerp_cpu(a: &[f32], b: &[f32], scale: f32) -> Vec<f32> {
    a.iter().zip(b).map(|(x, y)| x + scale * (y - x)).collect()
}

/// `dst = a + scale (b - a)`.
pub fn lerp(gpu: &Gpu, k: &Kernels, a: &View, b: &View, scale: f32, dst: &View) -> Dispatch {
    let n = dst.len();
    let p = ElementwiseParams {
        scale,
        ..params(n, 1, false)
    };
    k.lerp
        .dispatch(gpu, &p, &[(1, a), (2, b), (4, dst)], groups_1d(n))
}

/// CPU twin of `precondition`: `a[i] / sqrt(sigma[row]^2 + scale)`.
pub fn precondition_cpu(a: &[f32], sigma: &[f32], row_len: usize, scale: f32) -> Vec<f32> {
    a.iter()
        .enumerate()
        .map(|(i, v)| {
            let s = sigma[i / row_len];
            v / (s * s + scale).sqrt()
        })
        .collect()
}

/// `dst (+)= a / sqrt(sigma[row]^2 + scale)`.
#[allow(clippy::too_many_arguments)]
pub fn precondition(
    gpu: &Gpu,
    k: &Kernels,
    a: &View,
    sigma: &View,
    row_len: usize,
    scale: f32,
    dst: &View,
    accumulate: bool,
) -> Dispatch {
    let n = dst.len();
    let p = ElementwiseParams {
        scale,
        ..params(n, row_len, accumulate)
    };
    k.precondition
        .dispatch(gpu, &p, &[(1, a), (3, sigma), (4, dst)], groups_1d(n))
}

/// The skip coefficients `(c1, c2_j)` at `sigma` for `sd2 = sigma_data^2` and the pixel's
/// prior variance `v` (`shaders/elementwise.wgsl`, `gpu/pixel_prior.rs`).
pub fn skip_coefficients(sigma: f32, sd2: f32, v: f32) -> (f32, f32) {
    (
        (sd2 / (sigma * sigma + sd2)).sqrt(),
        -sigma / (sigma * sigma + v),
    )
}

/// CPU twin of `skip_forward`: `c1 f + c2_j (x - mu_j)`, `prior` packed as
/// [`PixelPrior::packed`](crate::gpu::pixel_prior::PixelPrior::packed).
pub fn skip_forward_cpu(
    f: &[f32],
    x: &[f32],
    sigma: &[f32],
    row_len: usize,
    sd2: f32,
    prior: &[f32],
) -> Vec<f32> {
    (0..f.len())
        .map(|i| {
            let j = i % row_len;
            let (c1, c2) = skip_coefficients(sigma[i / row_len], sd2, prior[row_len + j]);
            c1 * f[i] + c2 * (x[i] - prior[j])
        })
        .collect()
}

/// `dst = c1 f + c2 (x - mu)` (forward, `x` = Some((x, packed prior))) or `dst (+)= c1 f`
/// (backward, `x` = None).
#[allow(clippy::too_many_arguments)]
pub fn skip(
    gpu: &Gpu,
    k: &Kernels,
    f: &View,
    x: Option<(&View, &View)>,
    sigma: &View,
    row_len: usize,
    sd2: f32,
    dst: &View,
    accumulate: bool,
) -> Dispatch {
    let n = dst.len();
    let p = ElementwiseParams {
        scale: sd2,
        ..params(n, row_len, accumulate)
    };
    match x {
        Some((x, prior)) => {
            assert_eq!(prior.len(), 2 * row_len, "a mean and a variance per pixel");
            k.skip_forward.dispatch(
                gpu,
                &p,
                &[(1, f), (2, x), (3, sigma), (4, dst), (5, prior)],
                groups_1d(n),
            )
        }
        None => k
            .skip_backward
            .dispatch(gpu, &p, &[(1, f), (3, sigma), (4, dst)], groups_1d(n)),
    }
}
