//! `scorefield sample`: run a sampler with the exact (or empirical) score; samples as CSV,
//! metrics as one JSON object on stdout.

use super::input::DataArgs;
use crate::atomic_file::write_atomic;
use crate::data::Dataset;
use crate::metrics::{energy_distance, mode_report};
use crate::nn::ScoreModel;
use crate::sample::{
    DataInfo, EmpiricalScore, ExactMixtureScore, GuidedMixtureScore, InitSpec, LearnedScore, Plan,
    SamplerKind, SamplerRun, SamplerSettings, ScoreSource, Trajectories,
};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

/// Samples compared with fresh data in the energy distance (O(n^2), so capped).
const ENERGY_SAMPLES: usize = 2000;

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct SampleArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// gradient-ascent, langevin, mala, annealed-langevin, smld, ve-sde, pf-ode-euler,
    /// pf-ode-heun, ddpm, ddim, pc, pc-vp.
    #[arg(long, value_parser = SamplerKind::parse)]
    pub sampler: SamplerKind,
    #[arg(long, default_value_t = 1280)]
    pub particles: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Step size (NCSN convention, MATH §1); for annealed Langevin the step at sigma_min.
    #[arg(long)]
    pub eps: Option<f64>,
    /// Steps (per level for annealed Langevin).
    #[arg(long)]
    pub steps: Option<usize>,
    /// Noise levels (annealed Langevin, SMLD).
    #[arg(long)]
    pub levels: Option<usize>,
    #[arg(long)]
    pub sigma_max: Option<f64>,
    #[arg(long)]
    pub sigma_min: Option<f64>,
    /// uniform:LO,HI or gaussian:STD (centred on the data mean; on 0 for VP samplers).
    #[arg(long, value_parser = InitSpec::parse)]
    pub init: Option<InitSpec>,
    /// Classifier guidance towards this mixture component (exact posterior, MATH §4.10).
    #[arg(long)]
    pub guidance_class: Option<usize>,
    /// Guidance scale gamma >= 0 (default 1 when a class is given).
    #[arg(long, requires = "guidance_class")]
    pub guidance_scale: Option<f64>,
    /// Score: exact (the mixture's, or the empirical score of a point set) or model:MODEL.json.
    #[arg(long, default_value = "exact")]
    pub score: String,
    /// Class for a conditional model (classifier-free guidance, MATH §4.10).
    #[arg(long)]
    pub class: Option<usize>,
    /// Classifier-free guidance scale gamma >= 0 (with --class).
    #[arg(long, default_value_t = 1.0, requires = "class")]
    pub cfg_scale: f64,
    /// Predictor-corrector signal-to-noise ratio.
    #[arg(long, default_value_t = 0.16)]
    pub snr: f64,
    /// Particles outside [-escape, escape]^2 count as diverged.
    #[arg(long, default_value_t = 1e4)]
    pub escape: f64,
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
    /// Also write trajectories `step,particle,x,y,diverged`.
    #[arg(long, value_name = "FILE.csv")]
    pub trajectories: Option<PathBuf>,
    /// Record trajectories every this many steps (default: about 100 frames).
    #[arg(long)]
    pub stride: Option<usize>,
}

