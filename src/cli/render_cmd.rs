//! `scorefield render` and `scorefield animate`: the flags of a figure; the figures themselves
//! are composed in [`crate::scene::figures`] and [`crate::scene::animation`], as in the app.

use crate::nn::ScoreModel;
use crate::render::files::{FigureFormat, FigureSize, write_figure};
use crate::session::playlist::{Entry, load_playlist};
use crate::session::{DataSpec, Session, Settings};
use clap::Args;
use std::path::{Path, PathBuf};

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
    /// A playlist file, or `lectures` for every built-in lecture in order: one figure per
    /// slide into --out-dir.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["session", "preset", "lecture", "out"])]
    pub playlist: Option<PathBuf>,
    /// density, score-true, score-model, error, tweedie, samples, compare or slide (the
    /// session's own layers and samplers, as the app shows them; the default for --playlist).
    #[arg(long)]
    pub view: Option<String>,
    /// Noise level shown (default: the session's).
    #[arg(long)]
    pub sigma: Option<f64>,
    /// A trained model for score-model and error (default: the session's).
    #[arg(long, value_name = "MODEL.json")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub size: SizeArgs,
    /// FILE.png, FILE.svg or FILE.pdf.
    #[arg(long, required_unless_present = "playlist")]
    pub out: Option<PathBuf>,
    /// The folder for --playlist's figures (made if missing), named NN-SLIDE.FORMAT.
    #[arg(long, value_name = "DIR", requires = "playlist")]
    pub out_dir: Option<PathBuf>,
    /// png, svg or pdf: the format of --playlist's figures.
    #[arg(long, default_value = "png", requires = "playlist")]
    pub format: String,
}

/// The size flags `render` and `animate` share, checked alike ([`FigureSize::checked`]).
#[derive(Debug, Args)]
pub struct SizeArgs {
    /// Width in pixels (SVG and PDF: points), 64..=8192 [default: render 1200, animate 640].
    #[arg(long)]
    pub width: Option<u32>,
    /// Height in pixels (SVG and PDF: points), 64..=8192 [default: render 900, animate 480].
    #[arg(long)]
    pub height: Option<u32>,
    /// Scale of text and marks, 0.25..=8 (2 for a high-DPI slide at twice the pixels).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
}

impl SizeArgs {
    /// The size, `default` where a flag is not given, checked.
    fn checked(&self, default: (u32, u32)) -> Result<FigureSize, String> {
        FigureSize::checked(
            self.width.unwrap_or(default.0),
            self.height.unwrap_or(default.1),
            self.scale,
        )
    }
}

/// Where a session came from, to name it in errors and in the files of a playlist.
struct Source {
    session: Session,
    /// The session file, when there is one (errors in its contents name it).
    file: Option<PathBuf>,
}

/// The session the flags name, with --model and --sigma applied.
fn load(args: &SessionFlags) -> Result<Session, String> {
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

/// The flags that choose a session.
struct SessionFlags {
    session: Option<PathBuf>,
    preset: Option<String>,
    lecture: Option<String>,
    sigma: Option<f64>,
    model: Option<PathBuf>,
}

/// Checks a --view name.
fn check_view(view: &str) -> Result<(), String> {
    if crate::scene::figures::VIEWS.contains(&view) {
        Ok(())
    } else {
        Err(format!(
            "--view '{view}': use {}",
            crate::scene::figures::VIEWS.join(", ")
        ))
    }
}

/// The slides of a playlist file, or of every built-in lecture for the word `lectures`: each
/// slide's session and its file stem (`01-score-field`).
fn slides(playlist: &Path) -> Result<Vec<(String, Source)>, String> {
    let entries = if playlist == Path::new("lectures") {
        crate::session::lectures::LECTURES
            .iter()
            .map(|l| Entry::Lecture(l.name))
            .collect()
    } else {
        load_playlist(playlist)?
    };
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let (name, file) = match entry {
                Entry::Lecture(name) => (name.to_string(), None),
                Entry::File(path) => (
                    path.file_stem()
                        .map_or("slide".into(), |s| s.to_string_lossy().into_owned()),
                    Some(path.clone()),
                ),
            };
            let session = entry
                .session()
                .map_err(|e| format!("{}: {}: {e}", playlist.display(), entry.label()))?;
            Ok((format!("{:02}-{name}", i + 1), Source { session, file }))
        })
        .collect()
}

