//! The VE SDE and its probability-flow ODE (MATH §4.6, §4.7).
//!
//! `sigma(t) = sigma_min (sigma_max / sigma_min)^t`, `t in [0, 1]`, and
//! `g(t)^2 = d sigma^2(t) / dt = 2 sigma(t)^2 log(sigma_max / sigma_min)`.
//! Reverse time runs from `t = 1` to `t = 0` in `N` steps of `|dt| = 1/N`:
//! - Euler-Maruyama: `x <- x + g^2 s(x, sigma(t)) |dt| + g sqrt(|dt|) z`;
//! - PF-ODE: `dx/dt = -1/2 g^2 s(x, sigma(t))`, so a reverse Euler step is
//!   `x <- x + 1/2 g^2 s |dt|`; Heun averages the slopes at `t` and `t - |dt|`. Deterministic.

use super::op::{Op, Scratch, StepCtx, commit};
use crate::dist::NoiseLevel;
use crate::geom::Point;

/// The VE SDE's noise schedule on `t in [0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VeSchedule {
    pub sigma_min: f64,
    pub sigma_max: f64,
}

impl VeSchedule {
    pub fn sigma(&self, t: f64) -> f64 {
        self.sigma_min * (self.sigma_max / self.sigma_min).powf(t)
    }

    /// `g(t)^2 = 2 sigma(t)^2 log(sigma_max / sigma_min)`.
    pub fn g2(&self, t: f64) -> f64 {
        let s = self.sigma(t);
        2.0 * s * s * (self.sigma_max / self.sigma_min).ln()
    }

    /// Times `t_n = 1 - n/N`, n = 0..N-1, of the reverse steps.
    fn times(&self, n_steps: usize) -> impl Iterator<Item = (f64, f64)> + '_ {
        let dt = 1.0 / n_steps as f64;
        (0..n_steps).map(move |n| (1.0 - n as f64 * dt, dt))
    }

    pub fn reverse_sde_ops(&self, n_steps: usize) -> Vec<Op> {
        self.times(n_steps)
            .map(|(t, dt)| Op::VeSde {
                sigma: self.sigma(t),
                g2_dt: self.g2(t) * dt,
            })
            .collect()
    }

    pub fn pf_ode_euler_ops(&self, n_steps: usize) -> Vec<Op> {
        self.times(n_steps)
            .map(|(t, dt)| Op::PfOdeEuler {
                sigma: self.sigma(t),
                g2_dt: self.g2(t) * dt,
            })
            .collect()
    }

    pub fn pf_ode_heun_ops(&self, n_steps: usize) -> Vec<Op> {
        self.times(n_steps)
            .map(|(t, dt)| Op::PfOdeHeun {
                sigma: self.sigma(t),
                g2_dt: self.g2(t) * dt,
                sigma_next: self.sigma(t - dt),
                g2_dt_next: self.g2(t - dt) * dt,
            })
            .collect()
    }
}

/// MATH §4.6: `x + g^2 |dt| s + sqrt(g^2 |dt|) z`.
#[inline]
pub fn reverse_sde_step(x: Point, s: Point, g2_dt: f64, z: Point) -> Point {
    x + s * g2_dt + z * g2_dt.sqrt()
}

/// MATH §4.7 (Euler): `x + 1/2 g^2 |dt| s`.
#[inline]
pub fn pf_ode_euler_step(x: Point, s: Point, g2_dt: f64) -> Point {
    x + s * (0.5 * g2_dt)
}

/// MATH §4.7 (Heun): predictor `x' = x + 1/2 g^2(t) |dt| s(x, sigma(t))`, then
/// `x <- x + 1/2 (1/2 g^2(t) |dt| s(x) + 1/2 g^2(t - dt) |dt| s(x', sigma(t - dt)))`.
pub fn apply_heun(
    xs: &mut [Point],
    alive: &mut [bool],
    scratch: &mut Scratch,
    ctx: &StepCtx,
    sigmas: [f64; 2],
    g2_dts: [f64; 2],
) -> u64 {
    let n = xs.len();
    let src = ctx.source;
    src.score_batch(
        NoiseLevel::Ve { sigma: sigmas[0] },
        xs,
        &mut scratch.scores[..n],
    );
    for (y, (x, s)) in scratch.points_b[..n]
        .iter_mut()
        .zip(xs.iter().zip(&scratch.scores))
    {
        *y = pf_ode_euler_step(*x, *s, g2_dts[0]);
    }
    let level_next = NoiseLevel::Ve { sigma: sigmas[1] };
    src.score_batch(
        level_next,
        &scratch.points_b[..n],
        &mut scratch.scores_b[..n],
    );
    for j in 0..n {
        if alive[j] {
            let slope =
                scratch.scores[j] * (0.5 * g2_dts[0]) + scratch.scores_b[j] * (0.5 * g2_dts[1]);
            let new = xs[j] + slope * 0.5;
            commit(&mut xs[j], &mut alive[j], new, ctx.escape);
        }
    }
    2 * n as u64
}
