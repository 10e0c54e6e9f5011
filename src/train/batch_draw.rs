//! Drawing one training batch (MATH §3). Sample `b` of step `k` is a function of
//! `(seed, b, k)` alone (counter-based noise), so a run is reproducible and independent of threads.
//!
//! - data `x_0` (and its class, for mixtures), a noise level per [`NoiseSpec`];
//! - DSM / NCSN: `x = x_0 + sigma z`, `target = -z / sigma` (MATH §3.4);
//! - ESM: `x = x_0 + sigma z`, `target = grad log q_sigma(x)` (exact; MATH §3.1);
//! - ISM / SSM: `x = x_0 + sigma z` (noise-conditional form; `sigma = 0` is clean data), tangent
//!   directions `e_1, e_2` (ISM) or `M` Rademacher / Gaussian projections (SSM);
//! - DDPM: `t ~ U{1..T}`, `x = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps`, `target = eps`, the network
//!   conditioned on `sigma_t = sqrt((1 - abar_t) / abar_t)` (MATH §3.6).

use super::config::{CONTINUOUS_BINS, NoiseSpec, TrainConfig};
use crate::data::Dataset;
use crate::dist::NoiseLevel;
use crate::geom::Point;
use crate::nn::batch::Batch;
use crate::nn::{Objective, ProjectionDist};
use crate::noise::StreamRng;

/// Lane of training draws (apart from the sampler lanes).
const LANE_TRAIN: u64 = 7;

/// One sample's noise level: `(sigma for the network, loss weight, report bin)`.
fn draw_level(spec: &NoiseSpec, rng: &mut StreamRng) -> (f64, f64, usize, Option<f64>) {
    match spec {
        NoiseSpec::Clean => (0.0, 1.0, 0, None),
        NoiseSpec::Single { sigma } => (*sigma, 1.0, 0, None),
        NoiseSpec::Levels { schedule, lambda } => {
            let i = ((rng.uniform() * schedule.len() as f64) as usize).min(schedule.len() - 1);
            let sigma = schedule.sigmas()[i];
            (sigma, lambda.of(sigma), i, None)
        }
        NoiseSpec::LogUniform {
            sigma_min,
            sigma_max,
            lambda,
        } => {
            let u = rng.uniform();
            let sigma = sigma_max * (sigma_min / sigma_max).powf(u);
            let bin = ((u * CONTINUOUS_BINS as f64) as usize).min(CONTINUOUS_BINS - 1);
            (sigma, lambda.of(sigma), bin, None)
        }
        NoiseSpec::Ddpm { schedule } => {
            let t_max = schedule.n_steps();
            let t = 1 + ((rng.uniform() * t_max as f64) as usize).min(t_max - 1);
            let bin = ((t - 1) * CONTINUOUS_BINS / t_max).min(CONTINUOUS_BINS - 1);
            (schedule.sigma(t), 1.0, bin, Some(schedule.abar(t)))
        }
    }
}

fn projection(dist: ProjectionDist, rng: &mut StreamRng) -> Point {
    match dist {
        ProjectionDist::Gaussian => rng.gaussian2(),
        ProjectionDist::Rademacher => {
            let sign = |u: f64| if u < 0.5 { -1.0 } else { 1.0 };
            Point::new(sign(rng.uniform()), sign(rng.uniform()))
        }
    }
}

/// Fills `batch` with the samples of step `step`.
pub fn draw_batch(config: &TrainConfig, data: &Dataset, step: u64, batch: &mut Batch) {
    draw_batch_range(config, data, step, 0..config.batch, batch);
}

/// Fills `batch` with samples `range` of step `step` (one thread's part of the batch; every
/// sample depends on `(seed, index, step)` alone, so the parts make up the same whole batch).
pub fn draw_batch_range(
    config: &TrainConfig,
    data: &Dataset,
    step: u64,
    range: std::ops::Range<usize>,
    batch: &mut Batch,
) {
    batch.clear();
    let n = range.len();
    let k_dirs = config.objective.n_tangents();
    batch.dirs.resize(n * k_dirs, Point::zeros());
    for (j, b) in range.enumerate() {
        let s = draw_sample(config, data, step, b);
        batch.x.push(s.x);
        batch.sigma.push(s.sigma);
        batch.class.push(s.class);
        batch.weight.push(s.weight);
        batch.target.push(s.target);
        batch.level.push(s.level);
        for (k, d) in s.dirs[..k_dirs].iter().enumerate() {
            batch.dirs[k * n + j] = *d;
        }
    }
}

/// One training sample (see the module comment).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sample {
    pub x: Point,
    pub sigma: f64,
    pub class: Option<usize>,
    pub weight: f64,
    pub target: Point,
    pub level: usize,
    pub dirs: [Point; crate::nn::objective::MAX_TANGENTS],
}

/// Sample `b` of step `step`.
pub fn draw_sample(config: &TrainConfig, data: &Dataset, step: u64, b: usize) -> Sample {
    let mut rng = StreamRng::for_key(config.seed, b as u64, step, LANE_TRAIN);
    let (x0, class) = match data {
        Dataset::Mixture(m) => {
            let (x, k) = m.sample_one(&mut rng);
            (x, Some(k))
        }
        Dataset::Points(e) => {
            let pts = e.points();
            (
                pts[((rng.uniform() * pts.len() as f64) as usize).min(pts.len() - 1)],
                None,
            )
        }
    };
    let (sigma, weight, level, abar) = draw_level(&config.noise, &mut rng);
    let z = rng.gaussian2();
    let (x, target) = match (config.objective, abar) {
        (Objective::Ddpm, Some(abar)) => (x0 * abar.sqrt() + z * (1.0 - abar).sqrt(), z),
        (Objective::Dsm, _) => (x0 + z * sigma, -z / sigma),
        (Objective::Esm, _) => {
            let x = x0 + z * sigma;
            let exact = data
                .mixture()
                .map(|m| m.at_level(NoiseLevel::Ve { sigma }).score(&x))
                .unwrap_or_default();
            (x, exact)
        }
        _ => (x0 + z * sigma, Point::zeros()),
    };
    let dropped = rng.uniform() < config.p_uncond;
    let mut dirs = [Point::zeros(); crate::nn::objective::MAX_TANGENTS];
    match config.objective {
        Objective::Ism => {
            dirs[0] = Point::new(1.0, 0.0);
            dirs[1] = Point::new(0.0, 1.0);
        }
        Objective::Ssm {
            dist, projections, ..
        } => {
            for d in dirs.iter_mut().take(projections) {
                *d = projection(dist, &mut rng);
            }
        }
        _ => {}
    }
    Sample {
        x,
        sigma,
        class: if config.conditional && !dropped {
            class
        } else {
            None
        },
        weight,
        target,
        level,
        dirs,
    }
}
