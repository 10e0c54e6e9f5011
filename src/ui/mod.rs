//! The egui front end. Only this module imports egui/eframe.

pub mod app;
pub mod colormap;
pub mod field_view;
pub mod screenshot;

pub use app::ScorefieldApp;

/// Opens the app window. With `screenshot`, saves a PNG of the window after a few frames and
/// closes (used to check what the app shows, headless under Xvfb).
pub fn run_app(screenshot: Option<std::path::PathBuf>) -> Result<(), String> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("scorefield")
            .with_inner_size([1100.0, 760.0]),
        ..Default::default()
    };
    eframe::run_native(
        "scorefield",
        options,
        Box::new(move |_cc| Ok(Box::new(ScorefieldApp::new(screenshot)))),
    )
    .map_err(|e| format!("cannot open the window: {e}"))
}
