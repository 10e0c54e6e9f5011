// Adam (Kingma & Ba) over one flat parameter buffer (twin: src/gpu/kernels/adam.rs); the same
// update as src/nn/adam.rs:
//   m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,
//   theta <- theta - lr (m / bc1) / (sqrt(v / bc2) + eps),  bc1 = 1 - b1^t, bc2 = 1 - b2^t,
// then the exponential moving average of the weights that the samplers use:
//   ema <- d ema + (1 - d) theta   (d = ema_decay, chosen per step by the caller).
// One thread per four parameters, read as vec4 (n is a multiple of 4: the parameter store pads
// every tensor to 64 values; a CPU adapter pays per load, not per value, so this is 4x fewer);
// dispatch (x, y) for n / 4 threads with i = x + y * 256 * num_workgroups.x.
//
// Bindings: @binding(0) uniform Params { n, lr, beta1, beta2, eps, bc1, bc2, ema_decay }
//           (32 bytes); 1 theta (read_write), 2 g (read), 3 m (read_write), 4 v (read_write),
//           5 ema (read_write).

struct Params {
    n: u32,
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    bc1: f32,
    bc2: f32,
    ema_decay: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> theta: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> g: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> m: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> v: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> ema: array<vec4<f32>>;

@compute @workgroup_size(256)
fn step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= p.n / 4u) {
        return;
    }
    let gi = g[i];
    let mi = p.beta1 * m[i] + (1.0 - p.beta1) * gi;
    let vi = p.beta2 * v[i] + (1.0 - p.beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    let ti = theta[i] - p.lr * (mi / p.bc1) / (sqrt(vi / p.bc2) + vec4<f32>(p.eps));
    theta[i] = ti;
    ema[i] = p.ema_decay * ema[i] + (1.0 - p.ema_decay) * ti;
}
