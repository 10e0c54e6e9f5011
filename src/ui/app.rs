//! The first window: the `ncsn-two-modes` density heatmap and exact score arrows of `q_sigma`
//! with a sigma slider (MATH §2.1). The full lecture app grows from here.

use super::field_view::{heatmap_rgba, score_arrows};
use crate::data::{Dataset, preset};
use crate::geom::{Bounds, Point};
use egui_plot::{Arrows, Plot, PlotImage, PlotPoint, PlotPoints};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

const HEATMAP_N: usize = 160;
const ARROWS_N: usize = 25;
const VIEW: Bounds = Bounds {
    x_min: -10.0,
    x_max: 10.0,
    y_min: -10.0,
    y_max: 10.0,
};

/// The app's state.
pub struct ScorefieldApp {
    data: Dataset,
    sigma: f64,
    log_scale: bool,
    /// The `(sigma, log_scale)` the layers were computed for.
    shown: Option<(f64, bool)>,
    heatmap: Option<egui::TextureHandle>,
    arrows: Vec<(Point, Point)>,
    screenshot: Option<ScreenshotRequest>,
}

/// A pending "save a screenshot and close" request.
struct ScreenshotRequest {
    path: PathBuf,
    frames_left: u32,
    requested: bool,
    done: Arc<Mutex<Option<Result<(), String>>>>,
}

impl ScorefieldApp {
    pub fn new(screenshot: Option<PathBuf>) -> ScorefieldApp {
        let data = preset("ncsn-two-modes")
            .map(|p| p.dataset())
            .expect("ncsn-two-modes is a built-in preset");
        ScorefieldApp {
            data,
            sigma: 1.0,
            log_scale: true,
            shown: None,
            heatmap: None,
            arrows: Vec::new(),
            screenshot: screenshot.map(|path| ScreenshotRequest {
                path,
                frames_left: 5,
                requested: false,
                done: Arc::new(Mutex::new(None)),
            }),
        }
    }

    /// The noise level currently drawn.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }

    /// Number of score arrows currently drawn.
    pub fn arrow_count(&self) -> usize {
        self.arrows.len()
    }

    /// Recomputes the layers when sigma changed (a 160x160 and a 25x25 grid: well under a
    /// millisecond for a mixture).
    fn refresh(&mut self, ctx: &egui::Context) {
        let wanted = (self.sigma, self.log_scale);
        if self.shown == Some(wanted) && self.heatmap.is_some() {
            return;
        }
        let rgba = heatmap_rgba(&self.data, self.sigma, HEATMAP_N, VIEW, self.log_scale);
        let image = egui::ColorImage::from_rgba_unmultiplied([HEATMAP_N, HEATMAP_N], &rgba);
        match &mut self.heatmap {
            Some(tex) => tex.set(image, egui::TextureOptions::LINEAR),
            None => {
                self.heatmap =
                    Some(ctx.load_texture("density", image, egui::TextureOptions::LINEAR));
            }
        }
        self.arrows = score_arrows(&self.data, self.sigma, ARROWS_N, VIEW);
        self.shown = Some(wanted);
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("scorefield");
        ui.label("ncsn-two-modes: weights 0.8 / 0.2 at (-5,-5) and (5,5)");
        ui.add_space(8.0);
        ui.add(
            egui::Slider::new(&mut self.sigma, 0.01..=20.0)
                .logarithmic(true)
                .text("sigma"),
        )
        .on_hover_text(
            "Noise level: q_sigma = p * N(0, sigma^2 I). The arrows are the exact score \
             grad log q_sigma(x) = sum_k r_k(x) C_k^-1 (mu_k - x), C_k = S_k + sigma^2 I.",
        );
        ui.checkbox(&mut self.log_scale, "log density")
            .on_hover_text(
                "Log scale: log q_sigma over its top 12 nats. Linear: q_sigma / max q_sigma.",
            );
        ui.add_space(8.0);
        ui.label("Heatmap: q_sigma (viridis).");
        ui.label("Arrows: exact score; length ~ sqrt(|s|).");
    }

    fn plot_ui(&self, ui: &mut egui::Ui) {
        Plot::new("field")
            .data_aspect(1.0)
            .include_x(VIEW.x_min)
            .include_x(VIEW.x_max)
            .show(ui, |plot_ui| {
                if let Some(tex) = &self.heatmap {
                    plot_ui.image(PlotImage::new(
                        "density",
                        tex.id(),
                        PlotPoint::new(0.0, 0.0),
                        [
                            (VIEW.x_max - VIEW.x_min) as f32,
                            (VIEW.y_max - VIEW.y_min) as f32,
                        ],
                    ));
                }
                let origins: Vec<[f64; 2]> = self.arrows.iter().map(|(o, _)| [o.x, o.y]).collect();
                let tips: Vec<[f64; 2]> = self.arrows.iter().map(|(_, t)| [t.x, t.y]).collect();
                plot_ui.arrows(
                    Arrows::new(
                        "exact score",
                        PlotPoints::from(origins),
                        PlotPoints::from(tips),
                    )
                    .color(egui::Color32::WHITE),
                );
            });
    }

    /// Drives a pending screenshot: wait a few frames, request it, close once it is saved.
    fn screenshot_step(&mut self, ctx: &egui::Context) {
        let Some(req) = &mut self.screenshot else {
            return;
        };
        let outcome = req.done.lock().map(|mut d| d.take()).unwrap_or(None);
        if let Some(result) = outcome {
            match result {
                Ok(()) => println!("screenshot saved to {}", req.path.display()),
                Err(e) => eprintln!("error: {e}"),
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if req.frames_left > 0 {
            req.frames_left -= 1;
        } else if !req.requested {
            req.requested = true;
            let (path, done) = (req.path.clone(), req.done.clone());
            ctx.request_screenshot(move |image| {
                let result = super::screenshot::save_png(&image, &path);
                if let Ok(mut d) = done.lock() {
                    *d = Some(result);
                }
            });
        }
        ctx.request_repaint();
    }
}

impl eframe::App for ScorefieldApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.refresh(&ctx);
        egui::Panel::left("controls")
            .default_size(260.0)
            .show(ui, |ui| self.controls_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| self.plot_ui(ui));
        self.screenshot_step(&ctx);
    }
}
