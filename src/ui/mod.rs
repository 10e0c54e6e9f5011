//! The egui front end: commands → state → view specification → scene → egui. Only this module
//! imports egui/eframe; the workers it runs live in `crate::live`, the figure description in
//! `crate::scene`. It does not import `crate::cli` (the binary hands the command line what it
//! needs from here).

pub mod app;
pub mod bench_app;
pub mod bench_frame;
pub mod command;
pub mod export;
pub mod fonts;
pub mod frame_stats;
pub mod images_panel;
pub mod inputs;
pub mod keys;
pub mod panels;
pub mod scene_plot;
pub mod screenshot;
pub mod session_ops;
pub mod shell;
pub mod state;

pub use crate::session::Settings;
pub use app::ScorefieldApp;
pub use command::AppCommand;

use crate::session::autosave::AutosaveStore;

/// How the app is launched.
#[derive(Clone, Debug, Default)]
pub struct Launch {
    /// Save a PNG of the window once the first field layers are drawn, and close (used to
    /// check what the app shows, headless under Xvfb).
    pub screenshot: Option<std::path::PathBuf>,
    pub screenshot_after_s: f64,
    /// Start training and the samplers at once.
    pub autoplay: bool,
    /// Open the image panel at start.
    pub images: bool,
    /// Open the image panel with this checkpoint loaded.
    pub images_checkpoint: Option<std::path::PathBuf>,
    /// Open on this built-in lecture.
    pub lecture: Option<String>,
    /// Open on this session file.
    pub session: Option<std::path::PathBuf>,
    /// The window's inner size in points (default 1400×900).
    pub window_size: Option<(f32, f32)>,
    /// Start in presenter mode.
    pub presenter: bool,
    /// Run this many seconds, print the frame statistics as JSON and close.
    pub measure_frames_s: Option<f64>,
}

/// Opens the app window with the saved settings (or the defaults).
pub fn run_app(launch: Launch) -> Result<(), String> {
    // A session given at launch must load: check it before the window opens.
    let session = match &launch.session {
        Some(path) => Some(crate::session::Session::load(path)?),
        None => None,
    };
    let lecture = match &launch.lecture {
        Some(name) => Some(
            crate::session::lectures::find(name)
                .map_err(|e| format!("--lecture: {e}"))?
                .0,
        ),
        None => None,
    };
    // So is a checkpoint: a bad file is refused by name before any window opens.
    if let Some(path) = &launch.images_checkpoint {
        crate::gpu::checkpoint::Checkpoint::load(path)
            .map_err(|e| format!("--images-checkpoint: {e}"))?;
    }
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("scorefield")
            .with_inner_size(launch.window_size.map_or([1400.0, 900.0], |(w, h)| [w, h])),
        ..Default::default()
    };
    // A screenshot or a measurement shows the window at the size it asks for, not the size an
    // earlier run left in eframe's store, and leaves nothing there: it gets a store of its own.
    let ephemeral = (launch.screenshot.is_some() || launch.measure_frames_s.is_some()).then(|| {
        std::env::temp_dir().join(format!("scorefield-ephemeral-{}.ron", std::process::id()))
    });
    let options = eframe::NativeOptions {
        persist_window: ephemeral.is_none(),
        persistence_path: ephemeral.clone(),
        ..options
    };
    eframe::run_native(
        "scorefield",
        options,
        Box::new(move |cc| {
            // A screenshot run shows the defaults, not whatever was saved last.
            let mut app = ScorefieldApp::new(Settings::default(), launch.screenshot.clone());
            if launch.screenshot.is_none() && launch.measure_frames_s.is_none() {
                let store = AutosaveStore::new(AutosaveStore::default_dir());
                restore(&mut app, &store, cc.storage);
                app.nav.autosave = Some(store);
            }
            if let Some(i) = lecture {
                app.apply(AppCommand::GoToLecture(i));
            }
            if let Some(s) = session.clone()
                && let Err(e) = app.apply_session(s)
            {
                app.errors_mut().push(e);
            }
            app.delay_screenshot(launch.screenshot_after_s);
            app.shell.frame_stats = launch.measure_frames_s.map(frame_stats::FrameStats::new);
            if launch.presenter {
                app.settings.presenter = true;
            }
            if launch.autoplay {
                app.autoplay();
            }
            app.images.open = launch.images || launch.images_checkpoint.is_some();
            app.images.autostart = launch.images && launch.autoplay;
            if let Some(path) = &launch.images_checkpoint {
                app.images.load_when_ready(path);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| format!("cannot open the window: {e}"))?;
    if let Some(path) = ephemeral {
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Restores the autosaved session and recent files (falling back to the backup autosave); a
/// bad autosave is reported, not fatal. An autosave that earlier versions kept in eframe's store
/// is read once when the autosave folder has none.
fn restore(app: &mut ScorefieldApp, store: &AutosaveStore, legacy: Option<&dyn eframe::Storage>) {
    let restored = store.load();
    let mut messages = restored.messages;
    let session = match restored.session {
        Some(s) => Some(Ok(s)),
        None => legacy
            .and_then(|st| st.get_string(app::AUTOSAVE_KEY))
            .map(|text| crate::session::Session::from_json(text.as_bytes(), "autosave")),
    };
    if let Some(Err(e)) = session.map(|r| r.and_then(|s| app.apply_session(s))) {
        messages.push(format!("{e} (starting from the defaults)"));
    }
    app.errors_mut().extend(messages);
    app.nav.recent = store.recent();
    if app.nav.recent.is_empty()
        && let Some(recent) =
            legacy.and_then(|st| eframe::get_value::<Vec<String>>(st, app::RECENT_KEY))
    {
        app.nav.recent = recent;
    }
}
