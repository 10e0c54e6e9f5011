//! Register-blocked matrix products for CPU adapters (lavapipe), written out as WGSL here.
//!
//! Why a second family of products: the workgroup-tiled kernel of `shaders/matmul.wgsl` is
//! the right shape for a hardware GPU, but a CPU rasteriser runs a workgroup's invocations as
//! SIMD lanes and emulates workgroup memory and barriers, and every buffer load costs it a
//! loop over the lanes (measured here: about 70 cycles per load of eight lanes). A product is
//! then limited by loads, not multiply-adds. These kernels load each operand straight from the
//! storage buffer into registers and spend every load on as many multiply-adds as possible:
//! each invocation computes an 8 x 8 block of `C`, and where the shapes allow it the loads are
//! `vec4`s (four values for the price of one load). Measured on lavapipe with two cores
//! (`bench images`, product 128 x 1024 x 1024): the tiled kernel 2.1 GFLOP/s, this one with
//! `vec4` loads 15.
//!
//! The code is generated rather than written with loops over local arrays because the shader
//! compilers this has to run on do not unroll such loops: the array then lives in memory and
//! the kernel ran six times slower. The generated text is small and regular; [`source`] is the
//! whole shader.
//!
//! Math (same as the tiled kernel, twin `matmul_cpu`): `C (m x n) (+)= op(A) op(B)` over `k`,
//! row-major, forms `nt`, `nn`, `tn`. Bindings and parameters are those of `shaders/matmul.wgsl`.
//! Dispatch: `(ceil(n / 64), ceil(m / 64), 1)` workgroups of 8 x 8 invocations.

use super::matmul::Form;
use std::fmt::Write;

/// Rows and columns of `C` per invocation.
pub const BLOCK: usize = 8;
/// Invocations per workgroup side.
pub const GROUP: usize = 8;
/// Rows and columns of `C` per workgroup.
pub const TILE: usize = BLOCK * GROUP;

/// Whether the `vec4` kernel applies: the dimensions it reads four at a time are multiples of
/// four (storage offsets are already 256-byte aligned).
pub fn vec4_fits(form: Form, m: usize, n: usize, k: usize) -> bool {
    match form {
        Form::Nt => k.is_multiple_of(4),
        Form::Nn => k.is_multiple_of(4) && n.is_multiple_of(4),
        Form::Tn => m.is_multiple_of(4) && n.is_multiple_of(4),
    }
}

const HEADER: &str = "struct Params { m: u32, n: u32, k: u32, accumulate: u32, }
@group(0) @binding(0) var<uniform> p: Params;
";

/// The shader: entry points `nt`, `nn`, `tn` reading `f32` operands (any shape), and
/// `nt4`, `nn4`, `tn4` reading them as `vec4` (shapes where [`vec4_fits`]). Two modules, since
/// one binding cannot have two element types: `vec4 == false` gives the first, `true` the
/// second.
pub fn source(vec4: bool) -> String {
    let element = if vec4 { "vec4<f32>" } else { "f32" };
    let mut s = String::from(HEADER);
    let _ = writeln!(
        s,
        "@group(0) @binding(1) var<storage, read> a: array<{element}>;\n\
         @group(0) @binding(2) var<storage, read> b: array<{element}>;\n\
         @group(0) @binding(3) var<storage, read_write> c: array<f32>;"
    );
    for form in [Form::Nt, Form::Nn, Form::Tn] {
        if vec4 {
            entry_vec4(&mut s, form);
        } else {
            entry_scalar(&mut s, form);
        }
    }
    s
}

/// The entry point's name in the module `source(vec4)`.
pub fn entry_name(form: Form, vec4: bool) -> &'static str {
    match (form, vec4) {
        (Form::Nt, false) => "nt",
        (Form::Nn, false) => "nn",
        (Form::Tn, false) => "tn",
        (Form::Nt, true) => "nt4",
        (Form::Nn, true) => "nn4",
        (Form::Tn, true) => "tn4",
    }
}

/// Opens the entry point: `r0`, `c0` (this invocation's first row and column of `C`) and the
/// clamped row and column indices `ri{i}`, `cj{j}` (loads stay in range; results outside the
/// matrix are not stored).
fn open(s: &mut String, name: &str) {
    let _ = writeln!(
        s,
        "@compute @workgroup_size({GROUP}, {GROUP})\n\
         fn {name}(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {{\n\
         \x20 let r0 = (wid.y * {GROUP}u + lid.y) * {BLOCK}u;\n\
         \x20 let c0 = (wid.x * {GROUP}u + lid.x) * {BLOCK}u;"
    );
    for i in 0..BLOCK {
        let _ = writeln!(s, "  let ri{i} = min(r0 + {i}u, p.m - 1u);");
        let _ = writeln!(s, "  let cj{i} = min(c0 + {i}u, p.n - 1u);");
    }
}

/// Stores the accumulators: `value(i, j)` is the expression of `C[r0 + i, c0 + j]`.
fn close(s: &mut String, value: impl Fn(usize, usize) -> String) {
    for i in 0..BLOCK {
        for j in 0..BLOCK {
            let v = value(i, j);
            let _ = writeln!(
                s,
                "  if (r0 + {i}u < p.m && c0 + {j}u < p.n) {{ let at = (r0 + {i}u) * p.n + c0 + {j}u; \
                 var v = {v}; if (p.accumulate != 0u) {{ v += c[at]; }} c[at] = v; }}"
            );
        }
    }
    s.push_str("}\n");
}

