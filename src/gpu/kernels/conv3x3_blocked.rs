//! Register-blocked 3x3 convolutions for CPU adapters (lavapipe), written out as WGSL here:
//! the convolution counterpart of `matmul_blocked.rs`, and for the same reason. A CPU
//! rasteriser emulates workgroup memory and barriers and pays for every buffer load with a
//! loop over the SIMD lanes, so the tiled kernels of `shaders/conv3x3.wgsl` (implicit products
//! staged through workgroup memory) are limited by loads there. Here each invocation loads
//! its operands straight from the storage buffers and computes a 16 x 16 block of the product,
//! 256 multiply-adds for every 32 loads, with no workgroup memory and no barrier.
//!
//! The block size was chosen by measuring: U-Net (32/64 channels) training images/s at batch
//! 32 on lavapipe with two cores (`scorefield bench images --archs unet --batch 32`), blocks
//! rows x columns: 8 x 8: 32, 16 x 8: 36, 8 x 16: 35, 16 x 4: 27, 16 x 16: 43, 32 x 16: 43,
//! 16 x 32: 46; the tiled kernels: 6.1. Past 16 x 16 the gain is small and the shader twice as
//! long.
//!
//! Math (twins `conv_forward_cpu`, `conv_backward_cpu`): NCHW tensors, weights
//! `[cout, cin, 3, 3]`, stride 1, zero padding 1, taps `t = 3u + v`:
//!
//! ```text
//! forward:      y[b,o,r,s]  = sum_{i,u,v} w[o,i,u,v] x[b,i,r+u-1,s+v-1]
//! grad_input:   dx[b,i,r,s] (+)= sum_{o,u,v} w[o,i,u,v] dy[b,o,r-u+1,s-v+1]
//! grad_weight:  dw[o,i,u,v] = sum_{b,r,s} dy[b,o,r,s] x[b,i,r+u-1,s+v-1]
//! ```
//!
//! - `forward` / `grad_input`: an invocation owns 16 output channels (rows) and 16 consecutive
//!   pixels `(b, r, s)` of the flattened batch (columns). It splits each pixel into `(b, r, s)`
//!   once, before the loop; the loop runs over the reduced channel, and the nine taps are
//!   unrolled with their offsets `du * w + dv` and their border tests written out. A workgroup
//!   is 64 invocations along the pixels, so all of them read the same weights. Dispatch:
//!   `(ceil(batch h w / 1024), ceil(rows / 16), 1)`.
//! - `grad_weight`: an invocation owns 16 output channels and 16 columns `(i, t)` of the weight
//!   gradient, for one range of images (`images_per_split` images from `z * images_per_split`),
//!   and walks those images' pixels in order, so no index is divided inside the loop. Its
//!   partial sums go to `part[z, o, i, t]`; `reduce_parts` of `shaders/conv3x3.wgsl` adds them.
//!   Dispatch: `(ceil(ceil(9 cin / 16) splits / 64), ceil(cout / 16), 1)`.
//!
//! Loads outside the image read index 0 and are replaced by 0 (`select`), so no index leaves
//! its buffer. Bindings and parameters are those of `shaders/conv3x3.wgsl`; the last
//! parameter word is `images_per_split`.
//!
//! The code is generated rather than written with loops over local arrays because the shader
//! compilers this runs on keep such arrays in memory (see `matmul_blocked.rs`).

use std::fmt::Write;

/// Output channels per invocation.
pub const ROWS: usize = 16;
/// Output channels per invocation of the narrow variant, for products with one output row
/// (the U-Net's last layer, one output channel, and its weight gradient): with [`ROWS`] it
/// would compute fifteen copies of that row (measured: 32 -> 1 channels at 28 x 28, batch 32,
/// forward 17.9 ms with blocks of 16 rows).
pub const ROWS_NARROW: usize = 1;

/// Output channels per invocation for a product with `rows` output rows.
pub fn block_rows(rows: usize) -> usize {
    if rows <= ROWS_NARROW {
        ROWS_NARROW
    } else {
        ROWS
    }
}
/// Pixels (forward, grad_input) or weight columns (grad_weight) per invocation.
pub const COLS: usize = 16;
/// Invocations per workgroup (all along the columns).
pub const GROUP: usize = 64;

const HEADER: &str = "struct Params { batch: u32, cin: u32, cout: u32, h: u32, w: u32, \
accumulate: u32, splits: u32, images_per_split: u32, }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a_src: array<f32>;
@group(0) @binding(2) var<storage, read> b_src: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
";

