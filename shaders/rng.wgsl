// Counter-based Gaussian noise (twin: src/gpu/rng.rs).
//
// Math: for each index i, two 32-bit hashes h1 = H(seed ^ H(2i)), h2 = H(seed ^ H(2i + 1)) with
// the PCG output hash H; uniforms u = ((h >> 8) + 0.5) / 2^24 in (0, 1); Box-Muller:
// out[2i] = sqrt(-2 ln u1) cos(2 pi u2), out[2i + 1] = sqrt(-2 ln u1) sin(2 pi u2).
// Every value depends on (seed, i) alone: no state, any order, any number of threads.
//
// Bindings: @group(0) @binding(0) uniform Params { seed, n, pad, pad } (16 bytes);
//           @group(0) @binding(1) storage array<f32> out, 2n values.

struct Params {
    seed: u32,
    n: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

fn pcg_hash(v: u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

fn uniform01(h: u32) -> f32 {
    return (f32(h >> 8u) + 0.5) / 16777216.0;
}

@compute @workgroup_size(64)
fn gaussian(@builtin(global_invocation_id) id: vec3<u32>) {
    let i = id.x;
    if (i >= params.n) {
        return;
    }
    let u1 = uniform01(pcg_hash(params.seed ^ pcg_hash(2u * i)));
    let u2 = uniform01(pcg_hash(params.seed ^ pcg_hash(2u * i + 1u)));
    let r = sqrt(-2.0 * log(u1));
    let a = 6.2831853071795864 * u2;
    out[2u * i] = r * cos(a);
    out[2u * i + 1u] = r * sin(a);
}
