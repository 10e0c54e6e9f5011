//! The headless command line. With no subcommand the binary opens the app.
//! Machine output (JSON) goes to stdout; errors go to stderr with a non-zero exit status.

pub mod bench;
pub mod bench_images;
pub mod bench_train;
pub mod field_cmd;
pub mod images_cmd;
pub mod input;
pub mod render_cmd;
pub mod sample_cmd;
pub mod train_cmd;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "scorefield",
    version,
    about = "Score-based generative models, live. With no subcommand, opens the app."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Open the app, save a PNG screenshot of the window to this file after a few frames, and
    /// close.
    #[arg(long, value_name = "FILE.png")]
    pub screenshot: Option<std::path::PathBuf>,
    /// Wait this many seconds before the screenshot.
    #[arg(long, default_value_t = 0.0, requires = "screenshot", value_parser = seconds_0_600)]
    pub screenshot_after: f64,
    /// Start training and play the samplers as soon as the app opens.
    #[arg(long)]
    pub autoplay: bool,
    /// Open the image panel (the GPU score network) at start.
    #[arg(long)]
    pub images: bool,
    /// Open the image panel with this checkpoint loaded (from `images train`), sampling from it.
    #[arg(long, value_name = "FILE.sfimg")]
    pub images_checkpoint: Option<std::path::PathBuf>,
    /// Open the app on a built-in lecture (`scorefield lectures` lists them).
    #[arg(long, value_name = "NAME", conflicts_with = "session")]
    pub lecture: Option<String>,
    /// Open the app on a session file.
    #[arg(long, value_name = "FILE")]
    pub session: Option<std::path::PathBuf>,
    /// The window's size in points, WIDTHxHEIGHT (default 1400x900).
    #[arg(long, value_name = "WxH", value_parser = parse_window_size)]
    pub window_size: Option<(f32, f32)>,
    /// Start in presenter mode (panels hidden, larger text).
    #[arg(long)]
    pub presenter: bool,
    /// Run the app this many seconds, print its frame rate, UI time per frame and field
    /// refresh rate as JSON, and close (a benchmark of the whole app, renderer included).
    #[arg(long, value_name = "SECONDS", value_parser = seconds_1_600)]
    pub measure_frames: Option<f64>,
}

/// Seconds, finite and within `lo..=hi`.
fn seconds_in(text: &str, lo: f64, hi: f64) -> Result<f64, String> {
    let v: f64 = text
        .parse()
        .map_err(|_| format!("'{text}': give a number of seconds"))?;
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(format!("'{text}': the seconds must be in {lo}..={hi}"))
    }
}

fn seconds_0_600(text: &str) -> Result<f64, String> {
    seconds_in(text, 0.0, 600.0)
}

fn seconds_1_600(text: &str) -> Result<f64, String> {
    seconds_in(text, 1.0, 600.0)
}

/// `1280x720` as points; 320..=7680 by 240..=4320.
fn parse_window_size(text: &str) -> Result<(f32, f32), String> {
    let bad = || format!("'{text}': give WIDTHxHEIGHT, e.g. 1280x720");
    let (w, h) = text.split_once('x').ok_or_else(bad)?;
    let (w, h): (u32, u32) = (w.parse().map_err(|_| bad())?, h.parse().map_err(|_| bad())?);
    if !(320..=7680).contains(&w) || !(240..=4320).contains(&h) {
        return Err(format!(
            "'{text}': the size must be within 320x240 and 7680x4320"
        ));
    }
    Ok((w as f32, h as f32))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Lists the built-in data sets.
    Presets,
    /// Lists the built-in lectures (open one with `--lecture NAME`).
    Lectures,
    /// Writes the exact field `x,y,log_density,score_x,score_y` on an N x N grid (CSV).
    Field(field_cmd::FieldArgs),
    /// Runs a sampler and writes the final samples `x,y` (CSV); prints metrics as JSON.
    Sample(sample_cmd::SampleArgs),
    /// Renders one view of a session or preset as PNG or SVG.
    Render(render_cmd::RenderArgs),
    /// Animates a sampler run (or the sigma sweep of the field) as a GIF.
    Animate(render_cmd::AnimateArgs),
    /// Trains the score network; prints JSON lines and saves the model.
    Train(train_cmd::TrainArgs),
    /// The image-scale score network on the GPU (wgpu): train, sample.
    Images {
        #[command(subcommand)]
        which: images_cmd::ImagesCommand,
    },
    /// Benchmarks; prints one JSON object per configuration.
    Bench {
        #[command(subcommand)]
        which: bench::BenchKind,
    },
}

/// Runs a headless command. Returns the message to print on failure.
pub fn run(command: Command, frontends: &bench::Frontends) -> Result<(), String> {
    match command {
        Command::Presets => {
            for p in crate::data::PRESETS {
                println!("{:<18} {}", p.name, p.description);
            }
            Ok(())
        }
        Command::Lectures => {
            for (i, l) in crate::session::lectures::LECTURES.iter().enumerate() {
                println!("{:>2}  {:<22} {}", i + 1, l.name, l.title);
            }
            Ok(())
        }
        Command::Field(args) => field_cmd::run(&args),
        Command::Sample(args) => sample_cmd::run(&args),
        Command::Train(args) => train_cmd::run(&args),
        Command::Render(args) => render_cmd::run(&args),
        Command::Animate(args) => render_cmd::animate(&args),
        Command::Images { which } => images_cmd::run(&which),
        Command::Bench { which } => bench::run(&which, frontends),
    }
}
