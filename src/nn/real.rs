//! The scalar type of the network: `f32` to train fast, `f64` for gradient checks.

use nalgebra::RealField;

/// True when every value is finite: `sum(v * 0)` is NaN iff some `v` is NaN or infinite. The
/// sum runs in 16 independent lanes so it vectorises (a single float accumulator cannot be
/// reordered, and an early-exit scan cannot be vectorised either).
pub fn all_finite<T: Real>(values: &[T]) -> bool {
    let mut lanes = [T::zero(); 16];
    let chunks = values.chunks_exact(16);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (l, v) in lanes.iter_mut().zip(chunk) {
            *l += *v * T::zero();
        }
    }
    let rest = tail.iter().fold(T::zero(), |acc, v| acc + *v * T::zero());
    lanes.iter().fold(rest, |acc, l| acc + *l) == T::zero()
}

pub trait Real: RealField + Copy + Send + Sync + 'static {
    fn of(v: f64) -> Self;
    fn f64(self) -> f64;
    /// `e^x` for the activation kernels: branch-free so loops over slices vectorise. For `f32`
    /// a range reduction and a degree-6 polynomial (relative error below 2e-7, i.e. about one
    /// ulp of `f32`); for `f64` the exact `exp`. Saturates to `0` and `f32::MAX`-ish outside
    /// `[-87, 88]` instead of producing infinities.
    fn fast_exp(self) -> Self;
}

impl Real for f32 {
    #[inline(always)]
    fn of(v: f64) -> f32 {
        v as f32
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn fast_exp(self) -> f32 {
        exp_f32(self)
    }
}

impl Real for f64 {
    #[inline(always)]
    fn of(v: f64) -> f64 {
        v
    }
    #[inline(always)]
    fn f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn fast_exp(self) -> f64 {
        self.exp()
    }
}

/// `e^x = 2^n e^r` with `n = round(x / ln 2)`, `|r| <= ln 2 / 2`; `e^r` by its Taylor
/// polynomial to degree 6 (truncation error `r^7/7! < 1.2e-7` relative). Adding `1.5 * 2^23`
/// rounds `x / ln 2` to an integer that then sits in the low mantissa bits, so `2^n` is built with
/// bit operations alone (no float-to-int cast, which would stop the loop from vectorising).
#[inline(always)]
pub fn exp_f32(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in a part exact in f32 and a correction (Cody-Waite).
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    const ROUND: f32 = 12_582_912.0;
    const ROUND_BITS: u32 = 0x4B40_0000;
    let x = x.clamp(-87.0, 88.0);
    let shifted = x * LOG2E + ROUND;
    let n = shifted - ROUND;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let pow2 = shifted.to_bits().wrapping_sub(ROUND_BITS).wrapping_add(127) << 23;
    p * f32::from_bits(pow2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_finite_finds_any_bad_value() {
        let mut v = vec![1.0f32; 37];
        assert!(all_finite(&v));
        for i in [0, 15, 16, 36] {
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                v[i] = bad;
                assert!(!all_finite(&v), "missed {bad} at {i}");
                v[i] = 1.0;
            }
        }
    }

    #[test]
    fn fast_exp_matches_exp_in_f32() {
        let mut worst = 0.0f64;
        let mut x = -87.0f32;
        while x < 88.0 {
            let (got, want) = (exp_f32(x) as f64, (x as f64).exp());
            worst = worst.max(((got - want) / want).abs());
            x += 0.0137;
        }
        assert!(worst < 3e-7, "worst relative error {worst}");
        assert_eq!(exp_f32(-1000.0), exp_f32(-87.0));
        assert!(exp_f32(1000.0).is_finite());
        assert!(exp_f32(f32::NEG_INFINITY) >= 0.0);
    }
}
