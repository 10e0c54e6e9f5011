// Element-wise tensor operations (twin: src/gpu/kernels/elementwise.rs).
//   add:      dst[i] (+)= a[i] + b[i]                  (a skip connection's forward)
//   copy:     dst[i] (+)= a[i]                         (its backward, once per input)
//   div_rows: dst[i] (+)= a[i] / sigma[i / row_len]    (the output parametrisation s = f / sigma,
//                                                       forward and backward alike)
//   precondition: dst[i] (+)= a[i] / sqrt(sigma[i / row_len]^2 + scale)  (input scaling: the noisy
//                                                       image at unit variance, scale = sigma_data^2;
//                                                       linear in a, so its own backward)
//   skip_forward:  dst[i] = c1 a[i] + c2_j (b[i] - mu_j), c1 = sd / sqrt(sigma^2 + sd^2),
//                  c2_j = -sigma / (sigma^2 + v_j), with sigma = sigma[i / row_len], sd^2 = scale,
//                  pixel j = i % row_len, mu_j = prior[j], v_j = prior[row_len + j]:
//                  sigma s = (D - x~) / sigma for the denoiser D = mu + c_skip (x~ - mu) + c_out F
//                  (c_skip_j = v_j / (v_j + sigma^2), c_out = sigma sd / sqrt(sigma^2 + sd^2),
//                  src/gpu/pixel_prior.rs), a = F, b = x~
//   skip_backward: dst[i] (+)= c1 a[i]  (the gradient to F)
//   lerp:     dst[i] (+)= a[i] + scale (b[i] - a[i])   (classifier-free guidance, MATH §4.10:
//                                                       s = s(x) + gamma (s(x|y) - s(x)))
// (+)= adds to dst when accumulate = 1. One thread per element; dispatch (x, y) with
// i = x + y * 256 * num_workgroups.x.
//
// Bindings: @binding(0) uniform Params { n, row_len, accumulate, scale (f32) } (16 bytes);
//           1 a (read), 2 b (read), 3 sigma (read), 4 dst (read_write), 5 prior (read, skip_forward).

struct Params {
    n: u32,
    row_len: u32,
    accumulate: u32,
    scale: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> sigma: array<f32>;
@group(0) @binding(4) var<storage, read_write> dst: array<f32>;
@group(0) @binding(5) var<storage, read> prior: array<f32>;

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

@compute @workgroup_size(256)
fn lerp(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < p.n) {
        store(i, a[i] + p.scale * (b[i] - a[i]));
    }
}

@compute @workgroup_size(256)
fn precondition(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < p.n) {
        let s = sigma[i / p.row_len];
        store(i, a[i] / sqrt(s * s + p.scale));
    }
}

fn skip_c1(i: u32) -> f32 {
    let s = sigma[i / p.row_len];
    return sqrt(p.scale / (s * s + p.scale));
}

@compute @workgroup_size(256)
fn skip_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < p.n) {
        let s = sigma[i / p.row_len];
        let j = i % p.row_len;
        let c2 = -s / (s * s + prior[p.row_len + j]);
        store(i, skip_c1(i) * a[i] + c2 * (b[i] - prior[j]));
    }
}

@compute @workgroup_size(256)
fn skip_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < p.n) {
        store(i, skip_c1(i) * a[i]);
    }
}
