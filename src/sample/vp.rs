//! VP SDE samplers: DDPM ancestral and DDIM (MATH §4.8), on a subsequence of the DDPM time
//! steps `t_1 > t_2 > ... > t_N >= 1`, `t_{N+1} = 0`, chosen by a [`TimestepSpacing`].
//!
//! With `abar = abar_{t}`, `abar_prev = abar_{t_next}` and the effective
//! `beta = 1 - abar / abar_prev` (the usual beta_t when every step is taken), the noise
//! prediction is `eps = -sqrt(1 - abar) s(x, abar)` (MATH §3.6), and
//! - DDPM: `x <- (x - beta / sqrt(1 - abar) eps) / sqrt(1 - beta) + sigma z`
//!   `= (x + beta s) / sqrt(1 - beta) + sigma z` (no noise on the last step), with the variance
//!   `sigma^2 = beta` ([`DdpmVariance::Beta`]) or the posterior variance
//!   `sigma^2 = beta (1 - abar_prev) / (1 - abar)` ([`DdpmVariance::Posterior`]);
//! - DDIM: `x0 = (x - sqrt(1 - abar) eps) / sqrt(abar)` (Tweedie, MATH §5),
//!   `x <- sqrt(abar_prev) x0 + sqrt(1 - abar_prev - sigma_eta^2) eps + sigma_eta z` with
//!   `sigma_eta = eta sqrt((1 - abar_prev) / (1 - abar)) sqrt(1 - abar / abar_prev)`;
//!   `eta = 0` is deterministic and `eta = 1` equals DDPM with the posterior variance.

use super::op::Op;
use crate::dist::DdpmSchedule;
use crate::geom::Point;
use serde::Serialize;

/// The variance of DDPM's ancestral noise (MATH §4.8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DdpmVariance {
    /// `sigma_t^2 = beta_t` (the "fixed large" choice of standard diffusion libraries).
    #[default]
    Beta,
    /// `sigma_t^2 = beta_t (1 - abar_{t-1}) / (1 - abar_t)`, the variance of `q(x_{t-1} | x_t,
    /// x_0)` (the "fixed small" choice).
    Posterior,
}

impl DdpmVariance {
    pub fn parse(text: &str) -> Result<DdpmVariance, String> {
        match text {
            "beta" => Ok(DdpmVariance::Beta),
            "posterior" => Ok(DdpmVariance::Posterior),
            _ => Err(format!("unknown variance '{text}'; use beta or posterior")),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            DdpmVariance::Beta => "beta",
            DdpmVariance::Posterior => "posterior",
        }
    }
}

/// How `N` of the `T` DDPM time steps are chosen (1-based `t`; a standard diffusion library's
/// 0-based timestep `k` is our `t = k + 1`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimestepSpacing {
    /// `t_i = 1 + (N - 1 - i) floor(T / N)`: starts below `T` unless `N = 1` or `N = T`.
    Leading,
    /// `t_i = round(T - i T / N)` (ties to even): starts at `T`. With `N` dividing `T` this is
    /// `T - i T / N`, the default.
    #[default]
    Trailing,
    /// `t_i = 1 + round((N - 1 - i) (T - 1) / (N - 1))`: `T` down to 1 evenly.
    Linspace,
}

impl TimestepSpacing {
    pub fn parse(text: &str) -> Result<TimestepSpacing, String> {
        match text {
            "leading" => Ok(TimestepSpacing::Leading),
            "trailing" => Ok(TimestepSpacing::Trailing),
            "linspace" => Ok(TimestepSpacing::Linspace),
            _ => Err(format!(
                "unknown spacing '{text}'; use leading, trailing or linspace"
            )),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            TimestepSpacing::Leading => "leading",
            TimestepSpacing::Trailing => "trailing",
            TimestepSpacing::Linspace => "linspace",
        }
    }
}

/// MATH §4.8, DDPM ancestral, written with the score; `z` is already scaled to the variance.
#[inline]
pub fn ddpm_step(x: Point, s: Point, abar: f64, abar_prev: f64, noise: Point) -> Point {
    let beta = 1.0 - abar / abar_prev;
    (x + s * beta) / (1.0 - beta).sqrt() + noise
}

/// The standard deviation of DDPM's noise from `abar` to `abar_prev`.
#[inline]
pub fn ddpm_noise_std(abar: f64, abar_prev: f64, variance: DdpmVariance) -> f64 {
    let beta = 1.0 - abar / abar_prev;
    match variance {
        DdpmVariance::Beta => beta.sqrt(),
        DdpmVariance::Posterior => (beta * (1.0 - abar_prev) / (1.0 - abar)).max(0.0).sqrt(),
    }
}

/// DDIM's `sigma_eta` from `abar` to `abar_prev`.
#[inline]
pub fn ddim_sigma(abar: f64, abar_prev: f64, eta: f64) -> f64 {
    let ratio = ((1.0 - abar_prev) / (1.0 - abar)).max(0.0);
    eta * (ratio * (1.0 - abar / abar_prev)).max(0.0).sqrt()
}

