//! `scorefield render`: one view of a session or preset as PNG or SVG, from the same scene the
//! app draws.

use crate::data::Dataset;
use crate::metrics::mode_report;
use crate::nn::ScoreModel;
use crate::sample::{DataInfo, Plan, SamplerRun};
use crate::scene::layers::{FieldRequest, compute};
use crate::scene::{PointLayer, Scene, field_scene};
use crate::session::settings::Heatmap;
use crate::session::{DataSpec, Session, Settings};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct RenderArgs {
    /// A session file to render.
    #[arg(long, value_name = "FILE", conflicts_with = "preset")]
    pub session: Option<PathBuf>,
    /// A built-in data set (with the default settings).
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// density, score-true, score-model, error, tweedie, samples or compare.
    #[arg(long, default_value = "score-true")]
    pub view: String,
    /// Noise level shown (default: the session's).
    #[arg(long)]
    pub sigma: Option<f64>,
    /// A trained model for score-model and error (default: the session's).
    #[arg(long, value_name = "MODEL.json")]
    pub model: Option<PathBuf>,
    #[arg(long, default_value_t = 1200)]
    pub width: u32,
    #[arg(long, default_value_t = 900)]
    pub height: u32,
    /// Scale of text and marks in PNG output (2 for a high-DPI slide at twice the pixels).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// FILE.png or FILE.svg.
    #[arg(long)]
    pub out: PathBuf,
}

fn load(args: &RenderArgs) -> Result<Session, String> {
    let mut session = match (&args.session, &args.preset) {
        (Some(path), _) => Session::load(path)?,
        (None, Some(name)) => {
            crate::data::preset(name)?;
            Session {
                title: name.clone(),
                data: DataSpec::Preset(name.clone()),
                settings: Settings {
                    preset: name.clone(),
                    ..Settings::default()
                },
                model: None,
            }
        }
        (None, None) => return Err("give --session FILE or --preset NAME".into()),
    };
    if let Some(path) = &args.model {
        session.model = Some(ScoreModel::load(path)?);
    }
    if let Some(sigma) = args.sigma {
        crate::dist::NoiseLevel::Ve { sigma }
            .validate()
            .map_err(|e| format!("--sigma: {e}"))?;
        session.settings.sigma = sigma;
    }
    Ok(session)
}

/// The scene of one view.
pub fn view_scene(session: &Session, view: &str) -> Result<Scene, String> {
    let data = Arc::new(session.dataset()?);
    let mut s = session.settings.clone();
    s.show_exact = false;
    s.show_learned = false;
    s.show_tweedie = false;
    s.heatmap = Heatmap::Density;
    let needs_model = matches!(view, "score-model" | "error");
    if needs_model && session.model.is_none() {
        return Err(format!(
            "--view {view} needs a trained model: give --model MODEL.json or a session with weights"
        ));
    }
    match view {
        "density" => {}
        "score-true" => s.show_exact = true,
        "score-model" => s.show_learned = true,
        "error" => {
            s.heatmap = Heatmap::Error;
            s.show_learned = true;
        }
        "tweedie" => s.show_tweedie = true,
        "samples" | "compare" => {}
        other => {
            return Err(format!(
                "--view '{other}': use density, score-true, score-model, error, tweedie, samples or compare"
            ));
        }
    }
    let view_box = crate::scene::view_of(&data);
    let field = compute(&FieldRequest {
        id: 0,
        data: data.clone(),
        sigma: s.sigma,
        vp_abar: None,
        bounds: view_box,
        heat_n: 160,
        arrow_n: s.arrow_n,
        model: session.model.clone().filter(|_| needs_model).map(Arc::new),
        guidance: None,
        cfg: None,
        fisher_sigmas: Vec::new(),
    });
    let label = if session.title.is_empty() {
        s.preset.clone()
    } else {
        session.title.clone()
    };
    let mut scene = field_scene(&field, &s, &format!("{label} · {view} · sigma {}", s.sigma));
    if view == "samples" {
        let kind = s.sampler_a.clone();
        add_samples(&mut scene, &data, &s, &kind, [255, 120, 60])?;
    }
    Ok(scene)
}

