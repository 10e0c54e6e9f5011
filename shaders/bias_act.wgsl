// Per-channel bias and the SiLU activation, forward and backward (twin: src/gpu/kernels/bias_act.rs).
//
// Tensors are [outer, channels, inner] (a linear layer: [batch, features, 1]; a convolution:
// [batch, channels, height * width]); element i has channel c(i) = (i / inner) % channels.
//   add_bias:      z[i] += bias[c(i)]                              (in place)
//   bias_silu:     z[i] += bias[c(i)];  y[i] = silu(z[i])          (z keeps the pre-activation)
//   silu:          y[i] = silu(z[i])
//   silu_backward: dz[i] = dy[i] silu'(z[i]),
//                  silu(z) = z sigma(z), silu'(z) = sigma(z) (1 + z (1 - sigma(z)))
//   channel_sum:   out[c] = sum over outer and inner of g[., c, .]  (bias gradients; one
//                  256-thread workgroup per channel, tree reduction in workgroup memory)
//   channel_sum_lanes: the same sum, one thread per channel looping over outer and inner (for
//                  CPU adapters, which emulate workgroup memory and barriers)
// One thread per element for the element-wise entries; dispatch (x, y) with
// i = x + y * 256 * num_workgroups.x.
//
// Bindings: @binding(0) uniform Params { outer, channels, inner, pad } (16 bytes);
//           1 bias (read), 2 z (read_write), 3 y (read_write), 4 z_in (read),
//           5 dy (read), 6 dz (read_write), 7 g (read), 8 out (read_write).

struct Params {
    outer: u32,
    channels: u32,
    inner: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> z: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> z_in: array<f32>;
@group(0) @binding(5) var<storage, read> dy: array<f32>;
@group(0) @binding(6) var<storage, read_write> dz: array<f32>;
@group(0) @binding(7) var<storage, read> g: array<f32>;
@group(0) @binding(8) var<storage, read_write> out: array<f32>;

var<workgroup> red: array<f32, 256>;

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * 256u;
}

fn count() -> u32 {
    return p.outer * p.channels * p.inner;
}

fn channel(i: u32) -> u32 {
    return (i / p.inner) % p.channels;
}

fn sigmoid(v: f32) -> f32 {
    return 1.0 / (1.0 + exp(-v));
}

@compute @workgroup_size(256)
fn add_bias(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < count()) {
        z[i] += bias[channel(i)];
    }
}

@compute @workgroup_size(256)
fn bias_silu(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < count()) {
        let v = z[i] + bias[channel(i)];
        z[i] = v;
        y[i] = v * sigmoid(v);
    }
}

@compute @workgroup_size(256)
fn silu(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < count()) {
        let v = z_in[i];
        y[i] = v * sigmoid(v);
    }
}

@compute @workgroup_size(256)
fn silu_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < count()) {
        let v = z_in[i];
        let s = sigmoid(v);
        dz[i] = dy[i] * s * (1.0 + v * (1.0 - s));
    }
}

@compute @workgroup_size(256)
fn channel_sum(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let c = wid.x;
    let t = lid.x;
    let per = p.outer * p.inner;
    var acc = 0.0;
    for (var e = t; e < per; e += 256u) {
        let o = e / p.inner;
        let r = e % p.inner;
        acc += g[(o * p.channels + c) * p.inner + r];
    }
    red[t] = acc;
    workgroupBarrier();
    for (var s = 128u; s > 0u; s >>= 1u) {
        if (t < s) {
            red[t] += red[t + s];
        }
        workgroupBarrier();
    }
    if (t == 0u) {
        out[c] = red[0];
    }
}

@compute @workgroup_size(256)
fn channel_sum_lanes(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let c = flat(gid, nwg);
    if (c >= p.channels) {
        return;
    }
    var acc = 0.0;
    for (var o = 0u; o < p.outer; o++) {
        let base = (o * p.channels + c) * p.inner;
        for (var r = 0u; r < p.inner; r++) {
            acc += g[base + r];
        }
    }
    out[c] = acc;
}
