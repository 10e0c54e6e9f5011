//! The `scorefield` binary: the app with no subcommand, headless commands otherwise.

use clap::Parser;
use scorefield::cli::bench::Frontends;
use scorefield::cli::{Cli, run};

fn main() {
    // Before any thread or graphics library starts (see `runtime_dir`).
    scorefield::runtime_dir::ensure_runtime_dir();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(command) => run(
            command,
            &Frontends {
                bench_frame: scorefield::ui::bench_frame::run,
                bench_app: scorefield::ui::bench_app::run,
            },
        ),
        None => scorefield::ui::run_app(scorefield::ui::Launch {
            screenshot: cli.screenshot,
            screenshot_after_s: cli.screenshot_after,
            autoplay: cli.autoplay,
            images: cli.images,
            images_checkpoint: cli.images_checkpoint,
            lecture: cli.lecture,
            session: cli.session,
            window_size: cli.window_size,
            presenter: cli.presenter,
            measure_frames_s: cli.measure_frames,
        }),
    };
    if let Err(message) = result {
        eprintln!("error: {message}");
        std::process::exit(2);
    }
}