/// The figure of one session; errors in the session's contents name its file.
fn figure(source: &Source, view: &str, size: FigureSize, out: &Path) -> Result<(), String> {
    let session = &source.session;
    if matches!(view, "score-model" | "error") && session.model.is_none() {
        return Err(format!(
            "--view {view} needs a trained model: give --model MODEL.json or a session with weights"
        ));
    }
    let scenes =
        crate::scene::figures::view_scenes(session, view).map_err(|e| match &source.file {
            Some(path) => format!("{}: {e}", path.display()),
            None => e,
        })?;
    write_figure(&scenes, size, out)
}

/// The folder of a playlist's files, made if missing.
fn out_dir(dir: Option<&PathBuf>) -> Result<PathBuf, String> {
    let dir = dir.ok_or("--playlist needs --out-dir DIR")?.clone();
    std::fs::create_dir_all(&dir).map_err(|e| format!("--out-dir {}: {e}", dir.display()))?;
    Ok(dir)
}

pub fn run(args: &RenderArgs) -> Result<(), String> {
    let size = args.size.checked((1200, 900))?;
    let view = args.view.clone().unwrap_or_else(|| {
        if args.playlist.is_some() {
            "slide"
        } else {
            "score-true"
        }
        .into()
    });
    check_view(&view)?;
    if let Some(playlist) = &args.playlist {
        let format = FigureFormat::parse(&args.format)
            .ok_or_else(|| format!("--format '{}': use png, svg or pdf", args.format))?;
        let dir = out_dir(args.out_dir.as_ref())?;
        for (stem, source) in slides(playlist)? {
            let out = dir.join(format!("{stem}.{}", format.extension()));
            figure(&source, &view, size, &out)?;
            println!("{}", out.display());
        }
        return Ok(());
    }
    let out = args.out.clone().ok_or("give --out FILE or --playlist")?;
    FigureFormat::from_path(&out)?;
    let source = Source {
        session: load(&SessionFlags {
            session: args.session.clone(),
            preset: args.preset.clone(),
            lecture: args.lecture.clone(),
            sigma: args.sigma,
            model: args.model.clone(),
        })?,
        file: args.session.clone(),
    };
    figure(&source, &view, size, &out)
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
    /// A playlist file, or `lectures` for every built-in lecture in order: one GIF per slide
    /// into --out-dir.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["session", "preset", "lecture", "out"])]
    pub playlist: Option<PathBuf>,
    /// The sampler to animate (default: the session's sampler A); `sigma-sweep` animates the
    /// field from sigma_max down to sigma_min instead.
    #[arg(long)]
    pub sampler: Option<String>,
    /// Frames in the animation.
    #[arg(long, default_value_t = 40)]
    pub frames: usize,
    #[arg(long, default_value_t = 10)]
    pub fps: u32,
    #[command(flatten)]
    pub size: SizeArgs,
    /// FILE.gif
    #[arg(long, required_unless_present = "playlist")]
    pub out: Option<PathBuf>,
    /// The folder for --playlist's GIFs (made if missing), named NN-SLIDE.gif.
    #[arg(long, value_name = "DIR", requires = "playlist")]
    pub out_dir: Option<PathBuf>,
}

pub fn animate(args: &AnimateArgs) -> Result<(), String> {
    if !(1..=500).contains(&args.frames) {
        return Err(format!("--frames must be in 1..=500, got {}", args.frames));
    }
    let size = args.size.checked((640, 480))?;
    crate::render::animation::check_gif(args.frames, size.width, size.height, args.fps)?;
    let what = crate::scene::animation::Animation::parse(args.sampler.as_deref())
        .map_err(|e| format!("--sampler: {e}"))?;
    let one = |source: &Source, out: &Path| {
        crate::scene::animation::write_animation(
            &source.session,
            what,
            args.frames,
            args.fps,
            size,
            out,
        )
        .map_err(|e| match &source.file {
            Some(path) => format!("{}: {e}", path.display()),
            None => e,
        })
    };
    if let Some(playlist) = &args.playlist {
        let dir = out_dir(args.out_dir.as_ref())?;
        for (stem, source) in slides(playlist)? {
            let out = dir.join(format!("{stem}.gif"));
            one(&source, &out)?;
            println!("{}", out.display());
        }
        return Ok(());
    }
    let out = args
        .out
        .clone()
        .ok_or("give --out FILE.gif or --playlist")?;
    if out.extension().and_then(|e| e.to_str()) != Some("gif") {
        return Err(format!("--out {}: use a .gif file name", out.display()));
    }
    let source = Source {
        session: load(&SessionFlags {
            session: args.session.clone(),
            preset: args.preset.clone(),
            lecture: args.lecture.clone(),
            sigma: None,
            model: None,
        })?,
        file: args.session.clone(),
    };
    one(&source, &out)
}
