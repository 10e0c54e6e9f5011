//! Tiled matrix products (`shaders/matmul.wgsl`): params twin, CPU twin, dispatch.

use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::{Dispatch, Kernel, module};
use crate::gpu::kernels::{Family, Kernels, MATMUL, matmul_blocked};
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

/// The product kernels of both families.
pub struct MatmulKernels {
    /// `shaders/matmul.wgsl`, per form (nt, nn, tn).
    tiled: [Kernel; 3],
    /// Register blocks, `f32` loads.
    blocked: [Kernel; 3],
    /// Register blocks, `vec4` loads.
    blocked4: [Kernel; 3],
}

const FORMS: [Form; 3] = [Form::Nt, Form::Nn, Form::Tn];

fn form_index(form: Form) -> usize {
    match form {
        Form::Nt => 0,
        Form::Nn => 1,
        Form::Tn => 2,
    }
}

impl MatmulKernels {
    pub fn new(gpu: &Gpu) -> MatmulKernels {
        let tiled_module = module(gpu, "matmul", MATMUL);
        let scalar_module = module(gpu, "matmul blocked", &matmul_blocked::source(false));
        let vec4_module = module(gpu, "matmul blocked vec4", &matmul_blocked::source(true));
        let entry = |m: &wgpu::ShaderModule, label: &'static str, vec4: bool, form: Form| {
            Kernel::new(gpu, m, label, matmul_blocked::entry_name(form, vec4))
        };
        MatmulKernels {
            tiled: FORMS.map(|f| entry(&tiled_module, "matmul tiled", false, f)),
            blocked: FORMS.map(|f| entry(&scalar_module, "matmul blocked", false, f)),
            blocked4: FORMS.map(|f| entry(&vec4_module, "matmul blocked vec4", true, f)),
        }
    }

    /// The kernel for this product on `path`.
    fn pick(&self, family: Family, form: Form, m: usize, n: usize, k: usize) -> &Kernel {
        let at = form_index(form);
        match family {
            Family::Workgroup => &self.tiled[at],
            Family::Registers if matmul_blocked::vec4_fits(form, m, n, k) => &self.blocked4[at],
            Family::Registers => &self.blocked[at],
        }
    }
}

/// `c (+)= op(a) op(b)` on the GPU, with the adapter's kernel family: workgroup-memory tiles
/// (`shaders/matmul.wgsl`) on a hardware GPU, register blocks (`matmul_blocked`) on a CPU
/// adapter.
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
    matmul_on(gpu, k, k.family, form, [a, b, c], [m, n, kk], accumulate)
}

/// [`matmul`] with the family chosen by the caller (the tests run both on one adapter);
/// `dims` is `[m, n, k]`, `views` `[a, b, c]`.
pub fn matmul_on(
    gpu: &Gpu,
    k: &Kernels,
    family: Family,
    form: Form,
    views: [&View; 3],
    dims: [usize; 3],
    accumulate: bool,
) -> Dispatch {
    let [m, n, kk] = dims;
    let kernel = k.matmul.pick(family, form, m, n, kk);
    let params = MatmulParams {
        m: m as u32,
        n: n as u32,
        k: kk as u32,
        accumulate: accumulate as u32,
    };
    // Both families cover 64 x 64 of C per workgroup.
    const _: () = assert!(matmul_blocked::TILE == 64);
    let [a, b, c] = views;
    kernel.dispatch(
        gpu,
        &params,
        &[(1, a), (2, b), (3, c)],
        [n.div_ceil(64) as u32, m.div_ceil(64) as u32, 1],
    )
}
