//! Matrix products of the passes, column-major: `c = a b`, `c = a b^T`, `c = a^T b` (each
//! `+ beta c`).
//!
//! Large products go to the `gemm` crate's kernels (`dense_gemm`; transposed operands by their
//! strides, no copies), or to nalgebra's matrixmultiply path where `SCOREFIELD_GEMM=
//! matrixmultiply`. Products with a dimension of 5 or less (the input layer has 3 to 12 inputs,
//! the output layer 2 rows) have kernels here written as contiguous `axpy` / dot loops that
//! vectorise, run through [`crate::simd`] for the CPU's vector instructions.

use super::real::Real;
use nalgebra::{DMatrix, DMatrixView, Dyn};
use std::sync::atomic::{AtomicU64, Ordering};

/// Multiply-adds done by the products since the process started (`m n k` per product), for
/// the benchmarks' GFLOP/s. One relaxed atomic add per product call.
static MULTIPLY_ADDS: AtomicU64 = AtomicU64::new(0);

/// The products' multiply-adds so far (read before and after a piece of work).
pub fn multiply_adds() -> u64 {
    MULTIPLY_ADDS.load(Ordering::Relaxed)
}

fn count(c: &DMatrix<impl Real>, inner: usize) {
    MULTIPLY_ADDS.fetch_add((c.nrows() * c.ncols() * inner) as u64, Ordering::Relaxed);
}

/// The transpose of `m` as a strided view (no copy).
fn t<T: Real>(m: &DMatrix<T>) -> DMatrixView<'_, T, Dyn, Dyn> {
    DMatrixView::from_slice_with_strides(m.as_slice(), m.ncols(), m.nrows(), m.nrows(), 1)
}

/// Whether `c = a b` with `a` of this shape goes to the dense kernels ([`dense`]): every
/// dimension above 5 (nalgebra's own threshold for matrixmultiply). Thinner products take the
/// kernels below.
fn is_dense<T: Real>(c: &DMatrix<T>, a_rows: usize, a_cols: usize) -> bool {
    c.nrows() > 5 && c.ncols() > 5 && a_rows > 5 && a_cols > 5
}

/// `c = a b + beta c` for the large products, each operand `(matrix, read transposed)`: the
/// `gemm` crate's kernels (6–12 % more steps per second than matrixmultiply's on the NCSN
/// benchmarks, one thread), or nalgebra's matrixmultiply path where
/// `SCOREFIELD_GEMM=matrixmultiply` (to compare the two in one build).
fn dense<T: Real>(
    c: &mut DMatrix<T>,
    (a, a_t): (&DMatrix<T>, bool),
    (b, b_t): (&DMatrix<T>, bool),
    beta: T,
) {
    if use_gemm_crate() {
        let operand = |matrix, transposed| super::dense_gemm::Operand { matrix, transposed };
        super::dense_gemm::gemm(c, operand(a, a_t), operand(b, b_t), beta);
        return;
    }
    match (a_t, b_t) {
        (false, false) => c.gemm(T::one(), a, b, beta),
        (false, true) => c.gemm(T::one(), a, &t(b), beta),
        (true, false) => c.gemm(T::one(), &t(a), b, beta),
        (true, true) => c.gemm(T::one(), &t(a), &t(b), beta),
    }
}

fn use_gemm_crate() -> bool {
    static CHOICE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *CHOICE.get_or_init(|| {
        !matches!(
            std::env::var("SCOREFIELD_GEMM").as_deref(),
            Ok("matrixmultiply")
        )
    })
}

/// `c = beta c` (with `beta = 0` overwriting, so stale NaNs never survive).
#[inline(always)]
fn scale_into<T: Real>(c: &mut [T], beta: T) {
    if beta == T::zero() {
        c.fill(T::zero());
    } else if beta != T::one() {
        for v in c.iter_mut() {
            *v *= beta;
        }
    }
}

/// `c = a b + beta c`.
pub fn gemm_nn<T: Real>(c: &mut DMatrix<T>, a: &DMatrix<T>, b: &DMatrix<T>, beta: T) {
    count(c, a.ncols());
    if is_dense(c, a.nrows(), a.ncols()) {
        dense(c, (a, false), (b, false), beta);
        return;
    }
    crate::simd::vectorized(Thin {
        c,
        a,
        b,
        beta,
        b_transposed: false,
    });
}

