// Annealed Langevin dynamics on images (MATH §4.4) and Tweedie's denoiser (MATH §5)
// (twin: src/gpu/kernels/langevin.rs).
//   start:      x[i] = mean[i % pixels] + sigma z_i                     (N(data mean, sigma_max^2 I))
//   step:       x[i] <- x[i] + (alpha / 2) s[i] + sqrt(alpha) z_i
//   denoise:    x[i] <- x[i] + sigma^2 s[i]                             (E[x0 | x], VE)
//   fill_sigma: sigma_b[b] = sigma for every sample b < batch
// z_i is standard normal from Box-Muller on K(seed, step, 2i), K(seed, step, 2i + 1) with
// K(s, t, i) = H(s ^ H(t ^ H(i))), H the PCG output hash (as dsm.wgsl). One thread per element;
// dispatch (x, y) with i = x + y * 256 * num_workgroups.x.
//
// Bindings: @binding(0) uniform Params { n, pixels, seed, step, alpha, sigma, batch, pad }
//           (32 bytes); 1 x (read_write), 2 s (read), 3 mean (read), 4 sigma_b (read_write).

struct Params {
    n: u32,
    pixels: u32,
    seed: u32,
    step: u32,
    alpha: f32,
    sigma: f32,
    batch: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> s: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read_write> sigma_b: array<f32>;

fn pcg_hash(v: u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

fn key(sd: u32, t: u32, i: u32) -> u32 {
    return pcg_hash(sd ^ pcg_hash(t ^ pcg_hash(i)));
}

fn normal(i: u32) -> f32 {
    let u1 = (f32(key(p.seed, p.step, 2u * i) >> 8u) + 0.5) / 16777216.0;
    let u2 = (f32(key(p.seed, p.step, 2u * i + 1u) >> 8u) + 0.5) / 16777216.0;
    return sqrt(-2.0 * log(u1)) * cos(6.2831853071795864 * u2);
}

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * 256u;
}

@compute @workgroup_size(256)
fn start(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < p.n) {
        x[i] = mean[i % p.pixels] + p.sigma * normal(i);
    }
}

@compute @workgroup_size(256)
fn step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < p.n) {
        x[i] = x[i] + 0.5 * p.alpha * s[i] + sqrt(p.alpha) * normal(i);
    }
}

@compute @workgroup_size(256)
fn denoise(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < p.n) {
        x[i] = x[i] + p.sigma * p.sigma * s[i];
    }
}

@compute @workgroup_size(256)
fn fill_sigma(@builtin(global_invocation_id) gid: vec3<u32>) {
    if (gid.x < p.batch) {
        sigma_b[gid.x] = p.sigma;
    }
}
