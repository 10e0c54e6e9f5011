// Multi-level denoising score matching (MATH §3.5) on the GPU: drawing the batch and the loss
// with its gradient (twin: src/gpu/kernels/dsm.rs).
//
// draw: sample b takes image  j_b = K(seed, step, 3b) mod n_images,
//                      level  l_b = K(seed, step, 3b + 1) mod levels,
//                      label  y_b = labels[j_b], replaced by the null class 0xffffffff when the
//                             model is unconditional or U(K(seed, step, 3b + 2)) < p_uncond;
//       and writes x~[b, d] = x[j_b, d] + sigma_{l_b} z[b, d] with z[b, d] standard normal from
//       Box-Muller on K(seed ^ 0x9e3779b9, step, 2i) and K(seed ^ 0x9e3779b9, step, 2i + 1),
//       i = b * pixels + d. K(s, t, i) = H(s ^ H(t ^ H(i))) with the PCG output hash H (rng.wgsl);
//       U(h) = ((h >> 8) + 0.5) / 2^24. Pixels are bytes packed four to a u32, little-endian,
//       read as v / 255. One thread per (b, d).
// loss: with lambda = sigma^2, l_b = 1/2 || sigma_b s_b + z_b ||^2 and the batch loss is the mean;
//       the gradient of the weighted mean (1/batch) sum_b w_b l_b is
//       ds[b, d] = w_b sigma_b (sigma_b s[b, d] + z[b, d]) / batch, with w_b = 1 (sigma_data2 = 0)
//       or w_b = 1 + sigma_b^2 / sigma_data2 (the balanced weighting, MATH §3.5). l_b itself is
//       written unweighted, so losses read the same under either weighting.
//       One 256-thread workgroup per sample.
//
// Bindings: @binding(0) uniform Params { batch, pixels, n_images, levels, seed, step, conditional,
//           p_uncond (f32), sigma_data2 (f32), 3 pad } (48 bytes); 1 data (read, packed bytes), 2 labels (read, u32),
//           3 sigmas (read, levels), 4 xt (read_write), 5 z (read_write), 6 sigma_b (read_write),
//           7 label_b (read_write, u32), 8 s (read), 9 z_in (read), 10 sigma_in (read),
//           11 loss_b (read_write), 12 ds (read_write), 13 level_b (read_write, u32).

struct Params {
    batch: u32,
    pixels: u32,
    n_images: u32,
    levels: u32,
    seed: u32,
    step: u32,
    conditional: u32,
    p_uncond: f32,
    sigma_data2: f32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> data: array<u32>;
@group(0) @binding(2) var<storage, read> labels: array<u32>;
@group(0) @binding(3) var<storage, read> sigmas: array<f32>;
@group(0) @binding(4) var<storage, read_write> xt: array<f32>;
@group(0) @binding(5) var<storage, read_write> z: array<f32>;
@group(0) @binding(6) var<storage, read_write> sigma_b: array<f32>;
@group(0) @binding(7) var<storage, read_write> label_b: array<u32>;
@group(0) @binding(8) var<storage, read> s: array<f32>;
@group(0) @binding(9) var<storage, read> z_in: array<f32>;
@group(0) @binding(10) var<storage, read> sigma_in: array<f32>;
@group(0) @binding(11) var<storage, read_write> loss_b: array<f32>;
@group(0) @binding(12) var<storage, read_write> ds: array<f32>;
@group(0) @binding(13) var<storage, read_write> level_b: array<u32>;

var<workgroup> red: array<f32, 256>;

fn pcg_hash(v: u32) -> u32 {
    let state = v * 747796405u + 2891336453u;
    let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
    return (word >> 22u) ^ word;
}

fn key(s: u32, t: u32, i: u32) -> u32 {
    return pcg_hash(s ^ pcg_hash(t ^ pcg_hash(i)));
}

fn uniform01(h: u32) -> f32 {
    return (f32(h >> 8u) + 0.5) / 16777216.0;
}

@compute @workgroup_size(256)
fn draw(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 256u;
    if (i >= p.batch * p.pixels) {
        return;
    }
    let bt = i / p.pixels;
    let d = i % p.pixels;
    let img = key(p.seed, p.step, 3u * bt) % p.n_images;
    let lvl = key(p.seed, p.step, 3u * bt + 1u) % p.levels;
    let sigma = sigmas[lvl];
    let at = img * p.pixels + d;
    let byte = (data[at / 4u] >> (8u * (at % 4u))) & 255u;
    let s2 = p.seed ^ 0x9e3779b9u;
    let u1 = uniform01(key(s2, p.step, 2u * i));
    let u2 = uniform01(key(s2, p.step, 2u * i + 1u));
    let g = sqrt(-2.0 * log(u1)) * cos(6.2831853071795864 * u2);
    xt[i] = f32(byte) / 255.0 + sigma * g;
    z[i] = g;
    if (d == 0u) {
        sigma_b[bt] = sigma;
        level_b[bt] = lvl;
        var y = 0xffffffffu;
        if (p.conditional != 0u && uniform01(key(p.seed, p.step, 3u * bt + 2u)) >= p.p_uncond) {
            y = labels[img];
        }
        label_b[bt] = y;
    }
}

@compute @workgroup_size(256)
fn loss(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let t = lid.x;
    let bt = wid.x;
    let sigma = sigma_in[bt];
    var weight = 1.0;
    if (p.sigma_data2 > 0.0) {
        weight = 1.0 + sigma * sigma / p.sigma_data2;
    }
    var acc = 0.0;
    for (var d = t; d < p.pixels; d += 256u) {
        let i = bt * p.pixels + d;
        let r = sigma * s[i] + z_in[i];
        acc += r * r;
        ds[i] = weight * sigma * r / f32(p.batch);
    }
    red[t] = acc;
    workgroupBarrier();
    for (var k = 128u; k > 0u; k >>= 1u) {
        if (t < k) {
            red[t] += red[t + k];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        loss_b[bt] = 0.5 * red[0];
    }
}
