//! The large products of the passes through the `gemm` crate, whose f32 and f64 kernels are
//! chosen at run time for the CPU (AVX-512, AVX2 + FMA, NEON). Its entry point takes raw
//! pointers and strides, so this is the one module of the project that allows `unsafe`: one
//! call, whose preconditions the safe wrapper below establishes from nalgebra's matrices.

use super::real::Real;
use nalgebra::DMatrix;

/// A column-major operand: its data, and whether it is read transposed.
pub struct Operand<'a, T> {
    pub matrix: &'a DMatrix<T>,
    pub transposed: bool,
}

impl<T> Operand<'_, T> {
    /// `(rows, columns)` as read.
    fn shape(&self) -> (usize, usize) {
        let (r, c) = self.matrix.shape();
        if self.transposed { (c, r) } else { (r, c) }
    }

    /// `(column stride, row stride)` in elements, as read.
    fn strides(&self) -> (isize, isize) {
        let rows = self.matrix.nrows() as isize;
        if self.transposed {
            (1, rows)
        } else {
            (rows, 1)
        }
    }
}

/// `c = a b + beta c` (with `beta = 0`, `c` is not read, so stale NaNs never survive).
///
/// Panics if the shapes do not agree.
pub fn gemm<T: Real>(c: &mut DMatrix<T>, a: Operand<'_, T>, b: Operand<'_, T>, beta: T) {
    let ((m, k), (k2, n)) = (a.shape(), b.shape());
    assert!(
        k == k2 && c.shape() == (m, n),
        "product shapes {m}x{k} · {k2}x{n} into {:?}",
        c.shape()
    );
    let (a_cs, a_rs) = a.strides();
    let (b_cs, b_rs) = b.strides();
    let c_cs = c.nrows() as isize;
    let read_dst = beta != T::zero();
    // SAFETY: every pointer comes from a live nalgebra matrix whose column-major storage holds
    // exactly the `rows x columns` elements the shape and strides above address (checked by
    // the assertion); `c` is borrowed mutably, so it cannot alias `a` or `b`; the call is
    // single-threaded (`Parallelism::None`) and does not keep the pointers.
    #[allow(unsafe_code)]
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            c_cs,
            1,
            read_dst,
            a.matrix.as_ptr(),
            a_cs,
            a_rs,
            b.matrix.as_ptr(),
            b_cs,
            b_rs,
            beta,
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}
