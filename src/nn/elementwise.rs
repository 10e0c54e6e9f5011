//! The element-wise steps of the passes between the products, run compiled for the CPU's vector
//! instructions ([`crate::simd`]); built for the baseline they ran at SSE2 width, and the tangent
//! step's indexed loop did not vectorise at all.
//!
//! With hidden layer `h = f(z)` and tangents `dh_k = f'(z) .* dz_k` (MATH §3.2, §3.3):
//! - forward: `dh_k = f'(z) .* dz_k` for every tangent block `k` ([`tangent_forward`]);
//! - backward: `gz = gh .* f'(z) + sum_k gdh_k .* f''(z) .* dz_k` and `gdz_k = gdh_k .* f'(z)`
//!   ([`activation_backward`]);
//! - the bias gradient `gb += rowsum(gz)` ([`add_row_sums`]).
//!
//! No step reduces in a different order than a plain loop would (the row sums add the columns
//! in order), so every instruction set computes the same bits.

use super::real::Real;

/// `dh[k B + j] = df[j] .* dz[k B + j]`: `df` is one block (`width x B`), `dz` and `dh` hold
/// one block per tangent.
pub fn tangent_forward<T: Real>(df: &[T], dz: &[T], dh: &mut [T]) {
    crate::simd::vectorized(Step::TangentForward { df, dz, dh });
}

/// `gh := gh .* df + sum_k gdh_k .* d2f .* dz_k`, then `gdh_k := gdh_k .* df` (`gh`, `df`,
/// `d2f` one block; `gdh`, `dz` one block per tangent, possibly none).
pub fn activation_backward<T: Real>(gh: &mut [T], df: &[T], d2f: &[T], gdh: &mut [T], dz: &[T]) {
    crate::simd::vectorized(Step::Backward {
        gh,
        df,
        d2f,
        gdh,
        dz,
    });
}

/// `b[r] += sum_j g[r, j]` for a column-major `g` with `b.len()` rows.
pub fn add_row_sums<T: Real>(b: &mut [T], g: &[T]) {
    crate::simd::vectorized(Step::RowSums { b, g });
}

/// One of the steps above as a [`crate::simd::Kernel`].
enum Step<'a, T> {
    TangentForward {
        df: &'a [T],
        dz: &'a [T],
        dh: &'a mut [T],
    },
    Backward {
        gh: &'a mut [T],
        df: &'a [T],
        d2f: &'a [T],
        gdh: &'a mut [T],
        dz: &'a [T],
    },
    RowSums {
        b: &'a mut [T],
        g: &'a [T],
    },
}

impl<T: Real> crate::simd::Kernel for Step<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        match self {
            Step::TangentForward { df, .. } | Step::Backward { df, .. } if df.is_empty() => {}
            Step::TangentForward { df, dz, dh } => {
                for (hb, zb) in dh.chunks_mut(df.len()).zip(dz.chunks(df.len())) {
                    for ((h, z), d) in hb.iter_mut().zip(zb).zip(df) {
                        *h = *d * *z;
                    }
                }
            }
            Step::Backward {
                gh,
                df,
                d2f,
                gdh,
                dz,
            } => {
                for (g, d) in gh.iter_mut().zip(df) {
                    *g *= *d;
                }
                let block = df.len();
                for (gb, zb) in gdh.chunks_mut(block).zip(dz.chunks(block)) {
                    let lanes = gh.iter_mut().zip(gb).zip(zb).zip(df).zip(d2f);
                    for ((((g, gd), z), d), d2) in lanes {
                        *g += *gd * *d2 * *z;
                        *gd *= *d;
                    }
                }
            }
            Step::RowSums { b: [], .. } => {}
            Step::RowSums { b, g } => {
                for column in g.chunks(b.len()) {
                    for (b, x) in b.iter_mut().zip(column) {
                        *b += *x;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each step against the plain loops it replaces, two tangents, odd sizes.
    #[test]
    fn steps_match_plain_loops() {
        let value = |i: usize| ((i * 37 % 101) as f64 - 50.0) / 17.0;
        let (rows, batch, k) = (7, 5, 2);
        let block = rows * batch;
        let df: Vec<f64> = (0..block).map(value).collect();
        let d2f: Vec<f64> = (0..block).map(|i| value(i + 3)).collect();
        let dz: Vec<f64> = (0..k * block).map(|i| value(i + 11)).collect();

        let mut dh = vec![0.0; k * block];
        tangent_forward(&df, &dz, &mut dh);
        for i in 0..k * block {
            assert_eq!(dh[i], df[i % block] * dz[i]);
        }

        let gh0: Vec<f64> = (0..block).map(|i| value(i + 5)).collect();
        let gdh0: Vec<f64> = (0..k * block).map(|i| value(i + 7)).collect();
        let (mut gh, mut gdh) = (gh0.clone(), gdh0.clone());
        activation_backward(&mut gh, &df, &d2f, &mut gdh, &dz);
        for i in 0..block {
            let mut want = gh0[i] * df[i];
            for t in 0..k {
                want += gdh0[t * block + i] * d2f[i] * dz[t * block + i];
            }
            assert_eq!(gh[i], want);
            for t in 0..k {
                assert_eq!(gdh[t * block + i], gdh0[t * block + i] * df[i]);
            }
        }

        let mut b = vec![1.0; rows];
        add_row_sums(&mut b, &gh);
        for (r, b) in b.iter().enumerate() {
            let want = (0..batch).fold(1.0, |s, j| s + gh[j * rows + r]);
            assert_eq!(*b, want);
        }
    }
}
