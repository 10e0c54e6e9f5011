// Tiled matrix products (twin: src/gpu/kernels/matmul.rs).
//
// Math: C (m x n) = op(A) op(B) over k, row-major, with three entry points:
//   nt: C[i,j] = sum_k A[i,k] B[j,k]   (a layer's forward, Y = X W^T)
//   nn: C[i,j] = sum_k A[i,k] B[k,j]   (the input gradient, dX = dY W)
//   tn: C[i,j] = sum_k A[k,i] B[k,j]   (the weight gradient, dW = dY^T X)
// With accumulate = 1 the product is added to C instead of replacing it.
// Each 16x16 workgroup computes a 64x64 tile of C, 4x4 values per thread, staging 16-wide
// slices of A and B in workgroup memory. Dispatch: (ceil(n/64), ceil(m/64), 1).
//
// Bindings: @binding(0) uniform Params { m, n, k, accumulate } (16 bytes);
//           @binding(1) A (read), @binding(2) B (read), @binding(3) C (read_write).

struct Params {
    m: u32,
    n: u32,
    k: u32,
    accumulate: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

const TILE: u32 = 64u;
const TK: u32 = 16u;

var<workgroup> sa: array<f32, 1024>; // [TK][TILE]: sa[kk * TILE + row]
var<workgroup> sb: array<f32, 1024>; // [TK][TILE]: sb[kk * TILE + col]

// Element (row, kk) of op(A).
fn load_a(ta: bool, row: u32, kk: u32) -> f32 {
    if (row >= p.m || kk >= p.k) {
        return 0.0;
    }
    if (ta) {
        return a[kk * p.m + row];
    }
    return a[row * p.k + kk];
}

// Element (kk, col) of op(B).
fn load_b(tb: bool, kk: u32, col: u32) -> f32 {
    if (col >= p.n || kk >= p.k) {
        return 0.0;
    }
    if (tb) {
        return b[col * p.k + kk];
    }
    return b[kk * p.n + col];
}

fn gemm(ta: bool, tb: bool, lid: vec3<u32>, wid: vec3<u32>) {
    let tx = lid.x;
    let ty = lid.y;
    let t = ty * 16u + tx;
    let m0 = wid.y * TILE;
    let n0 = wid.x * TILE;
    var acc: array<array<f32, 4>, 4>;
    for (var k0 = 0u; k0 < p.k; k0 += TK) {
        for (var r = 0u; r < 4u; r++) {
            let e = t + 256u * r;
            // Consecutive threads read consecutive addresses of the stored layout.
            var row = e / TK;
            var ka = e % TK;
            if (ta) {
                row = e % TILE;
                ka = e / TILE;
            }
            sa[ka * TILE + row] = load_a(ta, m0 + row, k0 + ka);
            var col = e % TILE;
            var kb = e / TILE;
            if (tb) {
                col = e / TK;
                kb = e % TK;
            }
            sb[kb * TILE + col] = load_b(tb, k0 + kb, n0 + col);
        }
        workgroupBarrier();
        for (var kk = 0u; kk < TK; kk++) {
            var av: array<f32, 4>;
            var bv: array<f32, 4>;
            for (var i = 0u; i < 4u; i++) {
                av[i] = sa[kk * TILE + ty + 16u * i];
                bv[i] = sb[kk * TILE + tx + 16u * i];
            }
            for (var i = 0u; i < 4u; i++) {
                for (var j = 0u; j < 4u; j++) {
                    acc[i][j] = fma(av[i], bv[j], acc[i][j]);
                }
            }
        }
        workgroupBarrier();
    }
    for (var i = 0u; i < 4u; i++) {
        let row = m0 + ty + 16u * i;
        for (var j = 0u; j < 4u; j++) {
            let col = n0 + tx + 16u * j;
            if (row < p.m && col < p.n) {
                let at = row * p.n + col;
                var v = acc[i][j];
                if (p.accumulate != 0u) {
                    v += c[at];
                }
                c[at] = v;
            }
        }
    }
}

@compute @workgroup_size(16, 16)
fn nt(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    gemm(false, true, lid, wid);
}

@compute @workgroup_size(16, 16)
fn nn(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    gemm(false, false, lid, wid);
}

@compute @workgroup_size(16, 16)
fn tn(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
    gemm(true, false, lid, wid);
}
