//! `scorefield bench images`: the GPU image trainer's throughput (training images per second)
//! and the sampler's (annealed Langevin steps per second for a batch), for both architectures,
//! one JSON object per configuration (median, min and max over timed windows after a warm-up).

use super::bench::summary;
use crate::gpu::models::{Arch, ModelSpec};
use crate::gpu::sampler::{ImageSampler, SampleSpec};
use crate::gpu::trainer::{ImageTrainer, TrainSpec};
use crate::gpu::{Gpu, Kernels};
use crate::images::source::load_mnist5k;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug)]
pub struct ImagesBench {
    pub batch: usize,
    pub windows: usize,
    pub window_s: f64,
    pub sample_n: usize,
    pub sample_steps_per_level: usize,
    pub hidden: usize,
    pub channels: usize,
    pub archs: Vec<String>,
}

/// Rates of `f` (units of work per call) over timed windows after a warm-up call; each window
/// lasts at least `window_s` and one call.
fn windows(
    n: usize,
    window_s: f64,
    mut f: impl FnMut() -> Result<f64, String>,
) -> Result<(Vec<f64>, f64), String> {
    let t0 = Instant::now();
    f()?;
    let warmup_s = t0.elapsed().as_secs_f64();
    let mut rates = Vec::new();
    for _ in 0..n {
        let t = Instant::now();
        let mut units = 0.0;
        loop {
            units += f()?;
            if t.elapsed().as_secs_f64() >= window_s {
                break;
            }
        }
        rates.push(units / t.elapsed().as_secs_f64());
    }
    Ok((rates, warmup_s))
}

fn stats(metric: &str, rates: Vec<f64>) -> Value {
    let (median, min, max) = summary(rates);
    json!({
        format!("{metric}_median"): median,
        format!("{metric}_min"): min,
        format!("{metric}_max"): max,
    })
}

pub fn run(b: &ImagesBench) -> Result<Vec<Value>, String> {
    let gpu = Gpu::new()?;
    let k = Arc::new(Kernels::new(&gpu));
    let set = load_mnist5k()?;
    let (train, held) = set.split()?;
    let mut out = Vec::new();
    for name in &b.archs {
        let arch = match Arch::parse(name)? {
            Arch::Mlp { .. } => Arch::Mlp { hidden: b.hidden },
            Arch::Unet { .. } => Arch::Unet {
                channels: b.channels,
            },
        };
        let model = ModelSpec {
            arch,
            width: 28,
            height: 28,
            classes: 0,
        };
        let mut spec = TrainSpec::new(model);
        spec.batch = b.batch;
        let mut t = ImageTrainer::new(&gpu, k.clone(), spec, &train, &held)?;
        // Steps per timed call: about 0.2 s of work, measured on one synchronised step.
        let t0 = Instant::now();
        t.step()?;
        t.last_loss()?;
        let chunk = ((0.2 / t0.elapsed().as_secs_f64()) as usize).clamp(1, 200);
        let batch = b.batch as f64;
        let (rates, warmup_s) = windows(b.windows, b.window_s, || {
            for _ in 0..chunk {
                t.step()?;
            }
            t.last_loss()?;
            Ok(chunk as f64 * batch)
        })?;
        let mut line = json!({
            "bench": "images_train",
            "impl": "scorefield-wgpu",
            "adapter": gpu.describe(),
            "arch": arch.name(),
            "model": arch.describe(),
            "parameters": t.store.layout.count(),
            "batch": b.batch,
            "steps_per_call": chunk,
            "warmup_s": warmup_s,
        });
        merge(&mut line, stats("images_per_s", rates));
        out.push(line);

        let mut s = SampleSpec::new(b.sample_n);
        s.steps_per_level = b.sample_steps_per_level;
        let sampler = ImageSampler::new(&gpu, &k, model, &t.store, &t.sigmas, &t.mean, s)?;
        let steps = (t.sigmas.len() * b.sample_steps_per_level) as f64;
        let (rates, warmup_s) = windows(b.windows, b.window_s, || {
            sampler.run(|_| {})?;
            Ok(steps)
        })?;
        let mut line = json!({
            "bench": "images_sample",
            "impl": "scorefield-wgpu",
            "adapter": gpu.describe(),
            "arch": arch.name(),
            "model": arch.describe(),
            "images": b.sample_n,
            "steps_per_level": b.sample_steps_per_level,
            "warmup_s": warmup_s,
        });
        merge(&mut line, stats("langevin_steps_per_s", rates));
        out.push(line);
    }
    Ok(out)
}

fn merge(v: &mut Value, extra: Value) {
    if let (Value::Object(m), Value::Object(e)) = (v, extra) {
        m.extend(e);
    }
}
