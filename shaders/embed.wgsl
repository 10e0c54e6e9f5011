// The network's conditioning features (twin: src/gpu/kernels/embed.rs), MATH §3.7:
// sinusoidal features of log sigma, then a one-hot class (all zeros for the null class).
//
// Math: e[b, k] = sin(w_k log sigma_b) for k < F, cos(w_{k-F} log sigma_b) for F <= k < 2F,
// [label_b == k - 2F] for 2F <= k < 2F + classes; w_k = 0.3 (k + 1), so the slowest feature has
// period 21 in log sigma (wider than log(50 / 0.01) = 8.5) and the fastest resolves neighbouring
// levels. label_b = 0xffffffff is the null class. One thread per element.
//
// Bindings: @binding(0) uniform Params { batch, freqs F, classes, pad } (16 bytes);
//           1 sigma (read, one per sample), 2 label (read, u32 per sample), 3 e (read_write).

struct Params {
    batch: u32,
    freqs: u32,
    classes: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> sigma: array<f32>;
@group(0) @binding(2) var<storage, read> label: array<u32>;
@group(0) @binding(3) var<storage, read_write> e: array<f32>;

@compute @workgroup_size(256)
fn features(@builtin(global_invocation_id) gid: vec3<u32>) {
    let dim = 2u * p.freqs + p.classes;
    let i = gid.x;
    if (i >= p.batch * dim) {
        return;
    }
    let bt = i / dim;
    let k = i % dim;
    let ls = log(sigma[bt]);
    var v = 0.0;
    if (k < p.freqs) {
        v = sin(0.3 * f32(k + 1u) * ls);
    } else if (k < 2u * p.freqs) {
        v = cos(0.3 * f32(k - p.freqs + 1u) * ls);
    } else if (label[bt] == k - 2u * p.freqs) {
        v = 1.0;
    }
    e[i] = v;
}
