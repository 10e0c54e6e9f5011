// Adam (Kingma & Ba) over one flat parameter buffer (twin: src/gpu/kernels/adam.rs); the same
// update as src/nn/adam.rs:
//   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
//   theta <- theta - lr (m / bc1) / (sqrt(v / bc2) + eps),  bc1 = 1 - b1^t, bc2 = 1 - b2^t.
// One thread per parameter; dispatch (x, y) with i = x + y * 256 * num_workgroups.x.
//
// Bindings: @binding(0) uniform Params { n, lr, beta1, beta2, eps, bc1, bc2, pad } (32 bytes);
//           1 theta (read_write), 2 g (read), 3 m (read_write), 4 v (read_write).

struct Params {
    n: u32,
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    bc1: f32,
    bc2: f32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= p.n) {
        return;
    }
    let gi = g[i];
    let mi = p.beta1 * m[i] + (1.0 - p.beta1) * gi;
    let vi = p.beta2 * v[i] + (1.0 - p.beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    theta[i] = theta[i] - p.lr * (mi / p.bc1) / (sqrt(vi / p.bc2) + p.eps);
}
