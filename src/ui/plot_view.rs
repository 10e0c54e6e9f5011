//! The field view: one pane, or two side by side in compare mode. Each pane draws the heatmap,
//! score arrows, particles with fading trails and (in edit mode) the mixture's handles, and
//! under it the mode-weight bars against the true weights. Non-finite values are never drawn.

use super::app::{HEAT_N, ScorefieldApp};
use super::mixture_edit::{self, Grab};
use super::sampler_worker::{PaneView, SamplerCommand};
use crate::data::Dataset;
use crate::geom::{Bounds, Point, is_finite};
use crate::scene::{field_scene, heat_rgba};
use egui::Color32;
use egui_plot::{Arrows, Bar, BarChart, Line, Plot, PlotImage, PlotPoint, PlotPoints, Points};

const PANE_COLOURS: [Color32; 2] = [
    Color32::from_rgb(255, 120, 60),
    Color32::from_rgb(90, 200, 255),
];

impl ScorefieldApp {
    /// Rebuilds the heatmap texture when its field result or layer changed.
    fn refresh_heatmap(&mut self, ctx: &egui::Context) {
        let Some(field) = &self.field else {
            return;
        };
        let key = (field.id, self.settings.heatmap, self.settings.log_scale);
        if self.heat_key == Some(key) {
            return;
        }
        self.heat_key = Some(key);
        match heat_rgba(field, self.settings.heatmap, self.settings.log_scale) {
            Some(rgba) if field.heat_n == HEAT_N => {
                let image = egui::ColorImage::from_rgba_unmultiplied([HEAT_N, HEAT_N], &rgba);
                match &mut self.heat_texture {
                    Some(t) => t.set(image, egui::TextureOptions::LINEAR),
                    None => {
                        self.heat_texture =
                            Some(ctx.load_texture("heatmap", image, egui::TextureOptions::LINEAR))
                    }
                }
            }
            _ => self.heat_texture = None,
        }
    }

    /// The field view: one pane, or two in compare mode.
    pub(crate) fn panes_ui(&mut self, ui: &mut egui::Ui) {
        self.refresh_heatmap(&ui.ctx().clone());
        let panes = self.sampler_view.panes.clone();
        let n = panes.len().max(1);
        let bars_h = if self.data.mixture().is_some() {
            90.0
        } else {
            0.0
        };
        let width = ui.available_width() / n as f32 - 8.0;
        let height = (ui.available_height() - bars_h - 24.0).max(120.0);
        ui.horizontal_top(|ui| {
            for i in 0..n {
                ui.vertical(|ui| {
                    ui.set_width(width);
                    let pane = panes.get(i);
                    let title = pane.map_or("no sampler".to_string(), |p| {
                        format!(
                            "{} · step {}/{} · sigma {:.3}",
                            p.label, p.cursor, p.total, p.sigma
                        )
                    });
                    ui.label(egui::RichText::new(title).strong());
                    self.field_plot_ui(ui, i, pane, width, height);
                    if let Some(p) = pane {
                        mode_bars_ui(ui, i, p, width);
                    }
                });
            }
        });
    }

    fn field_plot_ui(
        &mut self,
        ui: &mut egui::Ui,
        index: usize,
        pane: Option<&PaneView>,
        width: f32,
        height: f32,
    ) {
        let view = self.view;
        let editing = self.settings.edit_data && index == 0;
        // A new view (another data set) gets a new plot id, so its bounds start fresh.
        let response = Plot::new(("field", index, self.view_epoch))
            .width(width)
            .height(height)
            .data_aspect(1.0)
            .allow_drag(!editing)
            .allow_boxed_zoom(!editing)
            .allow_double_click_reset(true)
            // Fixed bounds: the view does not jump as arrows and particles arrive.
            .default_x_bounds(view.x_min, view.x_max)
            .default_y_bounds(view.y_min, view.y_max)
            .show(ui, |p| {
                self.draw_layers(p);
                if let Some(pane) = pane {
                    self.draw_particles(p, index, pane);
                }
                if editing && self.data.mixture().is_some() {
                    self.draw_handles(p);
                }
            });
        if index == 0 {
            self.plot_transform = Some(response.transform);
        }
        let pointer = response
            .response
            .interact_pointer_pos()
            .or(response.response.hover_pos())
            .map(|pos| response.transform.value_from_position(pos))
            .map(|v| Point::new(v.x, v.y));
        if editing && self.data.mixture().is_some() {
            self.edit_interaction(&response.response, pointer, &view);
        } else if editing {
            self.brush_interaction(&response.response, pointer, &view);
        } else if response.response.clicked()
            && let Some(p) = pointer
        {
            // Click to inject particles where the pointer is.
            self.sampler_command(SamplerCommand::Inject(vec![p; 10]));
        }
    }

