//! SMLD ancestral sampling (MATH §4.5).
//!
//! From level `sigma_i` to `sigma_{i+1} < sigma_i`:
//! `x <- x + (sigma_i^2 - sigma_{i+1}^2) s(x, sigma_i)
//!        + sqrt(sigma_{i+1}^2 (sigma_i^2 - sigma_{i+1}^2) / sigma_i^2) z`.

use super::op::Op;
use crate::dist::SigmaSchedule;
use crate::geom::Point;

#[inline]
pub fn smld_step(x: Point, s: Point, sigma: f64, sigma_next: f64, z: Point) -> Point {
    let (v, v_next) = (sigma * sigma, sigma_next * sigma_next);
    let dv = v - v_next;
    x + s * dv + z * (v_next * dv / v).sqrt()
}

/// One step per consecutive pair of levels: `L - 1` steps.
pub fn smld_ops(schedule: &SigmaSchedule) -> Vec<Op> {
    schedule
        .sigmas()
        .windows(2)
        .map(|w| Op::Smld {
            sigma: w[0],
            sigma_next: w[1],
        })
        .collect()
}
