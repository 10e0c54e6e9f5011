//! One step of a sampler, applied to a chunk of particles.
//!
//! Each variant carries everything its update needs; the math lives in the family files
//! (`langevin.rs`, `mala.rs`, `smld.rs`, `ve_sde.rs`, `vp.rs`, `pc.rs`). A particle whose update
//! is non-finite or leaves the escape box is marked diverged and keeps its last position: no NaN
//! ever propagates.

use super::source::ScoreSource;
use crate::dist::NoiseLevel;
use crate::geom::{Point, is_finite};
use crate::noise::step_gaussian;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// MATH §4.1: `x <- x + (eps/2) s(x, level)`.
    Ascent { eps: f64, level: NoiseLevel },
    /// MATH §4.2, §4.4: `x <- x + (eps/2) s(x, level) + sqrt(eps) z`.
    Langevin { eps: f64, level: NoiseLevel },
    /// MATH §4.3: a Langevin proposal with a Metropolis-Hastings test.
    Mala { eps: f64, level: NoiseLevel },
    /// MATH §4.5: SMLD ancestral step from `sigma` to `sigma_next`.
    Smld { sigma: f64, sigma_next: f64 },
    /// MATH §4.6: reverse VE SDE, `x <- x + g^2 s(x, sigma) |dt| + g sqrt(|dt|) z`;
    /// `g2_dt = g(t)^2 |dt|`.
    VeSde { sigma: f64, g2_dt: f64 },
    /// MATH §4.7 (Euler): `x <- x + 1/2 g^2 s(x, sigma) |dt|`.
    PfOdeEuler { sigma: f64, g2_dt: f64 },
    /// MATH §4.7 (Heun): Euler predictor to `sigma_next`, then the trapezoid.
    PfOdeHeun {
        sigma: f64,
        g2_dt: f64,
        sigma_next: f64,
        g2_dt_next: f64,
    },
    /// MATH §4.8: DDPM ancestral step from `abar` to `abar_prev` with noise of standard
    /// deviation `noise_std` (0 on the last step).
    DdpmAncestral {
        abar: f64,
        abar_prev: f64,
        noise_std: f64,
    },
    /// MATH §4.8: DDIM from `abar` to `abar_prev` with noise `sigma_eta` (0 for eta = 0).
    Ddim {
        abar: f64,
        abar_prev: f64,
        sigma_eta: f64,
    },
    /// MATH §4.9: one corrector (Langevin) step at `level`, step set by the signal-to-noise ratio
    /// and the factor `alpha` (1 for VE; `abar` or `1 - beta` for VP, see `pc.rs`).
    Corrector {
        level: NoiseLevel,
        snr: f64,
        alpha: f64,
    },
    /// MATH §5: a final denoising step to Tweedie's estimate `E[x_0 | x]` at `level`.
    Denoise { level: NoiseLevel },
}

/// Which random draws a step makes (for `sample --noise-out`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoiseUse {
    None,
    /// The Gaussian `z` of lane [`crate::noise::LANE_GAUSSIAN`].
    Gaussian,
    /// `z` and the accept test's uniform of lane [`crate::noise::LANE_ACCEPT`] (MALA).
    GaussianAndUniform,
}

/// MATH §5, Tweedie's formula: VE `x + sigma^2 s`, VP `(x + (1 - abar) s) / sqrt(abar)`.
#[inline]
pub fn tweedie(x: Point, s: Point, level: NoiseLevel) -> Point {
    (x + s * level.noise_var()) / level.scale()
}

/// Per-step context shared by a chunk.
pub struct StepCtx<'a> {
    pub source: &'a dyn ScoreSource,
    pub seed: u64,
    /// Global step index (the op's index in the plan): the noise key.
    pub step: u64,
    /// Global index of the chunk's first particle.
    pub first_particle: u64,
    /// Half-width of the box `[-escape, escape]^2` outside which a particle counts as diverged.
    pub escape: f64,
}

impl StepCtx<'_> {
    /// The Gaussian increment `z` of the chunk's particle `j` at this step.
    #[inline]
    pub fn gaussian(&self, j: usize) -> Point {
        step_gaussian(self.seed, self.first_particle + j as u64, self.step)
    }
}

/// Scratch buffers, one set per chunk.
#[derive(Default)]
pub struct Scratch {
    pub scores: Vec<Point>,
    pub scores_b: Vec<Point>,
    pub points_b: Vec<Point>,
    pub log_q: Vec<f64>,
    pub log_q_b: Vec<f64>,
}

impl Scratch {
    pub fn sized(n: usize) -> Scratch {
        Scratch {
            scores: vec![Point::zeros(); n],
            scores_b: vec![Point::zeros(); n],
            points_b: vec![Point::zeros(); n],
            log_q: vec![0.0; n],
            log_q_b: vec![0.0; n],
        }
    }
}

/// Accepts `new` as particle `x`'s position unless it is non-finite or out of the box; then the
/// particle is marked diverged and keeps its position.
#[inline]
pub fn commit(x: &mut Point, alive: &mut bool, new: Point, escape: f64) {
    if is_finite(&new) && new.x.abs() <= escape && new.y.abs() <= escape {
        *x = new;
    } else {
        *alive = false;
    }
}

