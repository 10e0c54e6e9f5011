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
    pub _pad: [u32; 2],
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
    fn params(&self, accumulate: bool) -> ConvParams {
        ConvParams {
            batch: self.batch as u32,
            cin: self.cin as u32,
            cout: self.cout as u32,
            h: self.h as u32,
            w: self.w as u32,
            accumulate: accumulate as u32,
            _pad: [0; 2],
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
        &[(1, x), (2, w), (3, y)],
        groups_1d(sh.batch * sh.cout * sh.h * sh.w),
    )
}

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
        &[(2, w), (4, dy), (5, dx)],
        groups_1d(sh.batch * sh.cin * sh.h * sh.w),
    )
}

pub fn conv_grad_weight(
    gpu: &Gpu,
    k: &Kernels,
    sh: ConvShape,
    x: &View,
    dy: &View,
    dw: &View,
) -> Dispatch {
    k.conv_grad_weight.dispatch(
        gpu,
        &sh.params(false),
        &[(1, x), (4, dy), (6, dw)],
        [(sh.cout * sh.cin) as u32, 1, 1],
    )
}