    fn draw_layers(&self, p: &mut egui_plot::PlotUi) {
        let s = &self.settings;
        if let (Some(tex), Some(field)) = (&self.heat_texture, &self.field)
            && let Some(b) = field.bounds
        {
            // Heat grid nodes sit on the box edges: the image spans one cell more.
            let cell = (b.x_max - b.x_min) / (field.heat_n - 1) as f64;
            p.image(PlotImage::new(
                "heatmap",
                tex.id(),
                PlotPoint::new(0.5 * (b.x_min + b.x_max), 0.5 * (b.y_min + b.y_max)),
                [
                    (b.x_max - b.x_min + cell) as f32,
                    (b.y_max - b.y_min + cell) as f32,
                ],
            ));
        }
        let Some(field) = &self.field else {
            return;
        };
        // The same figure description the exporters draw (scene::field_scene).
        let scene = field_scene(field, s, "");
        for line in &scene.contours {
            let pts: Vec<[f64; 2]> = line
                .iter()
                .filter(|q| is_finite(q))
                .map(|q| [q.x, q.y])
                .collect();
            p.line(
                Line::new("", PlotPoints::from(pts))
                    .color(Color32::from_white_alpha(110))
                    .width(1.0),
            );
        }
        for layer in &scene.arrows {
            let (o, t): (Vec<[f64; 2]>, Vec<[f64; 2]>) = layer
                .segments
                .iter()
                .map(|(a, b)| ([a.x, a.y], [b.x, b.y]))
                .unzip();
            let [r, g, b] = layer.colour;
            p.arrows(
                Arrows::new(layer.name.clone(), PlotPoints::from(o), PlotPoints::from(t))
                    .color(Color32::from_rgb(r, g, b)),
            );
        }
    }

    fn draw_particles(&self, p: &mut egui_plot::PlotUi, index: usize, pane: &PaneView) {
        let colour = PANE_COLOURS[index % 2];
        if let Some(trail) = self.trails.get(index) {
            let len = trail.len();
            for k in 0..trail.back().map_or(0, Vec::len) {
                let pts: Vec<[f64; 2]> = trail
                    .iter()
                    .filter_map(|frame| frame.get(k))
                    .filter(|q| is_finite(q))
                    .map(|q| [q.x, q.y])
                    .collect();
                if pts.len() > 1 && len > 1 {
                    p.line(
                        Line::new("", PlotPoints::from(pts))
                            .color(colour.gamma_multiply(0.25))
                            .width(1.0),
                    );
                }
            }
        }
        let live: Vec<[f64; 2]> = pane
            .positions
            .iter()
            .zip(&pane.alive)
            .filter(|(q, a)| **a && is_finite(q))
            .map(|(q, _)| [q.x, q.y])
            .collect();
        p.points(
            Points::new(format!("{} particles", pane.label), PlotPoints::from(live))
                .radius(1.8)
                .color(colour),
        );
    }

    fn draw_handles(&self, p: &mut egui_plot::PlotUi) {
        let Some(m) = self.data.mixture() else {
            return;
        };
        for (k, g) in m.components().iter().enumerate() {
            let selected = self.selected == Some(k);
            let colour = if selected {
                Color32::YELLOW
            } else {
                Color32::from_gray(230)
            };
            let ring: Vec<[f64; 2]> = mixture_edit::ellipse(g, 48)
                .iter()
                .map(|q| [q.x, q.y])
                .collect();
            p.line(
                Line::new("", PlotPoints::from(ring))
                    .color(colour)
                    .width(1.5),
            );
            let [mean, a, b] = mixture_edit::handles(g);
            p.points(
                Points::new("", PlotPoints::from(vec![[mean.x, mean.y]]))
                    .radius(6.0)
                    .color(colour),
            );
            p.points(
                Points::new("", PlotPoints::from(vec![[a.x, a.y], [b.x, b.y]]))
                    .radius(4.0)
                    .color(colour)
                    .filled(false),
            );
        }
    }

