//! Predictor-corrector sampling (MATH §4.9).
//!
//! Predictor: a reverse VE SDE step (MATH §4.6) or a DDPM step (MATH §4.8). Corrector: a
//! Langevin step in the physics form `x <- x + eta s + sqrt(2 eta) z` with
//! `eta = 2 abar (snr ||z|| / ||s||)^2` (`abar = 1` for VE), where the norms are averaged over
//! the live particles of the chunk (the chunks have a fixed size, so this does not depend on
//! threads).

use super::op::{Op, Scratch, StepCtx, commit};
use crate::dist::NoiseLevel;
use crate::geom::Point;

/// Interleaves each predictor step with `n_correct` corrector steps at the level it arrives at.
pub fn pc_ops(
    predictors: Vec<Op>,
    arrival_levels: &[NoiseLevel],
    n_correct: usize,
    snr: f64,
) -> Vec<Op> {
    let mut ops = Vec::with_capacity(predictors.len() * (1 + n_correct));
    for (p, level) in predictors.into_iter().zip(arrival_levels) {
        ops.push(p);
        ops.extend(std::iter::repeat_n(
            Op::Corrector { level: *level, snr },
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
    let abar = match level {
        NoiseLevel::Ve { .. } => 1.0,
        NoiseLevel::Vp { abar } => abar,
    };
    let ratio = snr * z_norm / s_norm;
    let eta = 2.0 * abar * ratio * ratio;
    for j in 0..n {
        if alive[j] {
            let new = xs[j] + scratch.scores[j] * eta + scratch.points_b[j] * (2.0 * eta).sqrt();
            commit(&mut xs[j], &mut alive[j], new, ctx.escape);
        }
    }
    n as u64
}
