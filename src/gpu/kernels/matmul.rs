//! Tiled matrix products (`shaders/matmul.wgsl`): params twin, CPU twin, dispatch.

use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::Dispatch;
use crate::gpu::kernels::Kernels;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct MatmulParams {
    pub m: u32,
    pub n: u32,
    pub k: u32,
    pub accumulate: u32,
}

const _: () = assert!(std::mem::size_of::<MatmulParams>() == 16);

/// Which operands are transposed: `C = op(A) op(B)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `C[i,j] = sum_k A[i,k] B[j,k]`.
    Nt,
    /// `C[i,j] = sum_k A[i,k] B[k,j]`.
    Nn,
    /// `C[i,j] = sum_k A[k,i] B[k,j]`.
    Tn,
}

/// CPU twin: `c (+)= op(a) op(b)`, `c` is `m x n`.
#[allow(clippy::too_many_arguments)]
pub fn matmul_cpu(
    form: Form,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    m: usize,
    n: usize,
    k: usize,
    accumulate: bool,
) {
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0.0f32;
            for l in 0..k {
                let av = match form {
                    Form::Tn => a[l * m + i],
                    _ => a[i * k + l],
                };
                let bv = match form {
                    Form::Nt => b[j * k + l],
                    _ => b[l * n + j],
                };
                acc += av * bv;
            }
            let at = i * n + j;
            c[at] = if accumulate { c[at] + acc } else { acc };
        }
    }
}

/// `c (+)= op(a) op(b)` on the GPU.
#[allow(clippy::too_many_arguments)]
pub fn matmul(
    gpu: &Gpu,
    k: &Kernels,
    form: Form,
    a: &View,
    b: &View,
    c: &View,
    m: usize,
    n: usize,
    kk: usize,
    accumulate: bool,
) -> Dispatch {
    let kernel = match form {
        Form::Nt => &k.matmul_nt,
        Form::Nn => &k.matmul_nn,
        Form::Tn => &k.matmul_tn,
    };
    let params = MatmulParams {
        m: m as u32,
        n: n as u32,
        k: kk as u32,
        accumulate: accumulate as u32,
    };
    kernel.dispatch(
        gpu,
        &params,
        &[(1, a), (2, b), (3, c)],
        [n.div_ceil(64) as u32, m.div_ceil(64) as u32, 1],
    )
}
