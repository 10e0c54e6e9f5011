//! `scorefield sample`: run a sampler with the exact (or empirical) score; samples as CSV,
//! metrics as one JSON object on stdout.

use super::input::{DataArgs, load_learned};
use crate::atomic_file::write_atomic;
use crate::budget::{
    MAX_PARTICLE_STEPS, MAX_PARTICLES, MAX_TRAJECTORY_POINTS, check_at_most, check_product,
};
use crate::data::Dataset;
use crate::geom::Point;
use crate::metrics::{energy_distance, mode_report};
use crate::sample::op::NoiseUse;
use crate::sample::pc::CorrectorRule;
use crate::sample::runner::write_samples_csv;
use crate::sample::vp::{DdpmVariance, TimestepSpacing};
use crate::sample::{
    DataInfo, EmpiricalScore, ExactMixtureScore, GuidedMixtureScore, InitSpec, Plan, SamplerKind,
    SamplerRun, SamplerSettings, ScoreSource, Trajectories,
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
    /// Number of particles (default 1,280; with --init-file, the file's row count).
    #[arg(long)]
    pub particles: Option<usize>,
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
    #[arg(long, value_parser = InitSpec::parse, conflicts_with = "init_file")]
    pub init: Option<InitSpec>,
    /// Start from these points (CSV `x,y` per particle, as `--points` reads) instead of drawing
    /// them; particle i is row i, so its noise is the same as in a run that drew it.
    #[arg(long, value_name = "START.csv")]
    pub init_file: Option<PathBuf>,
    /// DDIM's eta in [0, 1]: 0 is deterministic (default), 1 equals DDPM with the posterior
    /// variance.
    #[arg(long)]
    pub eta: Option<f64>,
    /// Which DDPM time steps the VP samplers (ddpm, ddim, pc-vp) visit: leading, trailing
    /// (default) or linspace, as standard diffusion libraries define them.
    #[arg(long, value_parser = TimestepSpacing::parse)]
    pub spacing: Option<TimestepSpacing>,
    /// DDPM's noise variance (ddpm, pc-vp): beta (default, sigma_t^2 = beta_t) or posterior
    /// (sigma_t^2 = beta_t (1 - abar_{t-1}) / (1 - abar_t)).
    #[arg(long, value_parser = DdpmVariance::parse)]
    pub variance: Option<DdpmVariance>,
    /// The pc-vp corrector's step factor: abar (default; the score-SDE paper's Algorithm 5) or
    /// one-minus-beta (that paper's reference code).
    #[arg(long, value_parser = CorrectorRule::parse)]
    pub corrector_rule: Option<CorrectorRule>,
    /// End with one denoising step to Tweedie's estimate E[x_0 | x] at the final level (MATH §5).
    #[arg(long)]
    pub denoise: bool,
    /// Also write every Gaussian draw the run uses, `step,particle,z_x,z_y` (and the accept
    /// uniform `u` for MALA), so another implementation can replay the run.
    #[arg(long, value_name = "FILE.csv")]
    pub noise_out: Option<PathBuf>,
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
    check_sampler_options(args)?;
    let start = match &args.init_file {
        Some(path) => Some(load_start(path, args.particles)?),
        None => None,
    };
    let n_particles = match &start {
        Some(xs) => xs.len(),
        None => args.particles.unwrap_or(1280),
    };
    if n_particles == 0 {
        return Err("--particles must be at least 1".to_string());
    }
    check_at_most("--particles", n_particles as u64, MAX_PARTICLES)?;
    let exact_source;
    let guided_source;
    let empirical_source;
    let learned_source;
    let source: &dyn ScoreSource = if let Some(path) = args.score.strip_prefix("model:") {
        if args.guidance_class.is_some() {
            return Err("--guidance-class uses the exact posterior; with a model use --class and --cfg-scale".into());
        }
        learned_source = load_learned(std::path::Path::new(path), args.class, args.cfg_scale)?;
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
    let defaults = SamplerSettings::new(args.sampler);
    let settings = SamplerSettings {
        eps: args.eps,
        n_steps: args.steps,
        n_levels: args.levels,
        sigma_max: args.sigma_max,
        sigma_min: args.sigma_min,
        init: args.init,
        snr: args.snr,
        escape: args.escape,
        ddim_eta: args.eta.unwrap_or(defaults.ddim_eta),
        spacing: args.spacing.unwrap_or(defaults.spacing),
        ddpm_variance: args.variance.unwrap_or(defaults.ddpm_variance),
        corrector_rule: args.corrector_rule.unwrap_or(defaults.corrector_rule),
        denoise: args.denoise,
        ..defaults
    };
    let info = DataInfo::of(&data);
    if args.sigma_max.is_none() {
        info.default_sigma_max()
            .map_err(|e| format!("{}: {e}", args.data.label()))?;
    }
    let plan = Plan::build(&settings, &info, source)?;
    check_product(
        "--particles × steps",
        &[n_particles as u64, plan.ops.len() as u64],
        MAX_PARTICLE_STEPS,
    )?;
    let mut params = plan.params.clone();
    if let Some(path) = &args.init_file {
        params["init"] = format!("file {}", path.display()).into();
    }
    if let Some(path) = &args.noise_out {
        check_noise_rows(&plan, n_particles)?;
        write_atomic(path, |w| write_noise(w, &plan, args.seed, n_particles))?;
    }
    let stride = args.trajectories.as_ref().map(|_| {
        args.stride
            .unwrap_or_else(|| (plan.ops.len() / 100).max(1))
            .max(1)
    });
    if let Some(stride) = stride {
        let frames = (plan.ops.len() / stride + 2) as u64;
        check_product(
            "--particles × trajectory frames (steps / --stride)",
            &[n_particles as u64, frames],
            MAX_TRAJECTORY_POINTS,
        )?;
    }
    let mut run = match start {
        Some(xs) => SamplerRun::from_particles(plan, xs, args.seed),
        None => SamplerRun::new(plan, n_particles, args.seed),
    };
    let traj = run.run_to_end(source, stride);

    let live = crate::sample::runner::live_points(run.positions(), run.alive());
    // Particles keep their last finite position when they diverge; only a start outside the
    // number range could be non-finite, and that is never written.
    if run.positions().iter().any(|p| !crate::geom::is_finite(p)) {
        return Err(format!(
            "{}: not written: some particles never had a finite position (check --init and --sigma-max)",
            args.out.display()
        ));
    }
    write_atomic(&args.out, |w| {
        write_samples_csv(w, run.positions(), run.alive())
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
        "particles": n_particles,
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

/// Options that only some samplers take are errors elsewhere, so a typo'd comparison fails
/// loudly instead of silently running the default.
fn check_sampler_options(args: &SampleArgs) -> Result<(), String> {
    let kind = args.sampler;
    let only = |given: bool, flag: &str, ok: bool, which: &str| {
        if given && !ok {
            Err(format!(
                "--{flag} applies to {which}, not to --sampler {}",
                kind.name()
            ))
        } else {
            Ok(())
        }
    };
    only(args.eta.is_some(), "eta", kind == SamplerKind::Ddim, "ddim")?;
    only(
        args.spacing.is_some(),
        "spacing",
        kind.is_vp(),
        "ddpm, ddim and pc-vp",
    )?;
    only(
        args.variance.is_some(),
        "variance",
        matches!(kind, SamplerKind::Ddpm | SamplerKind::PcVp),
        "ddpm and pc-vp",
    )?;
    only(
        args.corrector_rule.is_some(),
        "corrector-rule",
        kind == SamplerKind::PcVp,
        "pc-vp (the VE corrector always uses alpha = 1)",
    )?;
    if let Some(eta) = args.eta
        && !(0.0..=1.0).contains(&eta)
    {
        return Err(format!("--eta must be in [0, 1], got {eta}"));
    }
    Ok(())
}

/// The start points of `--init-file` (the points loader bounds them), as many as `--particles`
/// if that is given.
fn load_start(path: &std::path::Path, particles: Option<usize>) -> Result<Vec<Point>, String> {
    let xs = crate::data::points_file::load_points_csv(path).map_err(|e| e.to_string())?;
    match particles {
        Some(n) if n != xs.len() => Err(format!(
            "--particles {n} disagrees with {}, which holds {} points (leave --particles out)",
            path.display(),
            xs.len()
        )),
        _ => Ok(xs),
    }
}

/// The most rows `--noise-out` writes (about 60 bytes each).
const MAX_NOISE_ROWS: u64 = 20_000_000;

fn check_noise_rows(plan: &Plan, n_particles: usize) -> Result<(), String> {
    let steps = plan
        .ops
        .iter()
        .filter(|op| op.noise_use() != NoiseUse::None)
        .count() as u64;
    let rows = steps.saturating_mul(n_particles as u64);
    if rows > MAX_NOISE_ROWS {
        return Err(format!(
            "--noise-out: {steps} noisy steps x {n_particles} particles = {rows} rows, more than the limit of {MAX_NOISE_ROWS}; use fewer --steps or --particles"
        ));
    }
    Ok(())
}

/// Every draw the run makes, from the same counter-based keys the ops use.
fn write_noise(
    w: &mut dyn Write,
    plan: &Plan,
    seed: u64,
    n_particles: usize,
) -> std::io::Result<()> {
    use crate::noise::{LANE_ACCEPT, StreamRng, step_gaussian};
    let mala = plan
        .ops
        .iter()
        .any(|op| op.noise_use() == NoiseUse::GaussianAndUniform);
    writeln!(
        w,
        "{}",
        if mala {
            "step,particle,z_x,z_y,u"
        } else {
            "step,particle,z_x,z_y"
        }
    )?;
    for (step, op) in plan.ops.iter().enumerate() {
        let use_ = op.noise_use();
        if use_ == NoiseUse::None {
            continue;
        }
        let step = step as u64;
        for i in 0..n_particles as u64 {
            let z = step_gaussian(seed, i, step);
            if use_ == NoiseUse::GaussianAndUniform {
                let u = StreamRng::for_key(seed, i, step, LANE_ACCEPT).uniform();
                writeln!(w, "{step},{i},{},{},{u}", z.x, z.y)?;
            } else if mala {
                writeln!(w, "{step},{i},{},{},", z.x, z.y)?;
            } else {
                writeln!(w, "{step},{i},{},{}", z.x, z.y)?;
            }
        }
    }
    Ok(())
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
