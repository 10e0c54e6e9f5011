//! VP SDE samplers: DDPM ancestral and DDIM (MATH §4.8), on a strided subsequence of the DDPM
//! time steps `T = t_1 > t_2 > ... > t_N`, `t_{N+1} = 0`.
//!
//! With `abar = abar_{t}`, `abar_prev = abar_{t_next}` and the effective
//! `beta = 1 - abar / abar_prev` (the usual beta_t when every step is taken), the noise
//! prediction is `eps = -sqrt(1 - abar) s(x, abar)` (MATH §3.6), and
//! - DDPM: `x <- (x - beta / sqrt(1 - abar) eps) / sqrt(1 - beta) + sqrt(beta) z`
//!   `= (x + beta s) / sqrt(1 - beta) + sqrt(beta) z` (no noise on the last step);
//! - DDIM (eta = 0): `x0 = (x - sqrt(1 - abar) eps) / sqrt(abar)` (Tweedie, MATH §5),
//!   `x <- sqrt(abar_prev) x0 + sqrt(1 - abar_prev) eps`.

use super::op::Op;
use crate::dist::DdpmSchedule;
use crate::geom::Point;

/// MATH §4.8, DDPM ancestral, written with the score.
#[inline]
pub fn ddpm_step(x: Point, s: Point, abar: f64, abar_prev: f64, z: Point) -> Point {
    let beta = 1.0 - abar / abar_prev;
    (x + s * beta) / (1.0 - beta).sqrt() + z * beta.sqrt()
}

/// MATH §4.8, DDIM with eta = 0.
#[inline]
pub fn ddim_step(x: Point, s: Point, abar: f64, abar_prev: f64) -> Point {
    let eps = -s * (1.0 - abar).sqrt();
    let x0 = (x - eps * (1.0 - abar).sqrt()) / abar.sqrt();
    x0 * abar_prev.sqrt() + eps * (1.0 - abar_prev).sqrt()
}

/// The `n_steps` time steps `t_1 = T > ... > t_N >= 1`, evenly strided, then 0.
pub fn time_steps(schedule: &DdpmSchedule, n_steps: usize) -> Vec<usize> {
    let t_max = schedule.n_steps();
    let n = n_steps.clamp(1, t_max);
    let mut ts: Vec<usize> = (0..n).map(|i| t_max - (i * t_max) / n).collect();
    ts.dedup();
    ts.push(0);
    ts
}

/// `(abar_t, abar_t_next)` for each step of the strided sequence.
fn pairs(schedule: &DdpmSchedule, n_steps: usize) -> Vec<(f64, f64)> {
    time_steps(schedule, n_steps)
        .windows(2)
        .map(|w| (schedule.abar(w[0]), schedule.abar(w[1])))
        .collect()
}

pub fn ddpm_ops(schedule: &DdpmSchedule, n_steps: usize) -> Vec<Op> {
    let pairs = pairs(schedule, n_steps);
    let last = pairs.len() - 1;
    pairs
        .into_iter()
        .enumerate()
        .map(|(i, (abar, abar_prev))| Op::DdpmAncestral {
            abar,
            abar_prev,
            add_noise: i != last,
        })
        .collect()
}

pub fn ddim_ops(schedule: &DdpmSchedule, n_steps: usize) -> Vec<Op> {
    pairs(schedule, n_steps)
        .into_iter()
        .map(|(abar, abar_prev)| Op::Ddim { abar, abar_prev })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strided_steps_cover_t_down_to_zero() {
        let s = DdpmSchedule::default_linear();
        assert_eq!(time_steps(&s, 1000).len(), 1001);
        let ts = time_steps(&s, 4);
        assert_eq!(ts, vec![1000, 750, 500, 250, 0]);
    }
}
