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

use crate::session::autosave::AutosaveStore;
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
            if launch.screenshot.is_none() {
                let store = AutosaveStore::new(AutosaveStore::default_dir());
                restore(&mut app, &store, cc.storage);
                app.autosave = Some(store);
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
    app.recent = store.recent();
    if app.recent.is_empty()
        && let Some(recent) =
            legacy.and_then(|st| eframe::get_value::<Vec<String>>(st, app::RECENT_KEY))
    {
        app.recent = recent;
    }
}
