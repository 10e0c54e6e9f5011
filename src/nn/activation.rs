//! Activations with their first and second derivatives. The second derivative is needed to
//! backpropagate through forward-mode tangents (ISM's Jacobian trace, SSM's JVPs; MATH §3.2, §3.3):
//! `dh = f'(z) dz`, so `d(dh)/dz = f''(z) dz`.
//!
//! - SiLU `f = z s(z)`, `f' = s (1 + z (1 - s))`, `f'' = s (1 - s) (2 + z (1 - 2 s))`, `s` = sigmoid;
//! - softplus `f = log(1 + e^z)`, `f' = s(z)`, `f'' = s (1 - s)`;
//! - tanh `f' = 1 - t^2`, `f'' = -2 t (1 - t^2)`;
//! - ELU (alpha = 1) `f = z` (z > 0) or `e^z - 1`, `f' = 1` or `e^z`, `f'' = 0` or `e^z`.

use super::real::Real;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    Silu,
    Softplus,
    Tanh,
    Elu,
}

impl Activation {
    pub const ALL: [Activation; 4] = [
        Activation::Silu,
        Activation::Softplus,
        Activation::Tanh,
        Activation::Elu,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Activation::Silu => "silu",
            Activation::Softplus => "softplus",
            Activation::Tanh => "tanh",
            Activation::Elu => "elu",
        }
    }

    pub fn parse(name: &str) -> Result<Activation, String> {
        Activation::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| format!("unknown activation '{name}'; known: silu, softplus, tanh, elu"))
    }

    /// `f(z)`.
    #[inline(always)]
    pub fn f<T: Real>(&self, z: T) -> T {
        match self {
            Activation::Silu => z * sigmoid(z),
            Activation::Softplus => {
                // log(1 + e^z) = max(z, 0) + log(1 + e^-|z|), stable for large |z|.
                z.max(T::zero()) + (-z.abs()).exp().ln_1p()
            }
            Activation::Tanh => tanh(z),
            Activation::Elu => {
                if z > T::zero() {
                    z
                } else {
                    z.exp_m1()
                }
            }
        }
    }

    /// `(f(z), f'(z))`.
    #[inline(always)]
    pub fn f_df<T: Real>(&self, z: T) -> (T, T) {
        let one = T::one();
        match self {
            Activation::Silu => {
                let s = sigmoid(z);
                (z * s, s * (one + z * (one - s)))
            }
            Activation::Softplus => (self.f(z), sigmoid(z)),
            Activation::Tanh => {
                let t = tanh(z);
                (t, one - t * t)
            }
            Activation::Elu => {
                if z > T::zero() {
                    (z, one)
                } else {
                    (z.exp_m1(), z.exp())
                }
            }
        }
    }

    /// `(f'(z), f''(z))`.
    #[inline(always)]
    pub fn df_d2f<T: Real>(&self, z: T) -> (T, T) {
        let one = T::one();
        let two = one + one;
        match self {
            Activation::Silu => {
                let s = sigmoid(z);
                (
                    s * (one + z * (one - s)),
                    s * (one - s) * (two + z * (one - two * s)),
                )
            }
            Activation::Softplus => {
                let s = sigmoid(z);
                (s, s * (one - s))
            }
            Activation::Tanh => {
                let t = tanh(z);
                let d = one - t * t;
                (d, -two * t * d)
            }
            Activation::Elu => {
                if z > T::zero() {
                    (one, T::zero())
                } else {
                    let e = z.exp();
                    (e, e)
                }
            }
        }
    }
}

/// `1 / (1 + e^-z)`, branch-free ([`Real::fast_exp`] saturates, so no overflow to NaN).
#[inline(always)]
pub fn sigmoid<T: Real>(z: T) -> T {
    T::one() / (T::one() + (-z).fast_exp())
}

/// `tanh z = 2 sigmoid(2 z) - 1`, branch-free.
#[inline(always)]
fn tanh<T: Real>(z: T) -> T {
    let two = T::one() + T::one();
    two * sigmoid(two * z) - T::one()
}

/// The bias-add fused into the activation kernels: `z[:, j] += b`, then `f` of it, one column
/// (`rows` entries) at a time, so each value is touched once.
impl Activation {
    /// `z += b` (per column), `h = f(z)` (the forward pass of inference).
    pub fn apply<T: Real>(&self, z: &mut [T], b: &[T], rows: usize, h: &mut [T]) {
        self.columns(z, b, rows, h, None, None);
    }