/// One `k` step per iteration: `BLOCK` values of `op(A)`'s column, `BLOCK` of `op(B)`'s row,
/// `BLOCK^2` multiply-adds into scalar accumulators `s{i}_{j}`.
fn entry_scalar(s: &mut String, form: Form) {
    open(s, entry_name(form, false));
    for i in 0..BLOCK {
        for j in 0..BLOCK {
            let _ = writeln!(s, "  var s{i}_{j} = 0.0;");
        }
    }
    s.push_str("  for (var l = 0u; l < p.k; l++) {\n");
    for i in 0..BLOCK {
        let a = match form {
            Form::Tn => format!("a[l * p.m + ri{i}]"),
            _ => format!("a[ri{i} * p.k + l]"),
        };
        let b = match form {
            Form::Nt => format!("b[cj{i} * p.k + l]"),
            _ => format!("b[l * p.n + cj{i}]"),
        };
        let _ = writeln!(s, "    let a{i} = {a};\n    let b{i} = {b};");
    }
    for i in 0..BLOCK {
        for j in 0..BLOCK {
            let _ = writeln!(s, "    s{i}_{j} = fma(a{i}, b{j}, s{i}_{j});");
        }
    }
    s.push_str("  }\n");
    close(s, |i, j| format!("s{i}_{j}"));
}

fn entry_vec4(s: &mut String, form: Form) {
    open(s, entry_name(form, true));
    match form {
        Form::Nt => body_nt4(s),
        Form::Nn => body_nn4(s),
        Form::Tn => body_tn4(s),
    }
}

/// `nt` with `k.is_multiple_of(4)`: rows of A and of B are read four `k` at a time; accumulator
/// `v{i}_{j}` holds four partial sums of `C[i, j]`, added at the end.
fn body_nt4(s: &mut String) {
    for i in 0..BLOCK {
        for j in 0..BLOCK {
            let _ = writeln!(s, "  var v{i}_{j} = vec4<f32>();");
        }
    }
    s.push_str("  let k4 = p.k / 4u;\n  for (var l = 0u; l < k4; l++) {\n");
    for i in 0..BLOCK {
        let _ = writeln!(
            s,
            "    let a{i} = a[ri{i} * k4 + l];\n    let b{i} = b[cj{i} * k4 + l];"
        );
    }
    for i in 0..BLOCK {
        for j in 0..BLOCK {
            let _ = writeln!(s, "    v{i}_{j} = fma(a{i}, b{j}, v{i}_{j});");
        }
    }
    s.push_str("  }\n");
    close(s, |i, j| format!("dot(v{i}_{j}, vec4<f32>(1.0))"));
}

/// Accumulators `v{i}_{q}`: row `i` of the block, columns `4q .. 4q + 4` (a `vec4`), for the
/// two forms whose B rows are read along `n`.
fn declare_row_quads(s: &mut String) {
    for i in 0..BLOCK {
        for q in 0..BLOCK / 4 {
            let _ = writeln!(s, "  var v{i}_{q} = vec4<f32>();");
        }
    }
    // Columns are c0 .. c0 + 8 with c0 a multiple of 8 and n a multiple of 4: a quad is
    // either wholly inside the matrix or wholly outside; clamp its index.
    let _ = writeln!(s, "  let n4 = p.n / 4u;");
    for q in 0..BLOCK / 4 {
        let _ = writeln!(s, "  let cq{q} = min(c0 / 4u + {q}u, n4 - 1u);");
    }
}

fn row_quad_value(i: usize, j: usize) -> String {
    format!("v{i}_{}[{}]", j / 4, j % 4)
}

/// `nn` with `k.is_multiple_of(4)` and `n.is_multiple_of(4)`: per four `k`, one `vec4` of each A row and, for
/// each of the four, two `vec4`s of B's row.
fn body_nn4(s: &mut String) {
    declare_row_quads(s);
    s.push_str("  let k4 = p.k / 4u;\n  for (var l = 0u; l < k4; l++) {\n");
    for i in 0..BLOCK {
        let _ = writeln!(s, "    let a{i} = a[ri{i} * k4 + l];");
    }
    for t in 0..4 {
        for q in 0..BLOCK / 4 {
            let _ = writeln!(s, "    let b{t}_{q} = b[(l * 4u + {t}u) * n4 + cq{q}];");
        }
        for i in 0..BLOCK {
            for q in 0..BLOCK / 4 {
                let _ = writeln!(
                    s,
                    "    v{i}_{q} = fma(vec4<f32>(a{i}[{t}]), b{t}_{q}, v{i}_{q});"
                );
            }
        }
    }
    s.push_str("  }\n");
    close(s, row_quad_value);
}

/// `tn` with `m.is_multiple_of(4)` and `n.is_multiple_of(4)`: per `k`, two `vec4`s of A's row (eight rows of
/// `C`) and two of B's row (eight columns): an outer product.
fn body_tn4(s: &mut String) {
    declare_row_quads(s);
    let _ = writeln!(s, "  let m4 = p.m / 4u;");
    for h in 0..BLOCK / 4 {
        let _ = writeln!(s, "  let rq{h} = min(r0 / 4u + {h}u, m4 - 1u);");
    }
    s.push_str("  for (var l = 0u; l < p.k; l++) {\n");
    for h in 0..BLOCK / 4 {
        let _ = writeln!(s, "    let a{h} = a[l * m4 + rq{h}];");
    }
    for q in 0..BLOCK / 4 {
        let _ = writeln!(s, "    let b{q} = b[l * n4 + cq{q}];");
    }
    for i in 0..BLOCK {
        for q in 0..BLOCK / 4 {
            let _ = writeln!(
                s,
                "    v{i}_{q} = fma(vec4<f32>(a{}[{}]), b{q}, v{i}_{q});",
                i / 4,
                i % 4
            );
        }
    }
    s.push_str("  }\n");
    close(s, row_quad_value);
}
