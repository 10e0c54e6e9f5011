//! `scorefield bench train`: training throughput and learned-field evaluation, one JSON object
//! per configuration (median, min and max over timed windows after a warm-up).

use super::bench::summary;
use crate::data::preset;
use crate::dist::NoiseLevel;
use crate::dist::SigmaSchedule;
use crate::field::FieldGrid;
use crate::geom::{Bounds, Point};
use crate::nn::{Objective, ProjectionDist};
use crate::sample::{LearnedScore, ScoreSource};
use crate::train::{TrainConfig, Trainer};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

/// Times `f` (which does `units` of work per call) in `windows` windows of at least `window_s`
/// seconds after one warm-up window; returns (rates, warm-up seconds).
fn time_windows(windows: usize, window_s: f64, mut f: impl FnMut() -> f64) -> (Vec<f64>, f64) {
    let t0 = Instant::now();
    while t0.elapsed().as_secs_f64() < window_s.min(0.5) {
        f();
    }
    let warmup_s = t0.elapsed().as_secs_f64();
    let rates = (0..windows)
        .map(|_| {
            let t = Instant::now();
            let mut units = 0.0;
            while t.elapsed().as_secs_f64() < window_s {
                units += f();
            }
            units / t.elapsed().as_secs_f64()
        })
        .collect();
    (rates, warmup_s)
}

/// The machine's ceiling: the single-core f32 FMA rate ([`crate::simd::fma_peak_gflops`]),
/// median of three windows.
fn fma_peak(window_s: f64) -> (Value, f64) {
    let rates: Vec<f64> = (0..3)
        .map(|_| crate::simd::fma_peak_gflops(window_s.max(0.2)))
        .collect();
    let v = line("fma_peak", 1, "", json!({}), "gflops", rates, 0.0);
    let median = v["gflops_median"].as_f64().unwrap_or(f64::NAN);
    (v, median)
}

/// What a rate means in arithmetic: `macs` counted multiply-adds per unit of work at the
/// median rate, as GFLOP/s and as a fraction of `threads` cores at the measured FMA rate.
fn arithmetic(line: &mut Value, metric: &str, macs: u64, peak_gflops: f64, threads: usize) {
    let rate = line[format!("{metric}_median")]
        .as_f64()
        .unwrap_or(f64::NAN);
    let gflops = 2.0 * macs as f64 * rate / 1e9;
    if let Value::Object(m) = line {
        m.insert("multiply_adds_per_unit".into(), json!(macs));
        m.insert("gflops".into(), json!(gflops));
        m.insert(
            "fma_fraction".into(),
            json!(gflops / (peak_gflops * threads as f64)),
        );
    }
}

/// The products' multiply-adds of one call of `f`.
fn counted(f: impl FnOnce()) -> u64 {
    let before = crate::nn::products::multiply_adds();
    f();
    crate::nn::products::multiply_adds() - before
}

fn line(
    bench: &str,
    threads: usize,
    model: &str,
    extra: Value,
    metric: &str,
    rates: Vec<f64>,
    warmup_s: f64,
) -> Value {
    let (median, min, max) = summary(rates);
    let mut v = json!({
        "bench": bench,
        "impl": "scorefield",
        "threads": threads,
        "model": model,
        format!("{metric}_median"): median,
        format!("{metric}_min"): min,
        format!("{metric}_max"): max,
        "warmup_s": warmup_s,
        "simd": crate::simd::level().name(),
    });
    if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
        m.extend(e);
    }
    v
}

fn train_config(
    objective: Objective,
    hidden: &[usize],
    batch: usize,
    threads: usize,
) -> Result<TrainConfig, String> {
    let mut c = TrainConfig::ncsn_default(SigmaSchedule::geometric(8.0, 0.01, 10)?);
    c.objective = objective;
    c.hidden = hidden.to_vec();
    c.batch = batch;
    c.threads = threads;
    Ok(c)
}

