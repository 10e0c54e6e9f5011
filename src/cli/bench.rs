//! `scorefield bench ...`: throughput benchmarks, one JSON object per configuration
//! (keys: `bench`, `impl`, `threads`, `particles`, `<metric>_median`, `_min`, `_max`,
//! `warmup_s`). Several timed windows after a warm-up; the median is the figure to report.

use crate::data::{Dataset, preset};
use crate::sample::{DataInfo, ExactMixtureScore, Plan, SamplerKind, SamplerRun, SamplerSettings};
use clap::Subcommand;
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum BenchKind {
    /// The CPU work behind a frame while training runs: the UI thread's frame, one field refresh
    /// (256x256 heatmap, error layer, 64x64 arrows) and one sampler step of 5,000 particles.
    Frame {
        #[arg(long, default_value_t = 60)]
        frames: usize,
    },
    /// The real app without a window (ring8, default settings, training and both panes
    /// playing, frames at 60 Hz): training steps/s beside the same configuration alone, field
    /// refreshes/s, sampler steps/s, the UI thread's ms per frame and the seconds until the
    /// learned field's mean relative Fisher is at most 0.1.
    App {
        /// Seconds to run the app.
        #[arg(long, default_value_t = 10.0)]
        seconds: f64,
    },
    /// Training steps per second (NCSN DSM at several widths and batches, ISM and SSM at batch
    /// 512) and learned-field evaluation on a 128x128 grid, on 1 and 2 threads.
    Train {
        /// Timed windows per configuration.
        #[arg(long, default_value_t = 5)]
        windows: usize,
        /// Minimum seconds per window.
        #[arg(long, default_value_t = 0.4)]
        window_s: f64,
        /// Only these benchmarks (dsm_train, ism_train, ssm_train, time_to_field, grid_infer).
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
    },
    /// The GPU image trainer and sampler (wgpu): training images/s and Langevin steps/s for a
    /// batch, for each architecture, on MNIST 28x28.
    Images {
        #[arg(long, default_value_t = 128)]
        batch: usize,
        #[arg(long, default_value_t = 5)]
        windows: usize,
        #[arg(long, default_value_t = 1.0)]
        window_s: f64,
        /// Images per sampling batch.
        #[arg(long, default_value_t = 64)]
        sample_n: usize,
        /// Langevin steps per level in the timed sampling runs (10 levels).
        #[arg(long, default_value_t = 10)]
        sample_steps_per_level: usize,
        #[arg(long, default_value_t = 1024)]
        hidden: usize,
        #[arg(long, default_value_t = 32)]
        channels: usize,
        /// Architectures to run.
        #[arg(long, value_delimiter = ',', default_value = "mlp,unet")]
        archs: Vec<String>,
    },
    /// Annealed Langevin with the exact 8-component mixture score (ring8), 10,000 particles,
    /// on 1 and 2 threads: particle-steps per second.
    Sample {
        #[arg(long, default_value_t = 10_000)]
        particles: usize,
        /// Timed windows per configuration.
        #[arg(long, default_value_t = 7)]
        windows: usize,
        /// Steps per window.
        #[arg(long, default_value_t = 100)]
        steps: usize,
    },
}

/// What the headless commands need from the front end, handed in by the binary (the
/// command line does not import the app).
pub struct Frontends {
    /// `bench frame`: the frame benchmark of the app, one JSON object per part.
    pub bench_frame: fn(usize) -> Result<Vec<serde_json::Value>, String>,
    /// `bench app`: the app run headless for some seconds, one JSON object.
    pub bench_app: fn(f64) -> Result<Vec<serde_json::Value>, String>,
}

impl Frontends {
    fn bench_frame(&self, frames: usize) -> Result<Vec<serde_json::Value>, String> {
        (self.bench_frame)(frames)
    }
}

