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
            for threads in [1, 2] {
                let line = bench_sample(threads, particles, windows.max(1), steps.max(1))?;
                println!("{line}");
            }
            Ok(())
        }
    }
}

pub use crate::timing::summary;

fn bench_sample(
    threads: usize,
    particles: usize,
    windows: usize,
    steps: usize,
) -> Result<serde_json::Value, String> {
    let data = preset("ring8")?.dataset();
    let Dataset::Mixture(mixture) = &data else {
        return Err("ring8 is a mixture".to_string());
    };
    let source = ExactMixtureScore { mixture };
    let settings = SamplerSettings {
        // Ten levels (MATH §8), enough steps per level to cover the warm-up and every window.
        n_steps: Some((steps * (windows + 1)).div_ceil(10)),
        n_levels: Some(10),
        ..SamplerSettings::new(SamplerKind::AnnealedLangevin)
    };
    let plan = Plan::build(&settings, &DataInfo::of(&data), &source)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| format!("cannot start {threads} threads: {e}"))?;
    let (warmup_s, rates) = pool.install(|| {
        let mut run = SamplerRun::new(plan, particles, 1);
        let t0 = Instant::now();
        run.advance(&source, steps);
        let warmup_s = t0.elapsed().as_secs_f64();
        let rates: Vec<f64> = (0..windows)
            .map(|_| {
                let t = Instant::now();
                let done = run.advance(&source, steps);
                (done * particles) as f64 / t.elapsed().as_secs_f64()
            })
            .collect();
        (warmup_s, rates)
    });
    let (median, min, max) = summary(rates);
    Ok(serde_json::json!({
        "bench": "langevin_analytic_gmm8",
        "impl": "scorefield",
        "threads": threads,
        "particles": particles,
        "sampler": "annealed-langevin",
        "particle_steps_per_s_median": median,
        "particle_steps_per_s_min": min,
        "particle_steps_per_s_max": max,
        "warmup_s": warmup_s,
    }))
}