/// The scenes of a view: two panes (samplers A and B from the same particles and noise) for
/// `compare`, one otherwise.
pub fn view_scenes(session: &Session, view: &str) -> Result<Vec<Scene>, String> {
    if view != "compare" {
        return Ok(vec![view_scene(session, view)?]);
    }
    let data = session.dataset()?;
    let s = &session.settings;
    let base = view_scene(session, "density")?;
    let mut panes = Vec::new();
    for (kind, colour) in [
        (&s.sampler_a, [255, 120, 60]),
        (&s.sampler_b, [90, 200, 255]),
    ] {
        let mut scene = base.clone();
        add_samples(&mut scene, &data, s, kind, colour)?;
        panes.push(scene);
    }
    Ok(panes)
}

/// Runs a sampler and adds its final particles (and its TV, for mixtures) to the scene.
fn add_samples(
    scene: &mut Scene,
    data: &Dataset,
    s: &Settings,
    kind: &str,
    colour: [u8; 3],
) -> Result<(), String> {
    let (points, tv) = run_sampler(data, s, kind)?;
    scene.title = format!(
        "{kind}{}",
        tv.map_or(String::new(), |tv| format!(" · TV {tv:.3}"))
    );
    scene.points.push(PointLayer {
        name: kind.to_string(),
        colour,
        points,
    });
    Ok(())
}

/// Runs a sampler pane of the settings with the exact (or empirical) score to the end.
fn run_sampler(
    data: &Dataset,
    s: &Settings,
    kind: &str,
) -> Result<(Vec<crate::geom::Point>, Option<f64>), String> {
    let source = crate::sample::reference_source(data);
    let source = source.as_ref();
    let plan = Plan::build(&s.sampler_settings(kind)?, &DataInfo::of(data), source)?;
    check_run_budget(s.particles, &plan)?;
    let mut run = SamplerRun::new(plan, s.particles, s.seed);
    run.run_to_end(source, None);
    let tv = data
        .mixture()
        .map(|m| mode_report(m, run.positions(), run.alive()).tv);
    let live = run
        .positions()
        .iter()
        .zip(run.alive())
        .filter(|(_, a)| **a)
        .map(|(p, _)| *p)
        .collect();
    Ok((live, tv))
}

pub fn run(args: &RenderArgs) -> Result<(), String> {
    let session = load(args)?;
    // What goes wrong with a session's contents names the session file.
    let scenes = view_scenes(&session, &args.view).map_err(|e| match &args.session {
        Some(path) => format!("{}: {e}", path.display()),
        None => e,
    })?;
    match args.out.extension().and_then(|e| e.to_str()) {
        Some("png") => crate::render::files::write_png_panes(
            &scenes,
            args.width,
            args.height,
            args.scale,
            &args.out,
        ),
        Some("svg") => {
            crate::render::files::write_svg_panes(&scenes, args.width, args.height, &args.out)
        }
        _ => Err(format!(
            "--out {}: use a .png or .svg file name",
            args.out.display()
        )),
    }
}

/// `scorefield animate`: a sampler run (or the sigma sweep of the field) as an animated GIF.
#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct AnimateArgs {
    #[arg(long, value_name = "FILE", conflicts_with = "preset")]
    pub session: Option<PathBuf>,
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// The sampler to animate (default: the session's sampler A); `sigma-sweep` animates the
    /// field from sigma_max down to sigma_min instead.
    #[arg(long)]
    pub sampler: Option<String>,
    /// Frames in the animation.
    #[arg(long, default_value_t = 40)]
    pub frames: usize,
    #[arg(long, default_value_t = 10)]
    pub fps: u32,
    #[arg(long, default_value_t = 640)]
    pub width: u32,
    #[arg(long, default_value_t = 480)]
    pub height: u32,
    /// FILE.gif
    #[arg(long)]
    pub out: PathBuf,
}

