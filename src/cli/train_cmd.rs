//! `scorefield train`: trains the score network headless, printing JSON lines
//! `{step, loss, rel_fisher, steps_per_s, ...}`, and saves the model.

use super::input::DataArgs;
use crate::data::Dataset;
use crate::dist::{DdpmSchedule, SigmaSchedule};
use crate::metrics::relative_fisher;
use crate::nn::{Activation, Objective, ProjectionDist, ScoreModel, SigmaEmbedding};
use crate::sample::{DataInfo, LearnedScore};
use crate::train::{Lambda, NoiseSpec, TrainConfig, Trainer};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Samples per level in the relative Fisher divergence of the reports.
const FISHER_SAMPLES: usize = 2000;

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct TrainArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// esm, ism, ssm, ssm-vr, dsm, ncsn or ddpm.
    #[arg(long)]
    pub objective: String,
    /// Noise level of single-sigma objectives (dsm; optional for esm/ism/ssm).
    #[arg(long)]
    pub sigma: Option<f64>,
    /// Noise levels (ncsn; noise-conditional esm/ism/ssm).
    #[arg(long)]
    pub levels: Option<usize>,
    #[arg(long)]
    pub sigma_max: Option<f64>,
    #[arg(long)]
    pub sigma_min: Option<f64>,
    /// Continuous log-uniform sigma in [sigma-min, sigma-max] instead of discrete levels.
    #[arg(long)]
    pub continuous: bool,
    /// Loss weight of multi-level objectives: sigma2 (default) or one.
    #[arg(long, default_value = "sigma2")]
    pub lambda: String,
    /// SSM projections per sample.
    #[arg(long, default_value_t = 1)]
    pub projections: usize,
    /// SSM projection distribution: rademacher or gaussian.
    #[arg(long, default_value = "rademacher")]
    pub projection: String,
    #[arg(long, default_value_t = 2000)]
    pub steps: u64,
    #[arg(long, default_value_t = 512)]
    pub batch: usize,
    /// Hidden widths, comma separated.
    #[arg(long, default_value = "128,128,128")]
    pub hidden: String,
    /// silu, softplus, tanh or elu.
    #[arg(long, default_value = "silu")]
    pub act: String,
    /// Noise embedding: log or sinN.
    #[arg(long, default_value = "log")]
    pub embedding: String,
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Clip the gradient's global norm.
    #[arg(long)]
    pub clip: Option<f64>,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Class-conditional training with label dropout (mixtures).
    #[arg(long)]
    pub conditional: bool,
    #[arg(long, default_value_t = 0.15)]
    pub p_uncond: f64,
    /// Print a report every this many steps (default: 20 reports).
    #[arg(long)]
    pub report_every: Option<u64>,
    #[arg(long, value_name = "MODEL.json")]
    pub out: PathBuf,
}

fn parse_hidden(text: &str) -> Result<Vec<usize>, String> {
    text.split(',')
        .map(|w| w.trim().parse::<usize>().ok().filter(|w| *w > 0))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| format!("--hidden '{text}': expected widths like 128,128,128"))
}

/// The most noise levels a network is trained on (each is evaluated in every report).
const MAX_TRAIN_LEVELS: usize = 1000;

