//! 3x3 convolution (`shaders/conv3x3.wgsl`): params twin, CPU twins, dispatches. NCHW tensors,
//! weights `[cout, cin, 3, 3]`, stride 1, zero padding 1.

use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::{Dispatch, groups_1d};
use crate::gpu::kernels::Kernels;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct ConvParams {
    pub batch: u32,
    pub cin: u32,
    pub cout: u32,
    pub h: u32,
    pub w: u32,
    pub accumulate: u32,
    /// Ranges the weight gradient's K = batch h w is split into.
    pub splits: u32,
    pub _pad: u32,
}

const _: () = assert!(std::mem::size_of::<ConvParams>() == 32);

/// A convolution's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    pub batch: usize,
    pub cin: usize,
    pub cout: usize,
    pub h: usize,
    pub w: usize,
}

impl ConvShape {
    /// Splits of the weight gradient's reduction: about 256 workgroups in all, at least 1,024
    /// pixels per split.
    pub fn weight_splits(&self) -> usize {
        let tiles = self.cout.div_ceil(64) * (9 * self.cin).div_ceil(64);
        let k = self.batch * self.h * self.w;
        256usize.div_ceil(tiles).clamp(1, (k / 1024).max(1))
    }

    /// Values of the weight gradient's partial sums buffer.
    pub fn parts_len(&self) -> usize {
        self.weight_splits() * self.cout * self.cin * 9
    }

    fn params(&self, accumulate: bool) -> ConvParams {
        ConvParams {
            batch: self.batch as u32,
            cin: self.cin as u32,
            cout: self.cout as u32,
            h: self.h as u32,
            w: self.w as u32,
            accumulate: accumulate as u32,
            splits: self.weight_splits() as u32,
            _pad: 0,
        }
    }

    /// `(r + u - 1, s + v - 1)` when it lies inside the image.
    fn tap(&self, r: usize, s: usize, u: usize, v: usize) -> Option<usize> {
        let rr = (r + u).checked_sub(1).filter(|&x| x < self.h)?;
        let ss = (s + v).checked_sub(1).filter(|&x| x < self.w)?;
        Some(rr * self.w + ss)
    }
}

/// CPU twin of `forward`: `y[b,o,r,s] = sum_{i,u,v} w[o,i,u,v] x[b,i,r+u-1,s+v-1]`.
pub fn conv_forward_cpu(sh: ConvShape, x: &[f32], w: &[f32]) -> Vec<f32> {
    let hw = sh.h * sh.w;
    let mut y = vec![0.0; sh.batch * sh.cout * hw];
    for b in 0..sh.batch {
        for o in 0..sh.cout {
            for r in 0..sh.h {
                for s in 0..sh.w {
                    let mut acc = 0.0;
                    for i in 0..sh.cin {
                        for u in 0..3 {
                            for v in 0..3 {
                                if let Some(p) = sh.tap(r, s, u, v) {
                                    acc += w[(o * sh.cin + i) * 9 + u * 3 + v]
                                        * x[(b * sh.cin + i) * hw + p];
                                }
                            }
                        }
                    }
                    y[(b * sh.cout + o) * hw + r * sh.w + s] = acc;
                }
            }
        }
    }
    y
}

/// CPU twin of both backward products: `(dx, dw)` for the output gradient `dy`.
pub fn conv_backward_cpu(sh: ConvShape, x: &[f32], w: &[f32], dy: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let hw = sh.h * sh.w;
    let mut dx = vec![0.0; x.len()];
    let mut dw = vec![0.0; w.len()];
    for b in 0..sh.batch {
        for o in 0..sh.cout {
            for r in 0..sh.h {
                for s in 0..sh.w {
                    let g = dy[(b * sh.cout + o) * hw + r * sh.w + s];
                    for i in 0..sh.cin {
                        for u in 0..3 {
                            for v in 0..3 {
                                if let Some(p) = sh.tap(r, s, u, v) {
                                    let wi = (o * sh.cin + i) * 9 + u * 3 + v;
                                    let xi = (b * sh.cin + i) * hw + p;
                                    dx[xi] += w[wi] * g;
                                    dw[wi] += x[xi] * g;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    (dx, dw)
}

/// Workgroups for an implicit product with `m` rows and `n` columns.
fn tiles(m: usize, n: usize, z: usize) -> [u32; 3] {
    [n.div_ceil(64) as u32, m.div_ceil(64) as u32, z as u32]
}

pub fn conv_forward(
    gpu: &Gpu,
    k: &Kernels,
    sh: ConvShape,
    x: &View,
    w: &View,
    y: &View,
) -> Dispatch {
    k.conv_forward.dispatch(
        gpu,
        &sh.params(false),
        &[(1, w), (2, x), (3, y)],
        tiles(sh.cout, sh.batch * sh.h * sh.w, 1),
    )
}

#[allow(clippy::too_many_arguments)]
pub fn conv_grad_input(
    gpu: &Gpu,
    k: &Kernels,
    sh: ConvShape,
    w: &View,
    dy: &View,
    dx: &View,
    accumulate: bool,
) -> Dispatch {
    k.conv_grad_input.dispatch(
        gpu,
        &sh.params(accumulate),
        &[(1, w), (2, dy), (3, dx)],
        tiles(sh.cin, sh.batch * sh.h * sh.w, 1),
    )
}

/// The weight gradient: the split product into `parts` (`sh.parts_len()` values), then their sum.
#[allow(clippy::too_many_arguments)]
pub fn conv_grad_weight(
    gpu: &Gpu,
    k: &Kernels,
    sh: ConvShape,
    x: &View,
    dy: &View,
    dw: &View,
    parts: &View,
) -> [Dispatch; 2] {
    let p = sh.params(false);
    [
        k.conv_grad_weight.dispatch(
            gpu,
            &p,
            &[(1, dy), (2, x), (3, parts)],
            tiles(sh.cout, 9 * sh.cin, sh.weight_splits()),
        ),
        k.conv_reduce_parts.dispatch(
            gpu,
            &p,
            &[(4, parts), (5, dw)],
            groups_1d(sh.cout * sh.cin * 9),
        ),
    ]
}