/// The common step shape: scores of the chunk at `level`, then `x <- update(j, x, s)` for each
/// live particle. Returns the number of score evaluations.
#[inline]
pub fn score_then_update<F>(
    xs: &mut [Point],
    alive: &mut [bool],
    scratch: &mut Scratch,
    ctx: &StepCtx,
    level: NoiseLevel,
    update: F,
) -> u64
where
    F: Fn(usize, Point, Point) -> Point,
{
    let n = xs.len();
    ctx.source.score_batch(level, xs, &mut scratch.scores[..n]);
    for j in 0..n {
        if alive[j] {
            let new = update(j, xs[j], scratch.scores[j]);
            commit(&mut xs[j], &mut alive[j], new, ctx.escape);
        }
    }
    n as u64
}

impl Op {
    /// Applies the step to a chunk; returns the number of score evaluations it made.
    pub fn apply(
        &self,
        xs: &mut [Point],
        alive: &mut [bool],
        scratch: &mut Scratch,
        ctx: &StepCtx,
    ) -> u64 {
        use super::{langevin, mala, pc, smld, ve_sde, vp};
        match *self {
            Op::Ascent { eps, level } => {
                score_then_update(xs, alive, scratch, ctx, level, |_, x, s| {
                    langevin::ascent_step(x, s, eps)
                })
            }
            Op::Langevin { eps, level } => {
                score_then_update(xs, alive, scratch, ctx, level, |j, x, s| {
                    langevin::langevin_step(x, s, eps, ctx.gaussian(j))
                })
            }
            Op::Mala { eps, level } => mala::apply(xs, alive, scratch, ctx, eps, level),
            Op::Smld { sigma, sigma_next } => {
                let level = NoiseLevel::Ve { sigma };
                score_then_update(xs, alive, scratch, ctx, level, |j, x, s| {
                    smld::smld_step(x, s, sigma, sigma_next, ctx.gaussian(j))
                })
            }
            Op::VeSde { sigma, g2_dt } => {
                let level = NoiseLevel::Ve { sigma };
                score_then_update(xs, alive, scratch, ctx, level, |j, x, s| {
                    ve_sde::reverse_sde_step(x, s, g2_dt, ctx.gaussian(j))
                })
            }
            Op::PfOdeEuler { sigma, g2_dt } => {
                let level = NoiseLevel::Ve { sigma };
                score_then_update(xs, alive, scratch, ctx, level, |_, x, s| {
                    ve_sde::pf_ode_euler_step(x, s, g2_dt)
                })
            }
            Op::PfOdeHeun {
                sigma,
                g2_dt,
                sigma_next,
                g2_dt_next,
            } => ve_sde::apply_heun(
                xs,
                alive,
                scratch,
                ctx,
                [sigma, sigma_next],
                [g2_dt, g2_dt_next],
            ),
            Op::DdpmAncestral {
                abar,
                abar_prev,
                noise_std,
            } => {
                let level = NoiseLevel::Vp { abar };
                score_then_update(xs, alive, scratch, ctx, level, |j, x, s| {
                    let noise = if noise_std > 0.0 {
                        ctx.gaussian(j) * noise_std
                    } else {
                        Point::zeros()
                    };
                    vp::ddpm_step(x, s, abar, abar_prev, noise)
                })
            }
            Op::Ddim {
                abar,
                abar_prev,
                sigma_eta,
            } => {
                let level = NoiseLevel::Vp { abar };
                score_then_update(xs, alive, scratch, ctx, level, |j, x, s| {
                    let z = if sigma_eta > 0.0 {
                        ctx.gaussian(j)
                    } else {
                        Point::zeros()
                    };
                    vp::ddim_step(x, s, abar, abar_prev, sigma_eta, z)
                })
            }
            Op::Corrector { level, snr, alpha } => {
                pc::apply_corrector(xs, alive, scratch, ctx, level, snr, alpha)
            }
            Op::Denoise { level } => {
                score_then_update(xs, alive, scratch, ctx, level, |_, x, s| {
                    tweedie(x, s, level)
                })
            }
        }
    }

    /// The random draws the step makes.
    pub fn noise_use(&self) -> NoiseUse {
        match *self {
            Op::Ascent { .. }
            | Op::PfOdeEuler { .. }
            | Op::PfOdeHeun { .. }
            | Op::Denoise { .. } => NoiseUse::None,
            Op::Mala { .. } => NoiseUse::GaussianAndUniform,
            Op::DdpmAncestral { noise_std, .. } if noise_std <= 0.0 => NoiseUse::None,
            Op::Ddim { sigma_eta, .. } if sigma_eta <= 0.0 => NoiseUse::None,
            Op::Langevin { .. }
            | Op::Smld { .. }
            | Op::VeSde { .. }
            | Op::DdpmAncestral { .. }
            | Op::Ddim { .. }
            | Op::Corrector { .. } => NoiseUse::Gaussian,
        }
    }

    /// The noise level the step evaluates the score at (for display).
    pub fn level(&self) -> NoiseLevel {
        match *self {
            Op::Ascent { level, .. } | Op::Langevin { level, .. } | Op::Mala { level, .. } => level,
            Op::Corrector { level, .. } | Op::Denoise { level } => level,
            Op::Smld { sigma, .. }
            | Op::VeSde { sigma, .. }
            | Op::PfOdeEuler { sigma, .. }
            | Op::PfOdeHeun { sigma, .. } => NoiseLevel::Ve { sigma },
            Op::DdpmAncestral { abar, .. } | Op::Ddim { abar, .. } => NoiseLevel::Vp { abar },
        }
    }
}