pub fn run(which: &BenchKind, frontends: &Frontends) -> Result<(), String> {
    match *which {
        BenchKind::Images {
            batch,
            windows,
            window_s,
            sample_n,
            sample_steps_per_level,
            hidden,
            channels,
            ref archs,
        } => {
            let b = super::bench_images::ImagesBench {
                batch,
                windows: windows.max(1),
                window_s,
                sample_n,
                sample_steps_per_level,
                hidden,
                channels,
                archs: archs.clone(),
            };
            for line in super::bench_images::run(&b)? {
                println!("{line}");
            }
            Ok(())
        }
        BenchKind::App { seconds } => {
            if !(seconds.is_finite() && (1.0..=600.0).contains(&seconds)) {
                return Err(format!("--seconds must be in 1..=600, got {seconds}"));
            }
            for line in (frontends.bench_app)(seconds)? {
                println!("{line}");
            }
            Ok(())
        }
        BenchKind::Frame { frames } => {
            for line in frontends.bench_frame(frames.max(1))? {
                println!("{line}");
            }
            Ok(())
        }
        BenchKind::Train {
            windows,
            window_s,
            ref only,
        } => {
            for line in super::bench_train::run(windows.max(1), window_s, only)? {
                println!("{line}");
            }
            Ok(())
        }
        BenchKind::Sample {
            particles,
            windows,
            steps,
        } => {
            let data = preset("ring8")?.dataset();
            let Dataset::Mixture(mixture) = &data else {
                return Err("ring8 is a mixture".to_string());
            };
            let exact = ExactMixtureScore { mixture };
            // An untrained 3-128-128-128-2 NCSN network: the cost of a learned score does not
            // depend on its weights.
            let model = crate::nn::ScoreModel {
                net: crate::nn::Mlp::new(
                    crate::nn::MlpConfig {
                        hidden: vec![128, 128, 128],
                        ..crate::train::TrainConfig::ncsn_default(
                            crate::dist::SigmaSchedule::geometric(8.0, 0.01, 10)?,
                        )
                        .mlp_config(0)
                    },
                    0,
                ),
                noise: crate::nn::NoiseKind::Ve,
            };
            let learned = crate::sample::LearnedScore::new(std::sync::Arc::new(model));
            let runs: [(&str, SamplerKind, &dyn crate::sample::ScoreSource); 2] = [
                (
                    "langevin_analytic_gmm8",
                    SamplerKind::AnnealedLangevin,
                    &exact,
                ),
                (
                    "langevin_learned_3-128-128-128-2",
                    SamplerKind::Langevin,
                    &learned,
                ),
            ];
            for (name, kind, source) in runs {
                for threads in [1, 2] {
                    let sizes = (threads, particles, windows.max(1), steps.max(1));
                    let line = bench_sample(name, kind, source, &data, sizes)?;
                    println!("{line}");
                }
            }
            Ok(())
        }
    }
}

pub use crate::timing::summary;

/// One sampler benchmark: `kind` with `source` on ring8, `(threads, particles, windows,
/// steps per window)`.
fn bench_sample(
    name: &str,
    kind: SamplerKind,
    source: &dyn crate::sample::ScoreSource,
    data: &Dataset,
    (threads, particles, windows, steps): (usize, usize, usize, usize),
) -> Result<serde_json::Value, String> {
    let settings = SamplerSettings {
        // Enough steps for the warm-up and every window: in all, or per level of ten levels
        // (MATH §8).
        n_steps: Some(if kind.is_single_level() {
            steps * (windows + 1)
        } else {
            (steps * (windows + 1)).div_ceil(10)
        }),
        n_levels: Some(10),
        ..SamplerSettings::new(kind)
    };
    let plan = Plan::build(&settings, &DataInfo::of(data), source)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| format!("cannot start {threads} threads: {e}"))?;
    let (warmup_s, rates) = pool.install(|| {
        let mut run = SamplerRun::new(plan, particles, 1);
        let t0 = Instant::now();
        run.advance(source, steps);
        let warmup_s = t0.elapsed().as_secs_f64();
        let rates: Vec<f64> = (0..windows)
            .map(|_| {
                let t = Instant::now();
                let done = run.advance(source, steps);
                (done * particles) as f64 / t.elapsed().as_secs_f64()
            })
            .collect();
        (warmup_s, rates)
    });
    let (median, min, max) = summary(rates);
    Ok(serde_json::json!({
        "bench": name,
        "impl": "scorefield",
        "threads": threads,
        "particles": particles,
        "sampler": kind.name(),
        "particle_steps_per_s_median": median,
        "particle_steps_per_s_min": min,
        "particle_steps_per_s_max": max,
        "warmup_s": warmup_s,
    }))
}
