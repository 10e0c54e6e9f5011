//! Gradient ascent, Langevin and annealed Langevin (MATH §4.1, §4.2, §4.4).
//!
//! Step convention (NCSN, MATH §1): `x <- x + (eps/2) s(x) + sqrt(eps) z`; the physics form
//! `x <- x + eta s(x) + sqrt(2 eta) z` is the same with `eta = eps/2`.

use super::op::Op;
use super::op_list::OpList;
use crate::dist::{NoiseLevel, SigmaSchedule};
use crate::geom::Point;

/// MATH §4.1: `x + (eps/2) s`.
#[inline]
pub fn ascent_step(x: Point, s: Point, eps: f64) -> Point {
    x + s * (0.5 * eps)
}

/// MATH §4.2: `x + (eps/2) s + sqrt(eps) z`.
#[inline]
pub fn langevin_step(x: Point, s: Point, eps: f64, z: Point) -> Point {
    x + s * (0.5 * eps) + z * eps.sqrt()
}

/// `n_steps` steps of gradient ascent at one level.
pub fn ascent_ops(eps: f64, level: NoiseLevel, n_steps: usize) -> OpList {
    repeated(Op::Ascent { eps, level }, n_steps)
}

/// `n_steps` Langevin steps at one level.
pub fn langevin_ops(eps: f64, level: NoiseLevel, n_steps: usize) -> OpList {
    repeated(Op::Langevin { eps, level }, n_steps)
}

/// The per-level step of annealed Langevin: `alpha_i = eps sigma_i^2 / sigma_min^2` (MATH §4.4).
pub fn annealed_step_size(eps: f64, sigma: f64, sigma_min: f64) -> f64 {
    eps * sigma * sigma / (sigma_min * sigma_min)
}

/// MATH §4.4 (NCSN Algorithm 1): for each level, `steps_per_level` Langevin steps with `alpha_i`.
pub fn annealed_ops(eps: f64, schedule: &SigmaSchedule, steps_per_level: usize) -> OpList {
    let sigma_min = schedule.sigma_min();
    let mut ops = OpList::new();
    for &sigma in schedule.sigmas() {
        let alpha = annealed_step_size(eps, sigma, sigma_min);
        let level = NoiseLevel::Ve { sigma };
        ops.push_n(Op::Langevin { eps: alpha, level }, steps_per_level);
    }
    ops
}

/// `n` copies of one step, stored once.
pub fn repeated(op: Op, n: usize) -> OpList {
    let mut ops = OpList::new();
    ops.push_n(op, n);
    ops
}
