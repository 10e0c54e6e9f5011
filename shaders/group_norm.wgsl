// Group normalisation with a per-sample shift, forward and backward
// (twin: src/gpu/kernels/group_norm.rs). Tensors are [batch, channels, hw]; G groups of
// channels / G consecutive channels; n = (channels / G) * hw values per (sample, group).
//
// Math: mu and var over the group (biased variance), rstd = 1 / sqrt(var + eps),
//   xhat = (x - mu) rstd,  y[b,c,.] = gamma[c] xhat + beta[c] + shift[b,c]
// (shift carries the noise-level embedding into the block). Backward, with g = dy gamma[c]:
//   dx = rstd (g - mean(g) - xhat mean(g xhat))            (+= with accumulate)
//   dgamma_part[b,c] = sum_hw dy xhat,  dbeta_part[b,c] = sum_hw dy  (= dshift[b,c]);
// dgamma and dbeta are then the sums of the parts over b (bias_act.wgsl channel_sum).
// One 256-thread workgroup per (sample, group), workgroup_id.x = b * G + group.
//
// Bindings: @binding(0) uniform Params { batch, channels, hw, groups, eps, accumulate, pad, pad }
//           (32 bytes); 1 x (read), 2 gamma (read), 3 beta (read), 4 shift (read),
//           5 y (read_write), 6 stats (read_write: mu, rstd per (b, group)), 7 stats_in (read),
//           8 dy (read), 9 dx (read_write), 10 dgamma_part (read_write), 11 dbeta_part (read_write).

struct Params {
    batch: u32,
    channels: u32,
    hw: u32,
    groups: u32,
    eps: f32,
    accumulate: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read> shift: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;
@group(0) @binding(6) var<storage, read_write> stats: array<f32>;
@group(0) @binding(7) var<storage, read> stats_in: array<f32>;
@group(0) @binding(8) var<storage, read> dy: array<f32>;
@group(0) @binding(9) var<storage, read_write> dx: array<f32>;
@group(0) @binding(10) var<storage, read_write> dgamma_part: array<f32>;
@group(0) @binding(11) var<storage, read_write> dbeta_part: array<f32>;

var<workgroup> red: array<f32, 256>;

// The sum of v over the workgroup, returned to every thread.
fn block_sum(t: u32, v: f32) -> f32 {
    red[t] = v;
    workgroupBarrier();
    for (var s = 128u; s > 0u; s >>= 1u) {
        if (t < s) {
            red[t] += red[t + s];
        }
        workgroupBarrier();
    }
    let total = red[0];
    workgroupBarrier();
    return total;
}

@compute @workgroup_size(256)
fn forward(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let t = lid.x;
    let bt = wid.x / p.groups;
    let grp = wid.x % p.groups;
    let cpg = p.channels / p.groups;
    let n = cpg * p.hw;
    let base = (bt * p.channels + grp * cpg) * p.hw;
    var s1 = 0.0;
    for (var e = t; e < n; e += 256u) {
        s1 += x[base + e];
    }
    let mu = block_sum(t, s1) / f32(n);
    var s2 = 0.0;
    for (var e = t; e < n; e += 256u) {
        let d = x[base + e] - mu;
        s2 += d * d;
    }
    let rstd = 1.0 / sqrt(block_sum(t, s2) / f32(n) + p.eps);
    for (var e = t; e < n; e += 256u) {
        let c = grp * cpg + e / p.hw;
        y[base + e] = gamma[c] * (x[base + e] - mu) * rstd + beta[c] + shift[bt * p.channels + c];
    }
    if (t == 0u) {
        stats[2u * wid.x] = mu;
        stats[2u * wid.x + 1u] = rstd;
    }
}

@compute @workgroup_size(256)
fn backward(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let t = lid.x;
    let bt = wid.x / p.groups;
    let grp = wid.x % p.groups;
    let cpg = p.channels / p.groups;
    let n = cpg * p.hw;
    let base = (bt * p.channels + grp * cpg) * p.hw;
    let mu = stats_in[2u * wid.x];
    let rstd = stats_in[2u * wid.x + 1u];
    var sg = 0.0;
    var sgx = 0.0;
    for (var e = t; e < n; e += 256u) {
        let c = grp * cpg + e / p.hw;
        let g = dy[base + e] * gamma[c];
        sg += g;
        sgx += g * (x[base + e] - mu) * rstd;
    }
    let mean_g = block_sum(t, sg) / f32(n);
    let mean_gx = block_sum(t, sgx) / f32(n);
    for (var e = t; e < n; e += 256u) {
        let c = grp * cpg + e / p.hw;
        let xhat = (x[base + e] - mu) * rstd;
        var v = rstd * (dy[base + e] * gamma[c] - mean_g - xhat * mean_gx);
        if (p.accumulate != 0u) {
            v += dx[base + e];
        }
        dx[base + e] = v;
    }
    for (var cc = 0u; cc < cpg; cc++) {
        let cb = base + cc * p.hw;
        var a = 0.0;
        var d = 0.0;
        for (var e = t; e < p.hw; e += 256u) {
            a += dy[cb + e] * (x[cb + e] - mu) * rstd;
            d += dy[cb + e];
        }
        let sa = block_sum(t, a);
        let sd = block_sum(t, d);
        if (t == 0u) {
            dgamma_part[bt * p.channels + grp * cpg + cc] = sa;
            dbeta_part[bt * p.channels + grp * cpg + cc] = sd;
        }
    }
}

// ---- The register ("lanes") family, for CPU adapters: no workgroup memory, no barrier. ----
// A CPU adapter emulates barriers, and the tree sums above cost up to 18 of them per
// workgroup in the backward pass. Here one invocation sums one (sample, group) in registers,
// and a second, element-wise pass applies the result, one invocation per value with its
// (sample, channel) plane from the workgroup id (no division per value).
// stats holds 4 values per (sample, group) i in this family: mu at 2i, rstd at 2i + 1 (as
// above), and the backward pass's mean(g) at 2 B G + 2i, mean(g xhat) at 2 B G + 2i + 1.
// Dispatch: the sums (ceil(B G / 16), 1, 1); the element passes (ceil(hw / 64), channels, B).

// mu and rstd of (sample, group) i = gid.x. Bindings 1 x, 6 stats.
@compute @workgroup_size(16)
fn stats_lanes(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= p.batch * p.groups) {
        return;
    }
    let n = (p.channels / p.groups) * p.hw;
    let base = i * n;
    var s1 = 0.0;
    for (var e = 0u; e < n; e++) {
        s1 += x[base + e];
    }
    let mu = s1 / f32(n);
    var s2 = 0.0;
    for (var e = 0u; e < n; e++) {
        let d = x[base + e] - mu;
        s2 += d * d;
    }
    stats[2u * i] = mu;
    stats[2u * i + 1u] = 1.0 / sqrt(s2 / f32(n) + p.eps);
}