pub fn animate(args: &AnimateArgs) -> Result<(), String> {
    if args.out.extension().and_then(|e| e.to_str()) != Some("gif") {
        return Err(format!(
            "--out {}: use a .gif file name",
            args.out.display()
        ));
    }
    if !(1..=500).contains(&args.frames) {
        return Err(format!("--frames must be in 1..=500, got {}", args.frames));
    }
    crate::render::animation::check_gif(args.frames, args.width, args.height, args.fps)?;
    let session = load(&RenderArgs {
        session: args.session.clone(),
        preset: args.preset.clone(),
        view: "density".into(),
        sigma: None,
        model: None,
        width: args.width,
        height: args.height,
        scale: 1.0,
        out: args.out.clone(),
    })?;
    animate_session(
        &session,
        args.sampler.as_deref(),
        args.frames,
        args.fps,
        args.width,
        args.height,
        &args.out,
    )
    .map_err(|e| match &args.session {
        Some(path) => format!("{}: {e}", path.display()),
        None => e,
    })
}

/// Writes the animation of a session: a sampler run (default: sampler A) or `sigma-sweep`.
pub fn animate_session(
    session: &Session,
    sampler: Option<&str>,
    frames: usize,
    fps: u32,
    width: u32,
    height: u32,
    out: &std::path::Path,
) -> Result<(), String> {
    let scenes = match sampler {
        Some("sigma-sweep") => sigma_sweep(session, frames)?,
        other => sampler_frames(
            session,
            other.unwrap_or(&session.settings.sampler_a),
            frames,
        )?,
    };
    crate::render::animation::write_gif(&scenes, width, height, fps, out)
}

/// The field at `frames` levels from sigma_max down to sigma_min.
fn sigma_sweep(session: &Session, frames: usize) -> Result<Vec<Scene>, String> {
    let s = &session.settings;
    let levels = crate::dist::SigmaSchedule::geometric(
        s.sampler_sigma_max,
        s.sampler_sigma_min.min(s.sampler_sigma_max),
        frames.max(1),
    )?;
    levels
        .sigmas()
        .iter()
        .map(|&sigma| {
            let mut one = session.clone();
            one.settings.sigma = sigma;
            view_scene(&one, "score-true")
        })
        .collect()
}

/// A headless sampler run must stay within the work budget (the app steps its runs per frame
/// and stays responsive, so it takes any session; a figure must finish).
fn check_run_budget(particles: usize, plan: &Plan) -> Result<(), String> {
    crate::budget::check_product(
        "settings.particles × sampler steps",
        &[particles as u64, plan.ops.len() as u64],
        crate::budget::MAX_PARTICLE_STEPS,
    )
}

/// Particles every few steps of a sampler run over the density at the step's level.
fn sampler_frames(session: &Session, kind: &str, frames: usize) -> Result<Vec<Scene>, String> {
    let data = session.dataset()?;
    let s = &session.settings;
    let source = crate::sample::reference_source(&data);
    let source = source.as_ref();
    let plan = Plan::build(&s.sampler_settings(kind)?, &DataInfo::of(&data), source)?;
    check_run_budget(s.particles, &plan)?;
    let stride = plan.ops.len().div_ceil(frames.max(2) - 1).max(1);
    let mut run = SamplerRun::new(plan, s.particles, s.seed);
    let trajectories = run.run_to_end(source, Some(stride));
    let background = {
        let mut quiet = session.clone();
        quiet.settings.show_exact = false;
        view_scene(&quiet, "density")?
    };
    let plan = run.plan();
    Ok(trajectories
        .frames
        .iter()
        .map(|(step, xs, alive)| {
            let sigma = plan
                .ops
                .get((*step).min(plan.ops.len().saturating_sub(1)))
                .map_or(0.0, |o| o.level().equivalent_sigma());
            let mut scene = background.clone();
            scene.title = format!("{kind} · step {step}/{} · sigma {sigma:.3}", plan.ops.len());
            let points = xs
                .iter()
                .zip(alive)
                .filter(|(_, a)| **a)
                .map(|(p, _)| *p)
                .collect();
            scene.points = vec![PointLayer {
                name: kind.to_string(),
                colour: [255, 120, 60],
                points,
            }];
            scene
        })
        .collect())
}