    #[inline(always)]
    fn apply_columns<T: Real>(&self, z: &mut [T], b: &[T], rows: usize, h: &mut [T]) {
        for (zc, hc) in z.chunks_mut(rows).zip(h.chunks_mut(rows)) {
            match self {
                Activation::Silu => {
                    for ((z, h), b) in zc.iter_mut().zip(hc).zip(b) {
                        *z += *b;
                        *h = *z * sigmoid(*z);
                    }
                }
                Activation::Tanh => {
                    for ((z, h), b) in zc.iter_mut().zip(hc).zip(b) {
                        *z += *b;
                        *h = tanh(*z);
                    }
                }
                _ => {
                    for ((z, h), b) in zc.iter_mut().zip(hc).zip(b) {
                        *z += *b;
                        *h = self.f(*z);
                    }
                }
            }
        }
    }

    /// `z += b`, `h = f(z)`, `df = f'(z)` (the forward pass of training).
    pub fn apply_df<T: Real>(&self, z: &mut [T], b: &[T], rows: usize, h: &mut [T], df: &mut [T]) {
        self.columns(z, b, rows, h, Some(df), None);
    }

    #[inline(always)]
    fn apply_df_columns<T: Real>(
        &self,
        z: &mut [T],
        b: &[T],
        rows: usize,
        h: &mut [T],
        df: &mut [T],
    ) {
        let one = T::one();
        let columns = z
            .chunks_mut(rows)
            .zip(h.chunks_mut(rows))
            .zip(df.chunks_mut(rows));
        for ((zc, hc), dc) in columns {
            match self {
                Activation::Silu => {
                    for (((z, h), d), b) in zc.iter_mut().zip(hc).zip(dc).zip(b) {
                        *z += *b;
                        let s = sigmoid(*z);
                        *h = *z * s;
                        *d = s * (one + *z * (one - s));
                    }
                }
                Activation::Tanh => {
                    for (((z, h), d), b) in zc.iter_mut().zip(hc).zip(dc).zip(b) {
                        *z += *b;
                        let t = tanh(*z);
                        *h = t;
                        *d = one - t * t;
                    }
                }
                _ => {
                    for (((z, h), d), b) in zc.iter_mut().zip(hc).zip(dc).zip(b) {
                        *z += *b;
                        (*h, *d) = self.f_df(*z);
                    }
                }
            }
        }
    }

    /// `z += b`, `h = f(z)`, `df = f'(z)`, `d2f = f''(z)` (training with tangents).
    pub fn apply_df_d2f<T: Real>(
        &self,
        z: &mut [T],
        b: &[T],
        rows: usize,
        h: &mut [T],
        df: &mut [T],
        d2f: &mut [T],
    ) {
        self.columns(z, b, rows, h, Some(df), Some(d2f));
    }

    /// Runs the [`Columns`] kernel compiled for the CPU's vector instructions.
    fn columns<T: Real>(
        &self,
        z: &mut [T],
        b: &[T],
        rows: usize,
        h: &mut [T],
        df: Option<&mut [T]>,
        d2f: Option<&mut [T]>,
    ) {
        crate::simd::vectorized(Columns {
            act: *self,
            z,
            b,
            rows,
            h,
            df,
            d2f,
        });
    }

    /// `d2f = f''(z)`, the activation matched once outside the loop (matched per element, the
    /// loop stays scalar).
    #[inline(always)]
    fn d2f_columns<T: Real>(&self, z: &[T], d2f: &mut [T]) {
        let one = T::one();
        let two = one + one;
        match self {
            Activation::Tanh => {
                for (d2, z) in d2f.iter_mut().zip(z) {
                    let t = tanh(*z);
                    *d2 = -two * t * (one - t * t);
                }
            }
            _ => {
                for (d2, z) in d2f.iter_mut().zip(z) {
                    *d2 = self.df_d2f(*z).1;
                }
            }
        }
    }
}

