// 3x3 convolution, stride 1, zero padding 1, forward and both backward products as implicit
// matrix products (twin: src/gpu/kernels/conv3x3.rs). Tensors are NCHW; weights [cout, cin, 3, 3];
// no bias (bias_act.wgsl adds one). x outside the image is 0.
//
// Math:
//   forward:      y[b,o,r,s]  = sum_{i,u,v} w[o,i,u,v] x[b,i,r+u-1,s+v-1]
//   grad_input:   dx[b,i,r,s] = sum_{o,u,v} w[o,i,u,v] dy[b,o,r-u+1,s-v+1]     (+= with accumulate)
//   grad_weight:  dw[o,i,u,v] = sum_{b,r,s} dy[b,o,r,s] x[b,i,r+u-1,s+v-1]
// Each is C (M x N) = A (M x K) B (K x N) with B gathered from the image on the fly (implicit
// im2col), p = (b, r, s) and t = (i or o, u, v):
//   forward:     M = cout, N = batch h w, K = cin 9;   A[o,t] = w[o,t],     B[t,p] = x tap
//   grad_input:  M = cin,  N = batch h w, K = cout 9;  A[i,t] = w[o,i,u,v], B[t,p] = dy tap
//   grad_weight: M = cout, N = cin 9,     K = batch h w, split in `splits` ranges along
//                workgroup_id.z into part[z, o, t], summed afterwards by reduce_parts.
// A 16x16 workgroup computes a 64x64 tile of C, 4x4 values per thread, staging 16-wide slices of
// A and B in workgroup memory. Dispatch: (ceil(N/64), ceil(M/64), splits).
//
// Bindings (by role, so every entry point uses all of its own): @binding(0) uniform Params
//   { batch, cin, cout, h, w, accumulate, splits, pad } (32 bytes);
//   forward:      1 w, 2 x, 3 y;     grad_input: 1 w, 2 dy, 3 dx;     grad_weight: 1 dy, 2 x, 3 part;
//   reduce_parts: 4 part (read), 5 dw (read_write).

