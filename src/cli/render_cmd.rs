//! `scorefield render` and `scorefield animate`: the flags of a figure; the figures themselves
//! are composed in [`crate::scene::figures`] and [`crate::scene::animation`], as in the app.

use crate::nn::ScoreModel;
use crate::session::{DataSpec, Session, Settings};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct RenderArgs {
    /// A session file to render.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["preset", "lecture"])]
    pub session: Option<PathBuf>,
    /// A built-in data set (with the default settings).
    #[arg(long, value_name = "NAME", conflicts_with = "lecture")]
    pub preset: Option<String>,
    /// A built-in lecture (`scorefield lectures` lists them).
    #[arg(long, value_name = "NAME")]
    pub lecture: Option<String>,
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
        (None, _) if args.lecture.is_some() => {
            let name = args.lecture.as_deref().unwrap_or_default();
            crate::session::lectures::find(name)
                .map_err(|e| format!("--lecture: {e}"))?
                .1
                .session()
        }
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
        (None, None) => {
            return Err("give --session FILE, --preset NAME or --lecture NAME".into());
        }
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

pub fn run(args: &RenderArgs) -> Result<(), String> {
    let session = load(args)?;
    if !crate::scene::figures::VIEWS.contains(&args.view.as_str()) {
        return Err(format!(
            "--view '{}': use {}",
            args.view,
            crate::scene::figures::VIEWS.join(", ")
        ));
    }
    if matches!(args.view.as_str(), "score-model" | "error") && session.model.is_none() {
        return Err(format!(
            "--view {} needs a trained model: give --model MODEL.json or a session with weights",
            args.view
        ));
    }
    // What goes wrong with a session's contents names the session file.
    let scenes =
        crate::scene::figures::view_scenes(&session, &args.view).map_err(|e| {
            match &args.session {
                Some(path) => format!("{}: {e}", path.display()),
                None => e,
            }
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
    #[arg(long, value_name = "FILE", conflicts_with_all = ["preset", "lecture"])]
    pub session: Option<PathBuf>,
    #[arg(long, value_name = "NAME", conflicts_with = "lecture")]
    pub preset: Option<String>,
    /// A built-in lecture (`scorefield lectures` lists them).
    #[arg(long, value_name = "NAME")]
    pub lecture: Option<String>,
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
        lecture: args.lecture.clone(),
        view: "density".into(),
        sigma: None,
        model: None,
        width: args.width,
        height: args.height,
        scale: 1.0,
        out: args.out.clone(),
    })?;
    let what = crate::scene::animation::Animation::parse(args.sampler.as_deref())
        .map_err(|e| format!("--sampler: {e}"))?;
    crate::scene::animation::write_animation(
        &session,
        what,
        args.frames,
        args.fps,
        (args.width, args.height),
        &args.out,
    )
    .map_err(|e| match &args.session {
        Some(path) => format!("{}: {e}", path.display()),
        None => e,
    })
}