/// SiLU's `z += b`, `h`, `f'` and `f''` in one loop, sharing one sigmoid per entry (the
/// formulas of [`Activation::f_df`] and [`Activation::df_d2f`], so the same bits).
#[inline(always)]
fn silu_df_d2f_columns<T: Real>(
    z: &mut [T],
    b: &[T],
    rows: usize,
    h: &mut [T],
    df: &mut [T],
    d2f: &mut [T],
) {
    let one = T::one();
    let two = one + one;
    let columns = z
        .chunks_mut(rows)
        .zip(h.chunks_mut(rows))
        .zip(df.chunks_mut(rows))
        .zip(d2f.chunks_mut(rows));
    for (((zc, hc), dc), d2c) in columns {
        for ((((z, h), d), d2), b) in zc.iter_mut().zip(hc).zip(dc).zip(d2c).zip(b) {
            *z += *b;
            let s = sigmoid(*z);
            *h = *z * s;
            *d = s * (one + *z * (one - s));
            *d2 = s * (one - s) * (two + *z * (one - two * s));
        }
    }
}

/// One of the bias-and-activation kernels, run compiled for the CPU's vector instructions
/// ([`crate::simd`]): `h` always, `f'` into `df` and `f''` into `d2f` when given.
struct Columns<'a, T> {
    act: Activation,
    z: &'a mut [T],
    b: &'a [T],
    rows: usize,
    h: &'a mut [T],
    df: Option<&'a mut [T]>,
    d2f: Option<&'a mut [T]>,
}

impl<T: Real> crate::simd::Kernel for Columns<'_, T> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let Columns {
            act,
            z,
            b,
            rows,
            h,
            df,
            d2f,
        } = self;
        match (df, d2f) {
            (None, _) => act.apply_columns(z, b, rows, h),
            (Some(df), None) => act.apply_df_columns(z, b, rows, h, df),
            (Some(df), Some(d2f)) if act == Activation::Silu => {
                silu_df_d2f_columns(z, b, rows, h, df, d2f)
            }
            (Some(df), Some(d2f)) => {
                act.apply_df_columns(z, b, rows, h, df);
                act.d2f_columns(z, d2f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivatives_match_finite_differences() {
        let h = 1e-6;
        for act in Activation::ALL {
            for &z in &[-6.0, -2.0, -0.5, -1e-3, 0.3, 1.0, 4.0, 30.0] {
                let (f, df) = act.f_df::<f64>(z);
                let (df2, d2f) = act.df_d2f::<f64>(z);
                assert!((f - act.f(z)).abs() < 1e-12);
                assert!((df - df2).abs() < 1e-12);
                let fd1 = (act.f(z + h) - act.f(z - h)) / (2.0 * h);
                let fd2 = (act.f_df(z + h).1 - act.f_df(z - h).1) / (2.0 * h);
                assert!((df - fd1).abs() < 1e-6, "{act:?} f' at {z}: {df} vs {fd1}");
                assert!(
                    (d2f - fd2).abs() < 1e-6,
                    "{act:?} f'' at {z}: {d2f} vs {fd2}"
                );
            }
        }
    }

    /// The column kernels give the scalar formulas' bits for every activation (f32, odd sizes,
    /// a bias per row).
    #[test]
    fn kernels_match_the_scalar_formulas() {
        let (rows, cols) = (7, 5);
        let z0: Vec<f32> = (0..rows * cols).map(|i| (i as f32 - 17.0) * 0.37).collect();
        let b: Vec<f32> = (0..rows).map(|r| r as f32 * 0.1 - 0.3).collect();
        for act in Activation::ALL {
            let n = rows * cols;
            let (mut z, mut h, mut df, mut d2f) =
                (z0.clone(), vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            act.apply_df_d2f(&mut z, &b, rows, &mut h, &mut df, &mut d2f);
            let (mut z1, mut h1) = (z0.clone(), vec![0.0; n]);
            act.apply(&mut z1, &b, rows, &mut h1);
            for i in 0..n {
                let zi = z0[i] + b[i % rows];
                assert_eq!(z[i], zi, "{act:?} z");
                assert_eq!((h[i], df[i]), act.f_df(zi), "{act:?} f, f' at {zi}");
                assert_eq!(d2f[i], act.df_d2f(zi).1, "{act:?} f'' at {zi}");
                assert_eq!(h1[i], act.f(zi), "{act:?} f at {zi}");
            }
        }
    }

    #[test]
    fn softplus_is_finite_for_large_inputs() {
        assert_eq!(Activation::Softplus.f(1000.0f64), 1000.0);
        assert!(Activation::Softplus.f(-1000.0f64) >= 0.0);
    }
}
