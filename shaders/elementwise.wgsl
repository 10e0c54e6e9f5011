// Element-wise tensor operations (twin: src/gpu/kernels/elementwise.rs).
//   add:      dst[i] (+)= a[i] + b[i]                  (a skip connection's forward)
//   copy:     dst[i] (+)= a[i]                         (its backward, once per input)
//   div_rows: dst[i] (+)= a[i] / sigma[i / row_len]    (the output parametrisation s = f / sigma,
//                                                       forward and backward alike)
// (+)= adds to dst when accumulate = 1. One thread per element; dispatch (x, y) with
// i = x + y * 256 * num_workgroups.x.
//
// Bindings: @binding(0) uniform Params { n, row_len, accumulate, pad } (16 bytes);
//           1 a (read), 2 b (read), 3 sigma (read), 4 dst (read_write).

struct Params {
    n: u32,
    row_len: u32,
    accumulate: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> sigma: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * 256u;
}

fn store(i: u32, v: f32) {
    if (p.accumulate != 0u) {
        dst[i] = dst[i] + v;
    } else {
        dst[i] = v;
    }
}

@compute @workgroup_size(256)
fn add(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < p.n) {
        store(i, a[i] + b[i]);
    }
}

@compute @workgroup_size(256)
fn copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < p.n) {
        store(i, a[i]);
    }
}

@compute @workgroup_size(256)
fn div_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < p.n) {
        store(i, a[i] / sigma[i / p.row_len]);
    }
}