/// The training configuration the arguments describe.
pub fn config_from_args(args: &TrainArgs, data: &Dataset) -> Result<TrainConfig, String> {
    let lambda = match args.lambda.as_str() {
        "sigma2" => Lambda::SigmaSquared,
        "one" => Lambda::One,
        other => return Err(format!("--lambda '{other}': use sigma2 or one")),
    };
    let dist = match args.projection.as_str() {
        "rademacher" => ProjectionDist::Rademacher,
        "gaussian" => ProjectionDist::Gaussian,
        other => {
            return Err(format!(
                "--projection '{other}': use rademacher or gaussian"
            ));
        }
    };
    let ssm = |variance_reduced| Objective::Ssm {
        projections: args.projections.max(1),
        dist,
        variance_reduced,
    };
    let objective = match args.objective.as_str() {
        "esm" => Objective::Esm,
        "ism" => Objective::Ism,
        "ssm" => ssm(false),
        "ssm-vr" => ssm(true),
        "dsm" | "ncsn" => Objective::Dsm,
        "ddpm" => Objective::Ddpm,
        other => {
            return Err(format!(
                "--objective '{other}': use esm, ism, ssm, ssm-vr, dsm, ncsn or ddpm"
            ));
        }
    };
    let wants_levels = args.objective == "ncsn" || args.levels.is_some() || args.continuous;
    let noise = if objective == Objective::Ddpm {
        NoiseSpec::Ddpm {
            schedule: DdpmSchedule::default_linear(),
        }
    } else if wants_levels {
        let sigma_min = args.sigma_min.unwrap_or(0.01);
        let sigma_max = args
            .sigma_max
            .map_or_else(|| DataInfo::of(data).default_sigma_max(), Ok)
            .map_err(|e| format!("{}: {e}", args.data.label()))?;
        if args.continuous {
            SigmaSchedule::geometric(sigma_max, sigma_min, 2)?;
            NoiseSpec::LogUniform {
                sigma_min,
                sigma_max,
                lambda,
            }
        } else {
            let levels = args.levels.unwrap_or(10);
            if !(1..=MAX_TRAIN_LEVELS).contains(&levels) {
                return Err(format!(
                    "--levels must be in 1..={MAX_TRAIN_LEVELS}, got {levels}"
                ));
            }
            let schedule = SigmaSchedule::geometric(sigma_max, sigma_min, levels)?;
            NoiseSpec::Levels { schedule, lambda }
        }
    } else {
        match (args.sigma, objective) {
            (Some(sigma), _) => NoiseSpec::Single { sigma },
            (None, Objective::Dsm) => NoiseSpec::Single { sigma: 0.1 },
            (None, _) => NoiseSpec::Clean,
        }
    };
    let config = TrainConfig {
        objective,
        noise,
        hidden: parse_hidden(&args.hidden)?,
        activation: Activation::parse(&args.act).map_err(|e| format!("--act: {e}"))?,
        embedding: SigmaEmbedding::parse(&args.embedding)
            .map_err(|e| format!("--embedding: {e}"))?,
        conditional: args.conditional,
        p_uncond: args.p_uncond,
        lr: args.lr,
        batch: args.batch,
        clip_norm: args.clip,
        seed: args.seed,
        threads: args.threads,
    };
    config.validate(data.mixture().is_some())?;
    Ok(config)
}

/// The mean relative Fisher divergence over the run's levels (mixtures only) and its levels.
pub fn fisher_report(model: &ScoreModel, trainer: &Trainer) -> Option<(f64, Vec<f64>)> {
    let mixture = trainer.data().mixture()?;
    let source = LearnedScore::new(Arc::new(model.clone()));
    let sigmas = trainer.config().noise.eval_sigmas();
    let per_level = relative_fisher(&source, mixture, &sigmas, FISHER_SAMPLES, 0xf15e);
    let mean = per_level.iter().sum::<f64>() / per_level.len() as f64;
    Some((mean, per_level))
}

pub fn run(args: &TrainArgs) -> Result<(), String> {
    let data = args.data.load()?;
    let config = config_from_args(args, &data)?;
    let mut trainer = Trainer::new(config, data)?;
    let every = args.report_every.unwrap_or((args.steps / 20).max(1)).max(1);
    let (mut train_s, mut window_steps, mut window_s) = (0.0, 0u64, 0.0);
    crate::budget::check_at_most("--steps", args.steps, crate::budget::MAX_TRAIN_STEPS)?;
    let mut rollbacks = 0u64;
    for _ in 0..args.steps {
        let t = Instant::now();
        let outcome = trainer.step();
        let dt = t.elapsed().as_secs_f64();
        train_s += dt;
        window_s += dt;
        window_steps += 1;
        if let Some(lr) = outcome.rolled_back {
            rollbacks += 1;
            let event = serde_json::json!({"event": "rollback", "step": outcome.step, "lr": lr});
            println!("{event}");
        }
        if outcome.step % every == 0 || outcome.step == args.steps {
            let model = trainer.model();
            let fisher = fisher_report(&model, &trainer);
            let line = serde_json::json!({
                "step": outcome.step,
                "loss": finite_or_null(outcome.loss),
                "loss_per_level": outcome.loss_per_level.iter().map(|v| finite_or_null(*v)).collect::<Vec<_>>(),
                "rel_fisher": fisher.as_ref().map(|f| f.0),
                "rel_fisher_per_level": fisher.map(|f| f.1),
                "steps_per_s": window_steps as f64 / window_s.max(1e-12),
                "train_s": train_s,
                "lr": trainer.lr(),
                "rollbacks": rollbacks,
            });
            println!("{line}");
            window_steps = 0;
            window_s = 0.0;
        }
    }
    if args.steps > 0 && rollbacks >= args.steps {
        return Err(format!(
            "{}: not written: every one of the {} steps diverged and was rolled back, so the \
             model is untrained (try a smaller --lr or another --objective)",
            args.out.display(),
            args.steps
        ));
    }
    let model = trainer.model();
    if !model.net.is_finite() {
        return Err(format!(
            "{}: not written: the trained parameters are not finite",
            args.out.display()
        ));
    }
    model.save(&args.out)
}

fn finite_or_null(v: f64) -> serde_json::Value {
    if v.is_finite() {
        v.into()
    } else {
        serde_json::Value::Null
    }
}
