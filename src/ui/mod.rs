//! The egui front end. Only this module imports egui/eframe; the workers it runs
//! (`field_worker`, `sampler_worker`) use the numerical library alone.

pub mod app;
pub mod bench_frame;
pub mod colormap;
pub mod controls;
pub mod export;
pub mod field_worker;
pub mod images_panel;
pub mod metrics_view;
pub mod mixture_edit;
pub mod plot_view;
pub mod sampler_worker;
pub mod screenshot;
pub mod settings;

pub use app::ScorefieldApp;
pub use settings::Settings;

/// Opens the app window with the saved settings (or the defaults). With `screenshot`, saves a
/// PNG of the window once the first field layers are drawn, and closes (used to check what the
/// app shows, headless under Xvfb).
/// How the app is launched.
#[derive(Clone, Debug, Default)]
pub struct Launch {
    pub screenshot: Option<std::path::PathBuf>,
    pub screenshot_after_s: f64,
    /// Start training and the samplers at once.
    pub autoplay: bool,
    /// Open the image panel at start.
    pub images: bool,
}

pub fn run_app(launch: Launch) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("scorefield")
            .with_inner_size([1400.0, 900.0]),
        ..Default::default()
    };
    eframe::run_native(
        "scorefield",
        options,
        Box::new(move |cc| {
            // A screenshot run shows the defaults, not whatever was saved last.
            let mut app = ScorefieldApp::new(Settings::default(), launch.screenshot.clone());
            if let (None, Some(storage)) = (&launch.screenshot, cc.storage) {
                restore(&mut app, storage);
            }
            app.delay_screenshot(launch.screenshot_after_s);
            if launch.autoplay {
                app.autoplay();
            }
            app.images.open = launch.images;
            app.images.autostart = launch.images && launch.autoplay;
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| format!("cannot open the window: {e}"))
}

/// Restores the autosaved session and recent files; a bad autosave is reported, not fatal.
fn restore(app: &mut ScorefieldApp, storage: &dyn eframe::Storage) {
    if let Some(text) = storage.get_string(app::AUTOSAVE_KEY) {
        match crate::session::Session::from_json(text.as_bytes(), "autosave")
            .and_then(|s| app.apply_session(s))
        {
            Ok(()) => {}
            Err(e) => app
                .errors_mut()
                .push(format!("{e} (starting from the defaults)")),
        }
    }
    if let Some(recent) = eframe::get_value::<Vec<String>>(storage, app::RECENT_KEY) {
        app.recent = recent;
    }
}
