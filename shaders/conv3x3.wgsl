// 3x3 convolution, stride 1, zero padding 1, forward and both backward products
// (twin: src/gpu/kernels/conv3x3.rs). Tensors are NCHW; weights [cout, cin, 3, 3]; no bias
// (bias_act.wgsl adds one).
//
// Math, with x outside the image = 0:
//   forward:      y[b,o,r,s]   = sum_{i,u,v} w[o,i,u,v] x[b,i,r+u-1,s+v-1]
//   grad_input:   dx[b,i,r,s]  = sum_{o,u,v} w[o,i,u,v] dy[b,o,r-u+1,s-v+1]   (+= with accumulate)
//   grad_weight:  dw[o,i,u,v]  = sum_{b,r,s} dy[b,o,r,s] x[b,i,r+u-1,s+v-1]
// forward and grad_input: one thread per output element, dispatch (x, y) with
// i = x + y * 256 * num_workgroups.x. grad_weight: one 256-thread workgroup per (o, i),
// workgroup_id.x = o * cin + i, nine sums reduced in workgroup memory.
//
// Bindings: @binding(0) uniform Params { batch, cin, cout, h, w, accumulate, pad, pad } (32 bytes);
//           1 x (read), 2 w (read), 3 y (read_write), 4 dy (read), 5 dx (read_write),
//           6 dw (read_write).

struct Params {
    batch: u32,
    cin: u32,
    cout: u32,
    h: u32,
    w: u32,
    accumulate: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;
@group(0) @binding(6) var<storage, read_write> dw: array<f32>;

var<workgroup> red: array<f32, 256>;

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * 256u;
}

@compute @workgroup_size(256)
fn forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let idx = flat(gid, nwg);
    let hw = p.h * p.w;
    if (idx >= p.batch * p.cout * hw) {
        return;
    }
    let s = i32(idx % p.w);
    let r = i32((idx / p.w) % p.h);
    let o = (idx / hw) % p.cout;
    let bt = idx / (hw * p.cout);
    var acc = 0.0;
    for (var i = 0u; i < p.cin; i++) {
        let xbase = (bt * p.cin + i) * hw;
        let wbase = (o * p.cin + i) * 9u;
        for (var u = 0; u < 3; u++) {
            let rr = r + u - 1;
            if (rr < 0 || rr >= i32(p.h)) {
                continue;
            }
            for (var v = 0; v < 3; v++) {
                let ss = s + v - 1;
                if (ss < 0 || ss >= i32(p.w)) {
                    continue;
                }
                acc = fma(wt[wbase + u32(u * 3 + v)], x[xbase + u32(rr) * p.w + u32(ss)], acc);
            }
        }
    }
    y[idx] = acc;
}

@compute @workgroup_size(256)
fn grad_input(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let idx = flat(gid, nwg);
    let hw = p.h * p.w;
    if (idx >= p.batch * p.cin * hw) {
        return;
    }
    let s = i32(idx % p.w);
    let r = i32((idx / p.w) % p.h);
    let i = (idx / hw) % p.cin;
    let bt = idx / (hw * p.cin);
    var acc = 0.0;
    for (var o = 0u; o < p.cout; o++) {
        let ybase = (bt * p.cout + o) * hw;
        let wbase = (o * p.cin + i) * 9u;
        for (var u = 0; u < 3; u++) {
            let rr = r - u + 1;
            if (rr < 0 || rr >= i32(p.h)) {
                continue;
            }
            for (var v = 0; v < 3; v++) {
                let ss = s - v + 1;
                if (ss < 0 || ss >= i32(p.w)) {
                    continue;
                }
                acc = fma(wt[wbase + u32(u * 3 + v)], dy[ybase + u32(rr) * p.w + u32(ss)], acc);
            }
        }
    }
    if (p.accumulate != 0u) {
        acc += dx[idx];
    }
    dx[idx] = acc;
}

@compute @workgroup_size(256)
fn grad_weight(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    let t = lid.x;
    let o = wid.x / p.cin;
    let i = wid.x % p.cin;
    let hw = p.h * p.w;
    var acc: array<f32, 9>;
    for (var e = t; e < p.batch * hw; e += 256u) {
        let bt = e / hw;
        let r = i32((e % hw) / p.w);
        let s = i32(e % p.w);
        let g = dy[(bt * p.cout + o) * hw + e % hw];
        let xbase = (bt * p.cin + i) * hw;
        for (var u = 0; u < 3; u++) {
            let rr = r + u - 1;
            if (rr < 0 || rr >= i32(p.h)) {
                continue;
            }
            for (var v = 0; v < 3; v++) {
                let ss = s + v - 1;
                if (ss < 0 || ss >= i32(p.w)) {
                    continue;
                }
                acc[u * 3 + v] = fma(g, x[xbase + u32(rr) * p.w + u32(ss)], acc[u * 3 + v]);
            }
        }
    }
    for (var k = 0u; k < 9u; k++) {
        red[t] = acc[k];
        workgroupBarrier();
        for (var s = 128u; s > 0u; s >>= 1u) {
            if (t < s) {
                red[t] += red[t + s];
            }
            workgroupBarrier();
        }
        if (t == 0u) {
            dw[(o * p.cin + i) * 9u + k] = red[0];
        }
        workgroupBarrier();
    }
}