/// A thin product run compiled for the CPU's vector instructions ([`crate::simd`]).
struct Thin<'a, T: Real> {
    c: &'a mut DMatrix<T>,
    a: &'a DMatrix<T>,
    b: &'a DMatrix<T>,
    beta: T,
    /// `c = a b^T` instead of `c = a b`.
    b_transposed: bool,
}

impl<T: Real> crate::simd::Kernel for Thin<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        if self.b_transposed {
            thin_nt(self.c, self.a, self.b, self.beta)
        } else {
            thin_nn(self.c, self.a, self.b, self.beta)
        }
    }
}

/// `c = a b + beta c` for shapes matrixmultiply does not take.
#[inline(always)]
fn thin_nn<T: Real>(c: &mut DMatrix<T>, a: &DMatrix<T>, b: &DMatrix<T>, beta: T) {
    let (m, k) = (a.nrows(), a.ncols());
    scale_into(c.as_mut_slice(), beta);
    let (a, b) = (a.as_slice(), b.as_slice());
    if m > 5 {
        for (cj, bj) in c.as_mut_slice().chunks_mut(m).zip(b.chunks(k)) {
            add_columns(cj, a, bj);
        }
    } else {
        // c[r, j] += dot(a[r, :], b[:, j]) with the rows of `a` copied contiguous.
        let rows: Vec<Vec<T>> = (0..m)
            .map(|r| (0..k).map(|p| a[p * m + r]).collect())
            .collect();
        for (cj, bj) in c.as_mut_slice().chunks_mut(m).zip(b.chunks(k)) {
            for (c, row) in cj.iter_mut().zip(&rows) {
                *c += dot(row, bj);
            }
        }
    }
}

/// `c += sum_p a[:, p] coef[p]` (`a` column-major with `c.len()` rows): four columns of `a` per
/// pass, so each entry of `c` is loaded and stored once per four multiply-adds rather than once
/// per one (the input layer has 3 to 5 columns, so one pass in all).
#[inline(always)]
fn add_columns<T: Real>(c: &mut [T], a: &[T], coef: &[T]) {
    let m = c.len();
    for (block, coef) in a.chunks(4 * m).zip(coef.chunks(4)) {
        let col = |q: usize| &block[q * m..(q + 1) * m];
        match *coef {
            [b0, b1, b2, b3] => {
                let cols = c.iter_mut().zip(col(0)).zip(col(1)).zip(col(2)).zip(col(3));
                for ((((c, x0), x1), x2), x3) in cols {
                    *c += *x0 * b0 + *x1 * b1 + *x2 * b2 + *x3 * b3;
                }
            }
            [b0, b1, b2] => {
                for (((c, x0), x1), x2) in c.iter_mut().zip(col(0)).zip(col(1)).zip(col(2)) {
                    *c += *x0 * b0 + *x1 * b1 + *x2 * b2;
                }
            }
            [b0, b1] => {
                for ((c, x0), x1) in c.iter_mut().zip(col(0)).zip(col(1)) {
                    *c += *x0 * b0 + *x1 * b1;
                }
            }
            [b0] => {
                for (c, x0) in c.iter_mut().zip(col(0)) {
                    *c += *x0 * b0;
                }
            }
            _ => unreachable!("chunks(4) yields 1 to 4 coefficients"),
        }
    }
}

/// `sum_i x_i y_i` in 16 independent partial sums, so the loop vectorises (one accumulator
/// would fix the order of the additions and keep it scalar).
#[inline(always)]
fn dot<T: Real>(x: &[T], y: &[T]) -> T {
    const LANES: usize = 16;
    let mut lanes = [T::zero(); LANES];
    let (xs, ys) = (x.chunks_exact(LANES), y.chunks_exact(LANES));
    let mut sum = T::zero();
    for (a, b) in xs.remainder().iter().zip(ys.remainder()) {
        sum += *a * *b;
    }
    for (xl, yl) in xs.zip(ys) {
        for ((l, a), b) in lanes.iter_mut().zip(xl).zip(yl) {
            *l += *a * *b;
        }
    }
    for l in lanes {
        sum += l;
    }
    sum
}

