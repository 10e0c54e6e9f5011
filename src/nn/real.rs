//! The scalar type of the network: `f32` to train fast, `f64` for gradient checks.

use nalgebra::RealField;

pub trait Real: RealField + Copy + Send + Sync + 'static {
    fn of(v: f64) -> Self;
    fn f64(self) -> f64;
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
}