/// Which of the two pixel-column products an entry point computes.
#[derive(Clone, Copy)]
enum Pixels {
    Forward,
    GradInput,
}

impl Pixels {
    fn name(self) -> &'static str {
        match self {
            Pixels::Forward => "forward",
            Pixels::GradInput => "grad_input",
        }
    }

    /// (channels of the output, channels reduced over) as WGSL expressions.
    fn channels(self) -> (&'static str, &'static str) {
        match self {
            Pixels::Forward => ("p.cout", "p.cin"),
            Pixels::GradInput => ("p.cin", "p.cout"),
        }
    }

    /// The pixel offset `(du, dv)` of tap `t`: `(u - 1, v - 1)` forward, mirrored for the
    /// input gradient.
    fn offset(self, t: usize) -> (i32, i32) {
        let (u, v) = ((t / 3) as i32, (t % 3) as i32);
        match self {
            Pixels::Forward => (u - 1, v - 1),
            Pixels::GradInput => (1 - u, 1 - v),
        }
    }

    /// Weight index of output row `q` and reduced channel `i` at tap `t`.
    fn weight(self, q: usize, t: usize) -> String {
        match self {
            Pixels::Forward => format!("a_src[(ro{q} * p.cin + i) * 9u + {t}u]"),
            Pixels::GradInput => format!("a_src[(i * p.cin + ro{q}) * 9u + {t}u]"),
        }
    }
}

/// The whole shader for blocks of `rows` output channels: entry points `forward`,
/// `grad_input` and `grad_weight`.
pub fn source(rows: usize) -> String {
    let mut s = String::from(HEADER);
    pixel_entry(&mut s, Pixels::Forward, rows);
    pixel_entry(&mut s, Pixels::GradInput, rows);
    weight_entry(&mut s, rows);
    s
}

fn declare_accumulators(s: &mut String, rows: usize) {
    for q in 0..rows {
        for j in 0..COLS {
            let _ = writeln!(s, "  var acc{q}_{j} = 0.0;");
        }
    }
}

fn multiply_adds(s: &mut String, rows: usize, indent: &str) {
    for q in 0..rows {
        for j in 0..COLS {
            let _ = writeln!(s, "{indent}acc{q}_{j} = fma(a{q}, x{j}, acc{q}_{j});");
        }
    }
}

/// Border test of an offset `d` from coordinate `c` (rows: `limit = p.h`, columns `p.w`), as
/// a WGSL boolean, or `None` when `d == 0` (always inside).
fn inside(c: &str, d: i32, limit: &str) -> Option<String> {
    match d {
        0 => None,
        d if d < 0 => Some(format!("{c} >= {}", -d)),
        d => Some(format!("{c} + {d} < i32({limit})")),
    }
}

fn pixel_entry(s: &mut String, mode: Pixels, rows: usize) {
    let (out_channels, reduced) = mode.channels();
    let _ = writeln!(
        s,
        "@compute @workgroup_size({GROUP})\n\
         fn {}(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {{\n\
         \x20 let hw = p.h * p.w;\n\
         \x20 let n = p.batch * hw;\n\
         \x20 let c0 = (wid.x * {GROUP}u + lid.x) * {COLS}u;\n\
         \x20 let r0 = wid.y * {rows}u;\n\
         \x20 let wi = i32(p.w);",
        mode.name()
    );
    for q in 0..rows {
        let _ = writeln!(s, "  let ro{q} = min(r0 + {q}u, {out_channels} - 1u);");
    }
    // Each column's pixel, split once: image b, row r, column c, and its first tap index.
    for j in 0..COLS {
        let _ = writeln!(
            s,
            "  let pj{j} = min(c0 + {j}u, n - 1u);\n\
             \x20 let b{j} = pj{j} / hw;\n\
             \x20 let rs{j} = pj{j} % hw;\n\
             \x20 let row{j} = i32(rs{j} / p.w);\n\
             \x20 let col{j} = i32(rs{j} % p.w);\n\
             \x20 let base{j} = i32(b{j} * {reduced} * hw + rs{j});"
        );
    }
    declare_accumulators(s, rows);
    let _ = writeln!(
        s,
        "  for (var i = 0u; i < {reduced}; i++) {{\n    let ch = i32(i * hw);"
    );
    for t in 0..9 {
        let (du, dv) = mode.offset(t);
        // One block per tap, so its names are its own.
        s.push_str("    {\n");
        for q in 0..rows {
            let _ = writeln!(s, "    let a{q} = {};", mode.weight(q, t));
        }
        for j in 0..COLS {
            let tests: Vec<String> = [
                inside(&format!("row{j}"), du, "p.h"),
                inside(&format!("col{j}"), dv, "p.w"),
            ]
            .into_iter()
            .flatten()
            .collect();
            let at = format!("base{j} + ch + ({du}) * wi + ({dv})");
            if tests.is_empty() {
                let _ = writeln!(s, "    let x{j} = b_src[u32({at})];");
            } else {
                let _ = writeln!(
                    s,
                    "    let in{j} = {};\n    let x{j} = select(0.0, b_src[select(0u, u32({at}), in{j})], in{j});",
                    tests.join(" && ")
                );
            }
        }
        multiply_adds(s, rows, "    ");
        s.push_str("    }\n");
    }
    s.push_str("  }\n");
    for q in 0..rows {
        for j in 0..COLS {
            let _ = writeln!(
                s,
                "  if (r0 + {q}u < {out_channels} && c0 + {j}u < n) {{ \
                 let at = (b{j} * {out_channels} + r0 + {q}u) * hw + rs{j}; var v = acc{q}_{j}; \
                 if (p.accumulate != 0u) {{ v += out[at]; }} out[at] = v; }}"
            );
        }
    }
    s.push_str("}\n");
}

