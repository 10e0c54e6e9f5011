// 2x down- and up-sampling between resolutions (twin: src/gpu/kernels/resample.rs).
// Tensors are [planes, rows, cols] with planes = batch * channels; the low resolution is
// h x w, the high one 2h x 2w.
//
// Math:
//   pool_forward:  lo[q,i,j] = 1/4 sum_{a,b in {0,1}} hi[q, 2i+a, 2j+b]     (average pooling)
//   pool_backward: dhi[q,r,s] (+)= 1/4 dlo[q, r/2, s/2]
//   up_forward:    hi[q,r,s] = lo[q, r/2, s/2]                            (nearest neighbour)
//   up_backward:   dlo[q,i,j] (+)= sum_{a,b} dhi[q, 2i+a, 2j+b]
// (+)= adds to dst when accumulate = 1. One thread per dst element; dispatch (x, y) with
// i = x + y * 256 * num_workgroups.x.
//
// Bindings: @binding(0) uniform Params { planes, h, w, accumulate } (16 bytes);
//           1 src (read), 2 dst (read_write).

struct Params {
    planes: u32,
    h: u32,
    w: u32,
    accumulate: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

fn flat(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * 256u;
}

fn store(i: u32, v: f32) {
    if (p.accumulate != 0u) {
        dst[i] = dst[i] + v;
    } else {
        dst[i] = v;
    }
}

// Sum of the 2x2 high-resolution block above low-resolution element i.
fn block(i: u32) -> f32 {
    let j = i % p.w;
    let r = (i / p.w) % p.h;
    let q = i / (p.w * p.h);
    let base = q * 4u * p.h * p.w + 2u * r * 2u * p.w + 2u * j;
    return src[base] + src[base + 1u] + src[base + 2u * p.w] + src[base + 2u * p.w + 1u];
}

// The low-resolution element under high-resolution element i.
fn parent(i: u32) -> u32 {
    let s = i % (2u * p.w);
    let r = (i / (2u * p.w)) % (2u * p.h);
    let q = i / (4u * p.w * p.h);
    return (q * p.h + r / 2u) * p.w + s / 2u;
}

@compute @workgroup_size(256)
fn pool_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < p.planes * p.h * p.w) {
        store(i, 0.25 * block(i));
    }
}

@compute @workgroup_size(256)
fn pool_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < 4u * p.planes * p.h * p.w) {
        store(i, 0.25 * src[parent(i)]);
    }
}

@compute @workgroup_size(256)
fn up_forward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < 4u * p.planes * p.h * p.w) {
        store(i, src[parent(i)]);
    }
}

@compute @workgroup_size(256)
fn up_backward(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = flat(gid, nwg);
    if (i < p.planes * p.h * p.w) {
        store(i, block(i));
    }
}
