//! Metropolis-adjusted Langevin (MATH §4.3).
//!
//! Proposal `y = x + (eps/2) s(x) + sqrt(eps) z`, `log q(y | x) = -|y - x - (eps/2) s(x)|^2 / (2 eps)`.
//! Accept with probability `min(1, p(y) q(x | y) / (p(x) q(y | x)))`. Needs the density, so it runs
//! on sources that have one (mixtures, point sets). The accept test draws its uniform from its own
//! noise lane, so the proposal noise equals Langevin's (common random numbers).

use super::op::{Scratch, StepCtx, commit};
use crate::dist::NoiseLevel;
use crate::geom::Point;
use crate::noise::{LANE_ACCEPT, StreamRng};

/// `log q(to | from)` for the Langevin proposal, up to a constant.
#[inline]
fn log_proposal(to: Point, from: Point, s_from: Point, eps: f64) -> f64 {
    -(to - from - s_from * (0.5 * eps)).norm_squared() / (2.0 * eps)
}

/// One MALA step for a chunk; two score and two density evaluations per particle.
pub fn apply(
    xs: &mut [Point],
    alive: &mut [bool],
    scratch: &mut Scratch,
    ctx: &StepCtx,
    eps: f64,
    level: NoiseLevel,
) -> u64 {
    let n = xs.len();
    let src = ctx.source;
    src.score_batch(level, xs, &mut scratch.scores[..n]);
    for (j, (y, (x, s))) in scratch.points_b[..n]
        .iter_mut()
        .zip(xs.iter().zip(&scratch.scores))
        .enumerate()
    {
        *y = x + s * (0.5 * eps) + ctx.gaussian(j) * eps.sqrt();
    }
    src.score_batch(level, &scratch.points_b[..n], &mut scratch.scores_b[..n]);
    let has_density = src.log_density_batch(level, xs, &mut scratch.log_q[..n])
        && src.log_density_batch(level, &scratch.points_b[..n], &mut scratch.log_q_b[..n]);
    assert!(
        has_density,
        "MALA plans are only built for sources with a density"
    );
    for j in 0..n {
        if !alive[j] {
            continue;
        }
        let (x, y) = (xs[j], scratch.points_b[j]);
        let log_ratio = scratch.log_q_b[j] - scratch.log_q[j]
            + log_proposal(x, y, scratch.scores_b[j], eps)
            - log_proposal(y, x, scratch.scores[j], eps);
        let u = StreamRng::for_key(
            ctx.seed,
            ctx.first_particle + j as u64,
            ctx.step,
            LANE_ACCEPT,
        )
        .uniform();
        if log_ratio.is_nan() {
            alive[j] = false;
        } else if u.ln() < log_ratio {
            commit(&mut xs[j], &mut alive[j], y, ctx.escape);
        }
    }
    2 * n as u64
}