    /// Edit mode: press on a handle grabs it (else a click adds a component), dragging moves it,
    /// release hands the edited data to the trainer.
    fn edit_interaction(
        &mut self,
        response: &egui::Response,
        pointer: Option<Point>,
        view: &Bounds,
    ) {
        let Some(p) = pointer else {
            return;
        };
        let Some(m) = self.data.mixture().cloned() else {
            return;
        };
        let radius = 0.03 * (view.x_max - view.x_min);
        if response.drag_started() {
            self.grab = mixture_edit::grab_at(&m, p, radius);
            if let Some(Grab::Mean(k) | Grab::Axis(k, _)) = self.grab {
                self.selected = Some(k);
            }
        }
        if response.dragged()
            && let Some(g) = self.grab
        {
            self.set_data(Dataset::Mixture(mixture_edit::drag(&m, g, p)), false);
        }
        if response.drag_stopped() && self.grab.take().is_some() {
            self.data_edited();
        }
        if response.clicked() {
            match mixture_edit::grab_at(&m, p, radius) {
                Some(Grab::Mean(k) | Grab::Axis(k, _)) => self.selected = Some(k),
                None => {
                    self.set_data(Dataset::Mixture(mixture_edit::add(&m, p)), false);
                    self.selected = Some(m.len());
                    self.data_edited();
                }
            }
        }
    }
}

impl ScorefieldApp {
    /// Brush (sample-only data): dragging paints points along the pointer's path, a few per
    /// frame with a small seeded jitter; release hands the new point set to the trainer.
    fn brush_interaction(
        &mut self,
        response: &egui::Response,
        pointer: Option<Point>,
        view: &Bounds,
    ) {
        let (Some(p), Dataset::Points(e)) = (pointer, &*self.data) else {
            return;
        };
        if response.dragged() || response.clicked() {
            let spread = 0.01 * (view.x_max - view.x_min);
            let mut rng = crate::noise::StreamRng::from_seed(self.data_version);
            let mut points = e.points().to_vec();
            points.extend((0..BRUSH_POINTS).map(|_| p + rng.gaussian2() * spread));
            self.set_data(
                Dataset::Points(crate::dist::EmpiricalMixture::new(points)),
                false,
            );
        }
        if response.drag_stopped() || response.clicked() {
            self.data_edited();
        }
    }
}

/// Points the brush adds per frame.
const BRUSH_POINTS: usize = 4;

/// Mode-weight bars of one pane: sampled fractions beside the true weights (MATH §6).
fn mode_bars_ui(ui: &mut egui::Ui, index: usize, pane: &PaneView, width: f32) {
    let Some(modes) = &pane.modes else {
        return;
    };
    let colour = PANE_COLOURS[index % 2];
    let sampled: Vec<Bar> = modes
        .mode_fractions
        .iter()
        .enumerate()
        .map(|(k, f)| Bar::new(k as f64 - 0.2, *f).width(0.38).fill(colour))
        .collect();
    let truth: Vec<Bar> = modes
        .true_weights
        .iter()
        .enumerate()
        .map(|(k, w)| {
            Bar::new(k as f64 + 0.2, *w)
                .width(0.38)
                .fill(Color32::from_gray(150))
        })
        .collect();
    ui.label(format!(
        "mode weights: TV {:.3} · diverged {:.1}% (grey: true)",
        modes.tv,
        100.0 * modes.diverged_fraction
    ));
    Plot::new(("modes", index))
        .width(width)
        .height(60.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .include_y(0.0)
        .include_y(1.0)
        .show_axes([false, true])
        .show(ui, |p| {
            p.bar_chart(BarChart::new("sampled", sampled).color(colour));
            p.bar_chart(BarChart::new("true", truth).color(Color32::from_gray(150)));
        });
}