/// Runs the benchmarks whose `bench` name is in `only` (all when empty).
pub fn run(windows: usize, window_s: f64, only: &[String]) -> Result<Vec<Value>, String> {
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let data = preset("ring8")?.dataset();
    let ssm = Objective::Ssm {
        projections: 1,
        dist: ProjectionDist::Rademacher,
        variance_reduced: false,
    };
    let cases: Vec<(&str, Objective, Vec<usize>, usize)> = vec![
        ("dsm_train", Objective::Dsm, vec![128, 128, 128], 128),
        ("dsm_train", Objective::Dsm, vec![128, 128, 128], 512),
        ("dsm_train", Objective::Dsm, vec![128, 128, 128], 2048),
        ("dsm_train", Objective::Dsm, vec![64, 64], 128),
        ("ism_train", Objective::Ism, vec![128, 128, 128], 512),
        ("ssm_train", ssm, vec![128, 128, 128], 512),
    ];
    let (peak_line, peak) = fma_peak(window_s);
    let mut out = vec![peak_line];
    for (bench, objective, hidden, batch) in cases.iter().filter(|c| wanted(c.0)) {
        for threads in [1, 2] {
            let mut trainer = Trainer::new(
                train_config(*objective, hidden, *batch, threads)?,
                data.clone(),
            )?;
            let model = trainer.net().config.shape_name();
            let macs = counted(|| {
                trainer.step();
            });
            let (rates, warmup_s) = time_windows(windows, window_s, || {
                trainer.step();
                1.0
            });
            let mut l = line(
                bench,
                threads,
                &model,
                json!({"batch": batch}),
                "steps_per_s",
                rates,
                warmup_s,
            );
            arithmetic(&mut l, "steps_per_s", macs, peak, threads);
            out.push(l);
        }
    }
    if wanted("time_to_field") {
        out.push(time_to_field()?);
    }
    if !wanted("grid_infer") {
        return Ok(out);
    }
    // Learned field on a 128x128 grid: the NCSN model's score at one level.
    let trainer = Trainer::new(
        train_config(Objective::Dsm, &[128, 128, 128], 512, 1)?,
        data,
    )?;
    let source = LearnedScore::new(Arc::new(trainer.model()));
    let bounds = Bounds {
        x_min: -6.0,
        x_max: 6.0,
        y_min: -6.0,
        y_max: 6.0,
    };
    let nodes = FieldGrid::nodes(128, &bounds);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| e.to_string())?;
        let grid = || {
            let mut s = vec![Point::zeros(); nodes.len()];
            nodes
                .par_chunks(256)
                .zip(s.par_chunks_mut(256))
                .for_each(|(x, o)| source.score_batch(NoiseLevel::Ve { sigma: 0.5 }, x, o));
        };
        let macs = pool.install(|| counted(grid));
        let (rates, warmup_s) = pool.install(|| {
            time_windows(windows, window_s, || {
                grid();
                1.0
            })
        });
        let model = trainer.net().config.shape_name();
        let mut l = line(
            "grid_infer",
            threads,
            &model,
            json!({"grid": 128}),
            "grids_per_s",
            rates,
            warmup_s,
        );
        arithmetic(&mut l, "grids_per_s", macs, peak, threads);
        out.push(l);
    }
    Ok(out)
}

/// Training seconds (2 threads) until NCSN DSM on ring8 reaches a mean relative Fisher divergence
/// <= 0.1 over its levels: levels from the max-pairwise-distance heuristic down to 0.1, sin4
/// embedding, lr 3e-3, batch 512. The divergence is checked every 100 steps, off the clock.
/// Median over three seeds; a seed that has not got there by 20 s counts as 20 s.
fn time_to_field() -> Result<Value, String> {
    use crate::metrics::relative_fisher;
    use crate::nn::SigmaEmbedding;
    let data = preset("ring8")?.dataset();
    let ring8 = data.mixture().ok_or("ring8 is a mixture")?.clone();
    let sigma_max = crate::sample::DataInfo::of(&data).sigma_max_heuristic;
    let schedule = SigmaSchedule::geometric(sigma_max, 0.1, 10)?;
    let mut seconds = Vec::new();
    let mut steps = Vec::new();
    for seed in 0..3 {
        let mut config = TrainConfig::ncsn_default(schedule.clone());
        config.embedding = SigmaEmbedding::Sinusoidal { n: 4 };
        config.lr = 3e-3;
        config.threads = 2;
        config.seed = seed;
        let mut trainer = Trainer::new(config, data.clone())?;
        let mut train_s = 0.0;
        loop {
            let t = Instant::now();
            for _ in 0..100 {
                trainer.step();
            }
            train_s += t.elapsed().as_secs_f64();
            let source = LearnedScore::new(Arc::new(trainer.model()));
            let per_level = relative_fisher(&source, &ring8, schedule.sigmas(), 2000, 7);
            let mean = per_level.iter().sum::<f64>() / per_level.len() as f64;
            if mean <= 0.1 || train_s >= 20.0 {
                break;
            }
        }
        seconds.push(train_s.min(20.0));
        steps.push(trainer.step_count());
    }
    let mut config = TrainConfig::ncsn_default(schedule);
    config.embedding = SigmaEmbedding::Sinusoidal { n: 4 };
    let model = config.mlp_config(0).shape_name();
    Ok(line(
        "time_to_field",
        2,
        &model,
        json!({"batch": 512, "preset": "ring8", "rel_fisher_target": 0.1, "steps": steps}),
        "seconds",
        seconds,
        0.0,
    ))
}