pub fn run(args: &SampleArgs) -> Result<(), String> {
    let data = args.data.load()?;
    if args.particles == 0 {
        return Err("--particles must be at least 1".to_string());
    }
    let exact_source;
    let guided_source;
    let empirical_source;
    let learned_source;
    let source: &dyn ScoreSource = if let Some(path) = args.score.strip_prefix("model:") {
        if args.guidance_class.is_some() {
            return Err("--guidance-class uses the exact posterior; with a model use --class and --cfg-scale".into());
        }
        learned_source = learned(path, args)?;
        &learned_source
    } else if args.score != "exact" {
        return Err(format!(
            "--score '{}': use exact or model:MODEL.json",
            args.score
        ));
    } else {
        match (&data, args.guidance_class) {
            (Dataset::Mixture(m), Some(class)) => {
                guided_source = guided(m, class, args.guidance_scale)?;
                &guided_source
            }
            (Dataset::Mixture(m), None) => {
                exact_source = ExactMixtureScore { mixture: m };
                &exact_source
            }
            (Dataset::Points(_), Some(_)) => {
                return Err("--guidance-class needs a mixture (classes are its components)".into());
            }
            (Dataset::Points(e), None) => {
                empirical_source = EmpiricalScore { points: e };
                &empirical_source
            }
        }
    };
    let settings = SamplerSettings {
        eps: args.eps,
        n_steps: args.steps,
        n_levels: args.levels,
        sigma_max: args.sigma_max,
        sigma_min: args.sigma_min,
        init: args.init,
        snr: args.snr,
        escape: args.escape,
        ..SamplerSettings::new(args.sampler)
    };
    let plan = Plan::build(&settings, &DataInfo::of(&data), source)?;
    let params = plan.params.clone();
    let stride = args
        .trajectories
        .as_ref()
        .map(|_| args.stride.unwrap_or_else(|| (plan.ops.len() / 100).max(1)));
    let mut run = SamplerRun::new(plan, args.particles, args.seed);
    let traj = run.run_to_end(source, stride);

    let live: Vec<_> = run
        .positions()
        .iter()
        .zip(run.alive())
        .filter(|(_, a)| **a)
        .map(|(p, _)| *p)
        .collect();
    write_atomic(&args.out, |w| {
        writeln!(w, "x,y")?;
        for p in &live {
            writeln!(w, "{},{}", p.x, p.y)?;
        }
        Ok(())
    })?;
    if let Some(path) = &args.trajectories {
        write_atomic(path, |w| write_trajectories(w, &traj))?;
    }

    let reference = data.sample(ENERGY_SAMPLES, args.seed ^ 0xda7a_5eed);
    let energy = energy_distance(&live[..live.len().min(ENERGY_SAMPLES)], &reference);
    let modes = data
        .mixture()
        .map(|m| mode_report(m, run.positions(), run.alive()));
    let report = serde_json::json!({
        "sampler": args.sampler.name(),
        "score": source.label(),
        "particles": args.particles,
        "seed": args.seed,
        "steps": run.cursor(),
        "mode_fractions": modes.as_ref().map(|m| m.mode_fractions.clone()),
        "true_weights": modes.as_ref().map(|m| m.true_weights.clone()),
        "tv": modes.as_ref().map(|m| m.tv),
        "diverged_fraction": run.diverged_fraction(),
        "energy_distance": energy,
        "score_evals": run.score_evals(),
        "wall_s": run.wall_s(),
        "params": params,
    });
    println!("{report}");
    Ok(())
}

/// The classifier-guided exact score towards `class`.
fn guided(
    m: &crate::dist::GaussianMixture,
    class: usize,
    scale: Option<f64>,
) -> Result<GuidedMixtureScore<'_>, String> {
    if class >= m.len() {
        return Err(format!(
            "--guidance-class {class}: the mixture has {} components (0..{})",
            m.len(),
            m.len() - 1
        ));
    }
    let gamma = scale.unwrap_or(1.0);
    if !(gamma.is_finite() && gamma >= 0.0) {
        return Err(format!(
            "--guidance-scale must be finite and >= 0, got {gamma}"
        ));
    }
    Ok(GuidedMixtureScore {
        mixture: m,
        class,
        gamma,
    })
}

/// A trained model as the score, with its class and guidance scale.
fn learned(path: &str, args: &SampleArgs) -> Result<LearnedScore, String> {
    let model = ScoreModel::load(std::path::Path::new(path))?;
    let n_classes = model.net.config.n_classes;
    if let Some(k) = args.class {
        if n_classes == 0 {
            return Err(format!("--class {k}: {path} is not a conditional model"));
        }
        if k >= n_classes {
            return Err(format!(
                "--class {k}: {path} has {n_classes} classes (0..{})",
                n_classes - 1
            ));
        }
    }
    if !(args.cfg_scale.is_finite() && args.cfg_scale >= 0.0) {
        return Err(format!(
            "--cfg-scale must be finite and >= 0, got {}",
            args.cfg_scale
        ));
    }
    Ok(LearnedScore {
        model: std::sync::Arc::new(model),
        class: args.class,
        cfg_scale: args.cfg_scale,
    })
}

fn write_trajectories(w: &mut dyn Write, traj: &Trajectories) -> std::io::Result<()> {
    writeln!(w, "step,particle,x,y,diverged")?;
    for (step, xs, alive) in &traj.frames {
        for (i, (p, a)) in xs.iter().zip(alive).enumerate() {
            writeln!(w, "{step},{i},{},{},{}", p.x, p.y, u8::from(!a))?;
        }
    }
    Ok(())
}