struct Params {
    batch: u32,
    cin: u32,
    cout: u32,
    h: u32,
    w: u32,
    accumulate: u32,
    splits: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a_src: array<f32>;
@group(0) @binding(2) var<storage, read> b_src: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@group(0) @binding(4) var<storage, read> parts_in: array<f32>;
@group(0) @binding(5) var<storage, read_write> dw: array<f32>;

const TILE: u32 = 64u;
const TK: u32 = 16u;
const FORWARD: u32 = 0u;
const GRAD_INPUT: u32 = 1u;
const GRAD_WEIGHT: u32 = 2u;

var<workgroup> sa: array<f32, 1024>; // sa[kk * TILE + row]
var<workgroup> sb: array<f32, 1024>; // sb[kk * TILE + col]

// The value of the B image (x or dy, with `channels` channels) at channel `ch`, pixel
// pix = (b, r, s) shifted by (dr, ds), or 0 outside the image.
fn tap(channels: u32, ch: u32, pix: u32, dr: i32, ds: i32) -> f32 {
    let hw = p.h * p.w;
    let b = pix / hw;
    let rs = pix % hw;
    let r = i32(rs / p.w) + dr;
    let s = i32(rs % p.w) + ds;
    if (r < 0 || r >= i32(p.h) || s < 0 || s >= i32(p.w)) {
        return 0.0;
    }
    return b_src[(b * channels + ch) * hw + u32(r) * p.w + u32(s)];
}

fn dims(mode: u32) -> vec3<u32> {
    let n_pix = p.batch * p.h * p.w;
    if (mode == FORWARD) {
        return vec3<u32>(p.cout, n_pix, p.cin * 9u);
    }
    if (mode == GRAD_INPUT) {
        return vec3<u32>(p.cin, n_pix, p.cout * 9u);
    }
    return vec3<u32>(p.cout, p.cin * 9u, n_pix);
}

fn load_a(mode: u32, row: u32, k: u32) -> f32 {
    if (mode == FORWARD) {
        return a_src[row * p.cin * 9u + k];
    }
    if (mode == GRAD_INPUT) {
        return a_src[((k / 9u) * p.cin + row) * 9u + k % 9u];
    }
    let hw = p.h * p.w;
    return a_src[((k / hw) * p.cout + row) * hw + k % hw];
}

fn load_b(mode: u32, k: u32, col: u32) -> f32 {
    if (mode == FORWARD) {
        let uv = k % 9u;
        return tap(p.cin, k / 9u, col, i32(uv / 3u) - 1, i32(uv % 3u) - 1);
    }
    if (mode == GRAD_INPUT) {
        let uv = k % 9u;
        return tap(p.cout, k / 9u, col, 1 - i32(uv / 3u), 1 - i32(uv % 3u));
    }
    let uv = col % 9u;
    return tap(p.cin, col / 9u, k, i32(uv / 3u) - 1, i32(uv % 3u) - 1);
}

fn store(mode: u32, row: u32, col: u32, z: u32, v: f32) {
    let hw = p.h * p.w;
    if (mode == FORWARD) {
        out[((col / hw) * p.cout + row) * hw + col % hw] = v;
    } else if (mode == GRAD_INPUT) {
        let at = ((col / hw) * p.cin + row) * hw + col % hw;
        var o = v;
        if (p.accumulate != 0u) {
            o += out[at];
        }
        out[at] = o;
    } else {
        out[(z * p.cout + row) * p.cin * 9u + col] = v;
    }
}

fn gemm(mode: u32, lid: vec3<u32>, wid: vec3<u32>) {
    let d = dims(mode);
    let tx = lid.x;
    let ty = lid.y;
    let t = ty * 16u + tx;
    let m0 = wid.y * TILE;
    let n0 = wid.x * TILE;
    // This workgroup's range of K (the whole of it unless split).
    var splits = 1u;
    if (mode == GRAD_WEIGHT) {
        splits = p.splits;
    }
    let chunk = ((d.z + splits - 1u) / splits + TK - 1u) / TK * TK;
    let k_begin = wid.z * chunk;
    let k_end = min(d.z, k_begin + chunk);
    var acc: array<array<f32, 4>, 4>;
    for (var k0 = k_begin; k0 < k_end; k0 += TK) {
        for (var r = 0u; r < 4u; r++) {
            let e = t + 256u * r;
            let row = e / TK;
            let ka = e % TK;
            var av = 0.0;
            if (m0 + row < d.x && k0 + ka < k_end) {
                av = load_a(mode, m0 + row, k0 + ka);
            }
            sa[ka * TILE + row] = av;
            // Consecutive threads take consecutive pixels (forward, grad_input) or consecutive
            // pixels of K (grad_weight).
            var col = e % TILE;
            var kb = e / TILE;
            if (mode == GRAD_WEIGHT) {
                col = e / TK;
                kb = e % TK;
            }
            var bv = 0.0;
            if (n0 + col < d.y && k0 + kb < k_end) {
                bv = load_b(mode, k0 + kb, n0 + col);
            }
            sb[kb * TILE + col] = bv;
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TK; kk++) {
            var a4: array<f32, 4>;
            var b4: array<f32, 4>;
            for (var i = 0u; i < 4u; i++) {
                a4[i] = sa[kk * TILE + ty + 16u * i];
                b4[i] = sb[kk * TILE + tx + 16u * i];
            }
            for (var i = 0u; i < 4u; i++) {
                for (var j = 0u; j < 4u; j++) {
                    acc[i][j] = fma(a4[i], b4[j], acc[i][j]);
                }
            }
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i++) {
        let row = m0 + ty + 16u * i;
        for (var j = 0u; j < 4u; j++) {
            let col = n0 + tx + 16u * j;
            if (row < d.x && col < d.y) {
                store(mode, row, col, wid.z, acc[i][j]);
            }
        }
    }
}

@compute @workgroup_size(16, 16)
fn forward(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    gemm(FORWARD, lid, wid);
}

@compute @workgroup_size(16, 16)
fn grad_input(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    gemm(GRAD_INPUT, lid, wid);
}

@compute @workgroup_size(16, 16)
fn grad_weight(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    gemm(GRAD_WEIGHT, lid, wid);
}

// dw[j] = sum over z < splits of part[z, j] (j over cout * cin * 9; one thread each; dispatch
// (x, y) with j = x + y * 256 * num_workgroups.x).
@compute @workgroup_size(256)
fn reduce_parts(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let j = gid.x + gid.y * nwg.x * 256u;
    let n = p.cout * p.cin * 9u;
    if (j >= n) {
        return;
    }
    var acc = 0.0;
    for (var z = 0u; z < p.splits; z++) {
        acc += parts_in[z * n + j];
    }
    dw[j] = acc;
}
