//! Predictor-corrector sampling (MATH §4.9).
//!
//! Predictor: a reverse VE SDE step (MATH §4.6) or a DDPM step (MATH §4.8). Corrector: a
//! Langevin step in the physics form `x <- x + eta s + sqrt(2 eta) z` with
//! `eta = 2 alpha (snr ||z|| / ||s||)^2`, where the norms are averaged over the live particles of
//! the chunk (the chunks have a fixed size, so this does not depend on threads).
//!
//! `alpha = 1` for VE. For VP two rules are in use ([`CorrectorRule`]): the score-SDE paper's
//! Algorithm 5 writes `alpha_i = abar_i` (the default, MATH §4.9); its reference code uses
//! `alpha_i = 1 - beta_i` (`sde.alphas` there).

use super::op::{Op, Scratch, StepCtx, commit};
use crate::dist::NoiseLevel;
use crate::geom::Point;

/// The corrector's step factor `alpha` on the VP family.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CorrectorRule {
    /// `alpha = abar_t`: the paper's Algorithm 5.
    #[default]
    Abar,
    /// `alpha = 1 - beta_t`: the paper's reference code.
    OneMinusBeta,
}

impl CorrectorRule {
    pub fn parse(text: &str) -> Result<CorrectorRule, String> {
        match text {
            "abar" => Ok(CorrectorRule::Abar),
            "one-minus-beta" => Ok(CorrectorRule::OneMinusBeta),
            _ => Err(format!(
                "unknown corrector rule '{text}'; use abar or one-minus-beta"
            )),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            CorrectorRule::Abar => "abar",
            CorrectorRule::OneMinusBeta => "one-minus-beta",
        }
    }
}

/// Interleaves each predictor step with `n_correct` corrector steps at the level it arrives at;
/// `arrivals` gives that level and the corrector's `alpha` for each predictor.
pub fn pc_ops(
    predictors: Vec<Op>,
    arrivals: &[(NoiseLevel, f64)],
    n_correct: usize,
    snr: f64,
) -> Vec<Op> {
    let mut ops = Vec::with_capacity(predictors.len() * (1 + n_correct));
    for (p, &(level, alpha)) in predictors.into_iter().zip(arrivals) {
        ops.push(p);
        ops.extend(std::iter::repeat_n(
            Op::Corrector { level, snr, alpha },
            n_correct,
        ));
    }
    ops
}

/// One corrector step on a chunk.
pub fn apply_corrector(
    xs: &mut [Point],
    alive: &mut [bool],
    scratch: &mut Scratch,
    ctx: &StepCtx,
    level: NoiseLevel,
    snr: f64,
    alpha: f64,
) -> u64 {
    let n = xs.len();
    ctx.source.score_batch(level, xs, &mut scratch.scores[..n]);
    for j in 0..n {
        scratch.points_b[j] = ctx.gaussian(j);
    }
    let (mut z_norm, mut s_norm, mut live) = (0.0, 0.0, 0usize);
    for j in (0..n).filter(|&j| alive[j]) {
        z_norm += scratch.points_b[j].norm();
        s_norm += scratch.scores[j].norm();
        live += 1;
    }
    if live == 0 || s_norm <= 0.0 {
        return n as u64;
    }
    let ratio = snr * z_norm / s_norm;
    let eta = 2.0 * alpha * ratio * ratio;
    for j in 0..n {
        if alive[j] {
            let new = xs[j] + scratch.scores[j] * eta + scratch.points_b[j] * (2.0 * eta).sqrt();
            commit(&mut xs[j], &mut alive[j], new, ctx.escape);
        }
    }
    n as u64
}
