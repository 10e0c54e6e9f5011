//! 3x3 convolution: params twin, CPU twins, and dispatches of both kernel families (tiled,
//! `shaders/conv3x3.wgsl`; register-blocked, `conv3x3_blocked.rs`). NCHW tensors,
//! weights `[cout, cin, 3, 3]`, stride 1, zero padding 1.

use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::{Dispatch, Kernel, groups_1d, module};
use crate::gpu::kernels::{CONV3X3, Family, Kernels, conv3x3_blocked};
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
    /// Images per range (the register kernels split at whole images; the tiled ones ignore it).
    pub images_per_split: u32,
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

    /// Values of the weight gradient's partial sums buffer (enough for either family: the
    /// register kernels use at most as many splits).
    pub fn parts_len(&self) -> usize {
        self.weight_splits() * self.cout * self.cin * 9
    }

    /// The register kernels' split of the weight gradient: `(splits, images per split)`, whole
    /// images per split, no more splits than [`Self::weight_splits`].
    pub fn image_splits(&self) -> (usize, usize) {
        let most = self.weight_splits().min(self.batch).max(1);
        let per = self.batch.div_ceil(most).max(1);
        (self.batch.div_ceil(per).max(1), per)
    }

    fn params(&self, family: Family, accumulate: bool) -> ConvParams {
        let (splits, images_per_split) = match family {
            Family::Workgroup => (self.weight_splits(), 0),
            Family::Registers => self.image_splits(),
        };
        ConvParams {
            batch: self.batch as u32,
            cin: self.cin as u32,
            cout: self.cout as u32,
            h: self.h as u32,
            w: self.w as u32,
            accumulate: accumulate as u32,
            splits: splits as u32,
            images_per_split: images_per_split as u32,
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

/// Workgroups for an implicit product with `m` rows and `n` columns (the tiled kernels).
fn tiles(m: usize, n: usize, z: usize) -> [u32; 3] {
    [n.div_ceil(64) as u32, m.div_ceil(64) as u32, z as u32]
}

/// Workgroups for the register kernels: `column_blocks` blocks of
/// [`conv3x3_blocked::COLS`] along x, `rows` in blocks of [`conv3x3_blocked::block_rows`]
/// along y.
fn register_groups(rows: usize, column_blocks: usize) -> [u32; 3] {
    [
        column_blocks.div_ceil(conv3x3_blocked::GROUP) as u32,
        rows.div_ceil(conv3x3_blocked::block_rows(rows)) as u32,
        1,
    ]
}

/// Workgroups of a product over the batch's pixels (forward, grad_input) with `rows` output
/// channels.
fn pixel_groups(family: Family, sh: ConvShape, rows: usize) -> [u32; 3] {
    let pixels = sh.batch * sh.h * sh.w;
    match family {
        Family::Workgroup => tiles(rows, pixels, 1),
        Family::Registers => register_groups(rows, pixels.div_ceil(conv3x3_blocked::COLS)),
    }
}

/// The convolution with the adapter's kernel family ([`Family`]).
pub fn conv_forward(
    gpu: &Gpu,
    k: &Kernels,
    sh: ConvShape,
    x: &View,
    w: &View,
    y: &View,
) -> Dispatch {
    conv_forward_on(gpu, k, k.family, sh, [x, w, y])
}

/// [`conv_forward`] with the family chosen by the caller; `views` is `[x, w, y]`.
pub fn conv_forward_on(
    gpu: &Gpu,
    k: &Kernels,
    family: Family,
    sh: ConvShape,
    views: [&View; 3],
) -> Dispatch {
    let [x, w, y] = views;
    k.conv.forward(family, sh.cout).dispatch(
        gpu,
        &sh.params(family, false),
        &[(1, w), (2, x), (3, y)],
        pixel_groups(family, sh, sh.cout),
    )
}

/// The input gradient `dx (+)= conv^T(dy)` with the adapter's kernel family.
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
    conv_grad_input_on(gpu, k, k.family, sh, [w, dy, dx], accumulate)
}

/// [`conv_grad_input`] with the family chosen by the caller; `views` is `[w, dy, dx]`.
pub fn conv_grad_input_on(
    gpu: &Gpu,
    k: &Kernels,
    family: Family,
    sh: ConvShape,
    views: [&View; 3],
    accumulate: bool,
) -> Dispatch {
    let [w, dy, dx] = views;
    k.conv.grad_input(family, sh.cin).dispatch(
        gpu,
        &sh.params(family, accumulate),
        &[(1, w), (2, dy), (3, dx)],
        pixel_groups(family, sh, sh.cin),
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
    conv_grad_weight_on(gpu, k, k.family, sh, [x, dy, dw, parts])
}

/// [`conv_grad_weight`] with the family chosen by the caller; `views` is `[x, dy, dw, parts]`.
pub fn conv_grad_weight_on(
    gpu: &Gpu,
    k: &Kernels,
    family: Family,
    sh: ConvShape,
    views: [&View; 4],
) -> [Dispatch; 2] {
    let [x, dy, dw, parts] = views;
    let p = sh.params(family, false);
    let groups = match family {
        Family::Workgroup => tiles(sh.cout, 9 * sh.cin, sh.weight_splits()),
        Family::Registers => {
            let blocks = (9 * sh.cin).div_ceil(conv3x3_blocked::COLS);
            register_groups(sh.cout, blocks * p.splits as usize)
        }
    };
    [
        k.conv.grad_weight(family, sh.cout).dispatch(
            gpu,
            &p,
            &[(1, dy), (2, x), (3, parts)],
            groups,
        ),
        k.conv.reduce_parts.dispatch(
            gpu,
            &p,
            &[(4, parts), (5, dw)],
            groups_1d(sh.cout * sh.cin * 9),
        ),
    ]
}

/// The convolution pipelines of both families (the register family in two block heights).
pub struct ConvKernels {
    tiled: [Kernel; 3],
    blocked: [Kernel; 3],
    blocked_narrow: [Kernel; 3],
    pub reduce_parts: Kernel,
}

impl ConvKernels {
    pub fn new(gpu: &Gpu) -> ConvKernels {
        let tiled = module(gpu, "conv3x3", CONV3X3);
        let blocked = module(
            gpu,
            "conv3x3 blocked",
            &conv3x3_blocked::source(conv3x3_blocked::ROWS),
        );
        let narrow = module(
            gpu,
            "conv3x3 blocked narrow",
            &conv3x3_blocked::source(conv3x3_blocked::ROWS_NARROW),
        );
        let entries = |m: &wgpu::ShaderModule, label: [&'static str; 3]| {
            [
                Kernel::new(gpu, m, label[0], "forward"),
                Kernel::new(gpu, m, label[1], "grad_input"),
                Kernel::new(gpu, m, label[2], "grad_weight"),
            ]
        };
        ConvKernels {
            tiled: entries(
                &tiled,
                ["conv forward", "conv grad_input", "conv grad_weight"],
            ),
            blocked: entries(
                &blocked,
                [
                    "conv blocked forward",
                    "conv blocked grad_input",
                    "conv blocked grad_weight",
                ],
            ),
            blocked_narrow: entries(
                &narrow,
                [
                    "conv blocked narrow forward",
                    "conv blocked narrow grad_input",
                    "conv blocked narrow grad_weight",
                ],
            ),
            reduce_parts: Kernel::new(gpu, &tiled, "conv reduce_parts", "reduce_parts"),
        }
    }

    /// The kernels for a product with `rows` output rows.
    fn pick(&self, family: Family, rows: usize) -> &[Kernel; 3] {
        match family {
            Family::Workgroup => &self.tiled,
            Family::Registers if conv3x3_blocked::block_rows(rows) == conv3x3_blocked::ROWS => {
                &self.blocked
            }
            Family::Registers => &self.blocked_narrow,
        }
    }

    fn forward(&self, family: Family, rows: usize) -> &Kernel {
        &self.pick(family, rows)[0]
    }

    fn grad_input(&self, family: Family, rows: usize) -> &Kernel {
        &self.pick(family, rows)[1]
    }

    fn grad_weight(&self, family: Family, rows: usize) -> &Kernel {
        &self.pick(family, rows)[2]
    }
}