fn weight_entry(s: &mut String, rows: usize) {
    let _ = writeln!(
        s,
        "@compute @workgroup_size({GROUP})\n\
         fn grad_weight(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {{\n\
         \x20 let hw = p.h * p.w;\n\
         \x20 let ncol = p.cin * 9u;\n\
         \x20 let blocks = (ncol + {COLS}u - 1u) / {COLS}u;\n\
         \x20 let g = wid.x * {GROUP}u + lid.x;\n\
         \x20 let z = g / blocks;\n\
         \x20 if (z >= p.splits) {{ return; }}\n\
         \x20 let c0 = (g % blocks) * {COLS}u;\n\
         \x20 let r0 = wid.y * {rows}u;\n\
         \x20 let wi = i32(p.w);\n\
         \x20 let hi = i32(p.h);"
    );
    for q in 0..rows {
        let _ = writeln!(s, "  let ro{q} = min(r0 + {q}u, p.cout - 1u) * hw;");
    }
    // Each column's channel and tap offset, split once.
    for j in 0..COLS {
        let _ = writeln!(
            s,
            "  let cc{j} = min(c0 + {j}u, ncol - 1u);\n\
             \x20 let du{j} = i32((cc{j} % 9u) / 3u) - 1;\n\
             \x20 let dv{j} = i32(cc{j} % 3u) - 1;\n\
             \x20 let off{j} = i32((cc{j} / 9u) * hw) + du{j} * wi + dv{j};"
        );
    }
    declare_accumulators(s, rows);
    s.push_str(
        "  let b_begin = z * p.images_per_split;\n\
         \x20 let b_end = min(p.batch, b_begin + p.images_per_split);\n\
         \x20 for (var b = b_begin; b < b_end; b++) {\n\
         \x20   let xb = i32(b * p.cin * hw);\n\
         \x20   let dyb = b * p.cout * hw;\n\
         \x20   for (var r = 0; r < hi; r++) {\n",
    );
    for j in 0..COLS {
        let _ = writeln!(s, "      let rin{j} = r + du{j} >= 0 && r + du{j} < hi;");
    }
    s.push_str("      for (var c = 0; c < wi; c++) {\n        let rs = r * wi + c;\n");
    for q in 0..rows {
        let _ = writeln!(s, "        let a{q} = a_src[dyb + ro{q} + u32(rs)];");
    }
    for j in 0..COLS {
        let _ = writeln!(
            s,
            "        let in{j} = rin{j} && c + dv{j} >= 0 && c + dv{j} < wi;\n\
             \x20       let x{j} = select(0.0, b_src[select(0u, u32(xb + rs + off{j}), in{j})], in{j});"
        );
    }
    multiply_adds(s, rows, "        ");
    s.push_str("      }\n    }\n  }\n");
    for q in 0..rows {
        for j in 0..COLS {
            let _ = writeln!(
                s,
                "  if (r0 + {q}u < p.cout && c0 + {j}u < ncol) {{ \
                 out[(z * p.cout + r0 + {q}u) * ncol + c0 + {j}u] = acc{q}_{j}; }}"
            );
        }
    }
    s.push_str("}\n");
}