/// MATH §4.8, DDIM with `sigma_eta` (0 for the deterministic sampler) and the draw `z`.
#[inline]
pub fn ddim_step(x: Point, s: Point, abar: f64, abar_prev: f64, sigma_eta: f64, z: Point) -> Point {
    let eps = -s * (1.0 - abar).sqrt();
    let x0 = (x - eps * (1.0 - abar).sqrt()) / abar.sqrt();
    let eps_coef = (1.0 - abar_prev - sigma_eta * sigma_eta).max(0.0).sqrt();
    x0 * abar_prev.sqrt() + eps * eps_coef + z * sigma_eta
}

/// The time steps `t_1 > ... > t_N >= 1` chosen by `spacing`, then 0.
pub fn time_steps(schedule: &DdpmSchedule, n_steps: usize, spacing: TimestepSpacing) -> Vec<usize> {
    let t_max = schedule.n_steps();
    let n = n_steps.clamp(1, t_max);
    let mut ts: Vec<usize> = (0..n)
        .map(|i| match spacing {
            TimestepSpacing::Leading => 1 + (n - 1 - i) * (t_max / n),
            TimestepSpacing::Trailing => {
                let t = t_max as f64 - i as f64 * (t_max as f64 / n as f64);
                (t.round_ties_even() as usize).clamp(1, t_max)
            }
            TimestepSpacing::Linspace if n == 1 => 1,
            TimestepSpacing::Linspace => {
                let k = (n - 1 - i) as f64 * (t_max - 1) as f64 / (n - 1) as f64;
                1 + k.round_ties_even() as usize
            }
        })
        .collect();
    ts.dedup();
    ts.push(0);
    ts
}

/// `(abar_t, abar_t_next)` for each step of the sequence.
fn pairs(schedule: &DdpmSchedule, ts: &[usize]) -> Vec<(f64, f64)> {
    ts.windows(2)
        .map(|w| (schedule.abar(w[0]), schedule.abar(w[1])))
        .collect()
}

pub fn ddpm_ops(schedule: &DdpmSchedule, ts: &[usize], variance: DdpmVariance) -> Vec<Op> {
    let pairs = pairs(schedule, ts);
    let last = pairs.len() - 1;
    pairs
        .into_iter()
        .enumerate()
        .map(|(i, (abar, abar_prev))| Op::DdpmAncestral {
            abar,
            abar_prev,
            noise_std: if i == last {
                0.0
            } else {
                ddpm_noise_std(abar, abar_prev, variance)
            },
        })
        .collect()
}

pub fn ddim_ops(schedule: &DdpmSchedule, ts: &[usize], eta: f64) -> Vec<Op> {
    pairs(schedule, ts)
        .into_iter()
        .map(|(abar, abar_prev)| Op::Ddim {
            abar,
            abar_prev,
            sigma_eta: ddim_sigma(abar, abar_prev, eta),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_steps_cover_t_down_to_zero() {
        let s = DdpmSchedule::default_linear();
        let trailing = TimestepSpacing::Trailing;
        assert_eq!(time_steps(&s, 1000, trailing).len(), 1001);
        assert_eq!(time_steps(&s, 4, trailing), vec![1000, 750, 500, 250, 0]);
        // 0-based 999, 666, 332 in a standard library's trailing spacing
        // (round(arange(1000, 0, -1000/3)) - 1).
        assert_eq!(time_steps(&s, 3, trailing), vec![1000, 667, 333, 0]);
    }

    #[test]
    fn leading_and_linspace_match_the_standard_definitions() {
        let s = DdpmSchedule::default_linear();
        // 0-based leading: 750, 500, 250, 0; linspace: 999, 666, 333, 0.
        assert_eq!(
            time_steps(&s, 4, TimestepSpacing::Leading),
            vec![751, 501, 251, 1, 0]
        );
        assert_eq!(
            time_steps(&s, 4, TimestepSpacing::Linspace),
            vec![1000, 667, 334, 1, 0]
        );
        assert_eq!(time_steps(&s, 1, TimestepSpacing::Linspace), vec![1, 0]);
        for spacing in [
            TimestepSpacing::Leading,
            TimestepSpacing::Trailing,
            TimestepSpacing::Linspace,
        ] {
            let ts = time_steps(&s, 1000, spacing);
            assert_eq!(ts, (0..=1000).rev().collect::<Vec<_>>(), "{spacing:?}");
        }
    }

    #[test]
    fn ddim_with_eta_one_is_ddpm_with_the_posterior_variance() {
        let (abar, abar_prev) = (0.3, 0.45);
        let (x, s, z) = (
            Point::new(0.7, -1.2),
            Point::new(-0.4, 0.9),
            Point::new(0.3, -0.8),
        );
        let sigma = ddim_sigma(abar, abar_prev, 1.0);
        let std = ddpm_noise_std(abar, abar_prev, DdpmVariance::Posterior);
        assert!((sigma - std).abs() < 1e-15);
        let a = ddim_step(x, s, abar, abar_prev, sigma, z);
        let b = ddpm_step(x, s, abar, abar_prev, z * std);
        assert!((a - b).norm() < 1e-12, "{a:?} vs {b:?}");
    }
}