// y = gamma xhat + beta + shift, pixel gid.x of plane (b, c) = (wid.z, wid.y).
// Bindings 1 x, 2 gamma, 3 beta, 4 shift, 5 y, 7 stats_in.
@compute @workgroup_size(64)
fn apply_lanes(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    if (gid.x >= p.hw) {
        return;
    }
    let b = wid.z;
    let c = wid.y;
    let i = b * p.groups + c / (p.channels / p.groups);
    let at = (b * p.channels + c) * p.hw + gid.x;
    let xhat = (x[at] - stats_in[2u * i]) * stats_in[2u * i + 1u];
    y[at] = gamma[c] * xhat + beta[c] + shift[b * p.channels + c];
}

// Per-channel sums of (sample, group) i = gid.x: dgamma_part = sum_hw dy xhat,
// dbeta_part = sum_hw dy, and from them mean(g) = sum_c gamma[c] dbeta_part[c] / n and
// mean(g xhat) = sum_c gamma[c] dgamma_part[c] / n into stats.
// Bindings 1 x, 2 gamma, 6 stats (reads mu, rstd), 8 dy, 10 dgamma_part, 11 dbeta_part.
@compute @workgroup_size(16)
fn backward_sums_lanes(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let groups = p.batch * p.groups;
    if (i >= groups) {
        return;
    }
    let cpg = p.channels / p.groups;
    let n = cpg * p.hw;
    let mu = stats[2u * i];
    let rstd = stats[2u * i + 1u];
    let c0 = (i % p.groups) * cpg;
    let b = i / p.groups;
    var sg = 0.0;
    var sgx = 0.0;
    for (var cc = 0u; cc < cpg; cc++) {
        let plane = b * p.channels + c0 + cc;
        let cb = plane * p.hw;
        var a = 0.0;
        var d = 0.0;
        for (var e = 0u; e < p.hw; e++) {
            let g = dy[cb + e];
            a += g * (x[cb + e] - mu) * rstd;
            d += g;
        }
        dgamma_part[plane] = a;
        dbeta_part[plane] = d;
        sg += gamma[c0 + cc] * d;
        sgx += gamma[c0 + cc] * a;
    }
    stats[2u * groups + 2u * i] = sg / f32(n);
    stats[2u * groups + 2u * i + 1u] = sgx / f32(n);
}

// dx (+)= rstd (dy gamma - mean(g) - xhat mean(g xhat)), pixel gid.x of plane (wid.z, wid.y).
// Bindings 1 x, 2 gamma, 7 stats_in, 8 dy, 9 dx.
@compute @workgroup_size(64)
fn backward_apply_lanes(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    if (gid.x >= p.hw) {
        return;
    }
    let b = wid.z;
    let c = wid.y;
    let i = b * p.groups + c / (p.channels / p.groups);
    let m = 2u * p.batch * p.groups + 2u * i;
    let at = (b * p.channels + c) * p.hw + gid.x;
    let rstd = stats_in[2u * i + 1u];
    let xhat = (x[at] - stats_in[2u * i]) * rstd;
    var v = rstd * (dy[at] * gamma[c] - stats_in[m] - xhat * stats_in[m + 1u]);
    if (p.accumulate != 0u) {
        v += dx[at];
    }
    dx[at] = v;
}