/// `c = a b^T + beta c` (`a` is `m x B`, `b` is `n x B`).
pub fn gemm_nt<T: Real>(c: &mut DMatrix<T>, a: &DMatrix<T>, b: &DMatrix<T>, beta: T) {
    count(c, a.ncols());
    if is_dense(c, a.nrows(), a.ncols()) {
        dense(c, (a, false), (b, true), beta);
        return;
    }
    crate::simd::vectorized(Thin {
        c,
        a,
        b,
        beta,
        b_transposed: true,
    });
}

/// `c = a b^T + beta c` for shapes matrixmultiply does not take.
#[inline(always)]
fn thin_nt<T: Real>(c: &mut DMatrix<T>, a: &DMatrix<T>, b: &DMatrix<T>, beta: T) {
    let (m, n) = (c.nrows(), c.ncols());
    scale_into(c.as_mut_slice(), beta);
    let (a, b) = (a.as_slice(), b.as_slice());
    if m <= 5 {
        // Few rows (the output layer): acc_r[:] += a[r, j] b[:, j], then c[r, :] += acc_r.
        let mut acc = vec![T::zero(); m * n];
        for (aj, bj) in a.chunks(m).zip(b.chunks(n)) {
            for (r, arj) in aj.iter().enumerate() {
                for (s, x) in acc[r * n..(r + 1) * n].iter_mut().zip(bj) {
                    *s += *arj * *x;
                }
            }
        }
        let c = c.as_mut_slice();
        for r in 0..m {
            for q in 0..n {
                c[q * m + r] += acc[r * n + q];
            }
        }
    } else {
        // Few columns (the input layer): c[:, q] += a[:, j] b[q, j].
        for (aj, bj) in a.chunks(m).zip(b.chunks(n)) {
            for (cq, bqj) in c.as_mut_slice().chunks_mut(m).zip(bj) {
                for (c, x) in cq.iter_mut().zip(aj) {
                    *c += *x * *bqj;
                }
            }
        }
    }
}

/// `c = a^T b + beta c`.
pub fn gemm_tn<T: Real>(c: &mut DMatrix<T>, a: &DMatrix<T>, b: &DMatrix<T>, beta: T) {
    if is_dense(c, a.ncols(), a.nrows()) {
        count(c, a.nrows());
        dense(c, (a, true), (b, false), beta);
    } else {
        // One side of `a` is small here: its transpose is a cheap copy.
        gemm_nn(c, &a.transpose(), b, beta);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(r: usize, c: usize, seed: u64) -> DMatrix<f64> {
        let mut rng = crate::noise::StreamRng::from_seed(seed);
        DMatrix::from_fn(r, c, |_, _| rng.uniform() - 0.5)
    }

    /// Every kernel against nalgebra's plain product, over thin and wide shapes.
    #[test]
    fn products_match_the_reference() {
        let shapes = [
            (2, 128, 7),
            (128, 3, 9),
            (2, 3, 4),
            (64, 64, 40),
            (7, 2, 300),
            (130, 6, 2),
            (33, 17, 129),
            (128, 128, 256),
            (128, 5, 11),
            (131, 4, 3),
            (2, 37, 5),
            (5, 200, 8),
        ];
        for (i, &(m, k, n)) in shapes.iter().enumerate() {
            let (a, b, c0) = (
                filled(m, k, 1 + i as u64),
                filled(k, n, 50 + i as u64),
                filled(m, n, 90),
            );
            let close = |x: &DMatrix<f64>, y: &DMatrix<f64>| (x - y).amax() < 1e-12;
            let mut c = c0.clone();
            gemm_nn(&mut c, &a, &b, 0.5);
            assert!(close(&c, &(&a * &b + &c0 * 0.5)), "nn {m}x{k}x{n}");
            let bt = b.transpose();
            let mut c = c0.clone();
            gemm_nt(&mut c, &a, &bt, 1.0);
            assert!(close(&c, &(&a * &b + &c0)), "nt {m}x{k}x{n}");
            let at = a.transpose();
            let mut c = c0.clone();
            gemm_tn(&mut c, &at, &b, 0.0);
            assert!(close(&c, &(&a * &b)), "tn {m}x{k}x{n}");
        }
    }
}
