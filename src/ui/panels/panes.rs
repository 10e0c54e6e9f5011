//! The field view: one pane, or two side by side in compare mode. Above them, what the drawn
//! field is (its score and level, and "computing …" while a new one is on its way); in each
//! pane the cached scene, the particles with fading trails and (in edit mode) the mixture's
//! handles; under each, the mode-weight bars against the pane's target. The previous field is
//! drawn dimmed while a new one is computed, and never under another data set's axes.

use super::PanelCtx;
use crate::data::Dataset;
use crate::geom::{Bounds, Point, is_finite};
use crate::live::mixture_edit::{self, Grab};
use crate::live::sampler_worker::PaneView;
use crate::scene::palette;
use crate::scene::spec::{DrawnLevel, FieldSpec, Target, sig3};
use crate::ui::command::AppCommand;
use crate::ui::state::field::Freshness;
use egui::Color32;
use egui_plot::{
    Bar, BarChart, Corner, Legend, Line, Plot, PlotBounds, PlotPoint, PlotPoints, Points, Text,
};

const PANE_COLOURS: [Color32; 2] = [rgb(palette::PANE[0]), rgb(palette::PANE[1])];
const TRUTH: Color32 = rgb(palette::TRUTH);

const fn rgb(c: [u8; 3]) -> Color32 {
    Color32::from_rgb(c[0], c[1], c[2])
}

/// At most this many data points of a point set are drawn.
const DATA_POINTS_DRAWN: usize = 4000;

/// The data of a point set, in grey under the particles (a subsample of large sets).
fn draw_data_points(p: &mut egui_plot::PlotUi, points: &[Point]) {
    let step = points.len().div_ceil(DATA_POINTS_DRAWN).max(1);
    let pts: Vec<[f64; 2]> = points
        .iter()
        .step_by(step)
        .filter(|q| is_finite(q))
        .map(|q| [q.x, q.y])
        .collect();
    p.points(
        Points::new("data", PlotPoints::from(pts))
            .radius(1.2)
            .color(TRUTH.gamma_multiply(0.8)),
    );
}

/// Points the brush adds per frame.
const BRUSH_POINTS: usize = 4;

/// Draws the panes; returns the left plot's transform.
pub fn show(
    ui: &mut egui::Ui,
    cx: &mut PanelCtx,
    texture: Option<&egui::TextureHandle>,
) -> Option<egui_plot::PlotTransform> {
    let app = cx.app;
    let freshness = app.field.freshness(&cx.spec.field);
    field_caption(
        ui,
        &cx.spec.field,
        freshness,
        app.field.result().map(|r| r.sigma),
    );
    let panes = &app.samplers.view.panes;
    let n = panes.len().max(1);
    // Fixed proportions of the space left: the bars and the colour bar never push the plots.
    let avail = ui.available_size();
    let bars_h = if app.data.data.mixture().is_some() {
        (0.17 * avail.y).clamp(80.0, 130.0)
    } else {
        0.0
    };
    let width = avail.x / n as f32 - 8.0;
    let height = (avail.y - bars_h - 64.0).max(120.0);
    let mut transform = None;
    ui.horizontal_top(|ui| {
        for i in 0..n {
            ui.vertical(|ui| {
                ui.set_width(width);
                let pane = panes.get(i);
                let follows = i == 0 && cx.spec.field.follows_sampler;
                let title = pane_title(pane) + if follows { " · the field follows" } else { "" };
                ui.label(egui::RichText::new(title).strong());
                let t = field_plot(ui, cx, i, pane, (width, height), (texture, freshness));
                if i == 0 {
                    transform = Some(t);
                }
                if let Some(p) = pane {
                    mode_bars(ui, i, p, target_of(cx, i), (width, bars_h - 40.0));
                }
            });
        }
    });
    if freshness != Freshness::Nothing
        && let Some(heat) = app.field.cached_scene().and_then(|s| s.heat.as_ref())
    {
        crate::ui::scene_plot::colour_bar(ui, heat, ui.available_width());
    }
    transform
}

/// "field: exact · σ = 1.00", with "computing …" while the asked-for field is on its way.
fn field_caption(ui: &mut egui::Ui, spec: &FieldSpec, fresh: Freshness, shown_sigma: Option<f64>) {
    let level = match spec.level {
        DrawnLevel::Sigma(s) => format!("σ = {}", sig3(s)),
        DrawnLevel::DdpmStep(t) => {
            let ddpm = crate::dist::DdpmSchedule::default_linear();
            format!(
                "t = {t} (σ = {})",
                sig3(ddpm.sigma(t.clamp(1, ddpm.n_steps())))
            )
        }
        DrawnLevel::Vp(abar) => format!(
            "ᾱ = {} (σ = {})",
            sig3(abar),
            sig3(crate::dist::NoiseLevel::Vp { abar }.equivalent_sigma())
        ),
    };
    let level = if spec.follows_sampler {
        format!("{level}, following sampler A")
    } else {
        level
    };
    let score = match spec.exact_guidance {
        Some((k, g)) => format!("exact score guided to class {k} (γ = {})", sig3(g)),
        None => "exact score".to_string(),
    };
    let text = format!("field: {score} · {level}");
    match fresh {
        Freshness::Current => {
            ui.label(text);
        }
        Freshness::Computing => {
            ui.colored_label(
                Color32::from_rgb(240, 190, 60),
                format!(
                    "{text} · computing {level} … (dimmed: the field at σ = {})",
                    shown_sigma.map_or("?".into(), sig3)
                ),
            );
        }
        Freshness::Nothing => {
            ui.colored_label(
                Color32::from_rgb(240, 190, 60),
                format!("{text} · computing {level} for this data …"),
            );
        }
    }
}

/// "annealed-langevin · exact · step 120/1000 · sampler σ = 5.41".
fn pane_title(pane: Option<&PaneView>) -> String {
    pane.map_or("no sampler".to_string(), |p| {
        format!(
            "{} · {} · step {}/{} · sampler σ = {}",
            p.label,
            p.score,
            p.cursor,
            p.total,
            sig3(p.sigma)
        )
    })
}

/// The target of pane `i` as it was started.
fn target_of(cx: &PanelCtx, i: usize) -> Option<Target> {
    let run = cx.app.samplers.running.as_ref()?;
    run.panes.get(i).map(|p| p.target)
}

fn field_plot(
    ui: &mut egui::Ui,
    cx: &mut PanelCtx,
    index: usize,
    pane: Option<&PaneView>,
    (width, height): (f32, f32),
    (texture, fresh): (Option<&egui::TextureHandle>, Freshness),
) -> egui_plot::PlotTransform {
    let app = cx.app;
    let view = app.data.view;
    let editing = app.settings.edit_data && index == 0;
    let scene = app
        .field
        .cached_scene()
        .filter(|_| fresh != Freshness::Nothing);
    // A new view (another data set) gets a new plot id, so its bounds start fresh.
    let response = Plot::new(("field", index, app.data.view_epoch))
        .width(width)
        .height(height)
        .data_aspect(1.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .legend(Legend::default().position(Corner::LeftTop))
        .show(ui, |p| {
            // The data's box, widened to the plot's aspect: equal scales, nothing cropped,
            // whatever the window and the panes.
            let frame = p.transform().frame();
            let shown = view.fit_aspect(f64::from(frame.width() / frame.height().max(1.0)));
            p.set_plot_bounds(PlotBounds::from_min_max(
                [shown.x_min, shown.y_min],
                [shown.x_max, shown.y_max],
            ));
            if let Some(scene) = scene {
                crate::ui::scene_plot::draw_scene(p, scene, texture, fresh == Freshness::Computing);
            }
            if let Dataset::Points(e) = &*app.data.data {
                draw_data_points(p, e.points());
            }
            if let Some(pane) = pane {
                draw_particles(p, &app.samplers.trails, index, pane);
            }
            if editing && let Some(m) = app.data.data.mixture() {
                draw_handles(p, m, app.data.selected);
            }
        });
    let pointer = response
        .response
        .interact_pointer_pos()
        .or(response.response.hover_pos())
        .map(|pos| response.transform.value_from_position(pos))
        .map(|v| Point::new(v.x, v.y));
    if editing && app.data.data.mixture().is_some() {
        edit_interaction(cx, &response.response, pointer, &view);
    } else if editing {
        brush_interaction(cx, &response.response, pointer, &view);
    } else if response.response.clicked()
        && let Some(p) = pointer
    {
        // Click to inject particles where the pointer is.
        cx.emit(AppCommand::Inject(vec![p; 10]));
    }
    response.transform
}

fn draw_particles(
    p: &mut egui_plot::PlotUi,
    trails: &[std::collections::VecDeque<Vec<Point>>],
    index: usize,
    pane: &PaneView,
) {
    let colour = PANE_COLOURS[index % 2];
    if let Some(trail) = trails.get(index)
        && trail.len() > 1
    {
        for k in 0..trail.back().map_or(0, Vec::len) {
            let pts: Vec<[f64; 2]> = trail
                .iter()
                .filter_map(|frame| frame.get(k))
                .filter(|q| is_finite(q))
                .map(|q| [q.x, q.y])
                .collect();
            if pts.len() > 1 {
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
        Points::new(
            format!("{}: {} particles", ["A", "B"][index % 2], pane.label),
            PlotPoints::from(live),
        )
        .radius(1.8)
        .color(colour),
    );
}

fn draw_handles(
    p: &mut egui_plot::PlotUi,
    m: &crate::dist::GaussianMixture,
    selected: Option<usize>,
) {
    for (k, g) in m.components().iter().enumerate() {
        let colour = if selected == Some(k) {
            Color32::from_rgb(255, 0, 255)
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
    cx: &mut PanelCtx,
    response: &egui::Response,
    pointer: Option<Point>,
    view: &Bounds,
) {
    let app = cx.app;
    let (Some(p), Some(m)) = (pointer, app.data.data.mixture()) else {
        return;
    };
    let radius = 0.03 * (view.x_max - view.x_min);
    if response.drag_started() {
        let grab = mixture_edit::grab_at(m, p, radius);
        if let Some(Grab::Mean(k) | Grab::Axis(k, _)) = grab {
            cx.emit(AppCommand::Select(Some(k)));
        }
        cx.emit(AppCommand::Grab(grab));
    }
    if response.dragged()
        && let Some(g) = app.data.grab
    {
        let data = Dataset::Mixture(mixture_edit::drag(m, g, p));
        cx.emit(AppCommand::EditData { data, done: false });
    }
    if response.drag_stopped() && app.data.grab.is_some() {
        cx.emit(AppCommand::Grab(None));
        let data = (*app.data.data).clone();
        cx.emit(AppCommand::EditData { data, done: true });
    }
    if response.clicked() {
        match mixture_edit::grab_at(m, p, radius) {
            Some(Grab::Mean(k) | Grab::Axis(k, _)) => cx.emit(AppCommand::Select(Some(k))),
            None => {
                let data = Dataset::Mixture(mixture_edit::add(m, p));
                cx.emit(AppCommand::EditData { data, done: true });
                cx.emit(AppCommand::Select(Some(m.len())));
            }
        }
    }
}

/// Brush (sample-only data): dragging paints points along the pointer's path, a few per frame
/// with a small seeded jitter; release hands the new point set to the trainer.
fn brush_interaction(
    cx: &mut PanelCtx,
    response: &egui::Response,
    pointer: Option<Point>,
    view: &Bounds,
) {
    let app = cx.app;
    let (Some(p), Dataset::Points(e)) = (pointer, &*app.data.data) else {
        return;
    };
    let done = response.drag_stopped() || response.clicked();
    if response.dragged() || response.clicked() {
        let spread = 0.01 * (view.x_max - view.x_min);
        let mut rng = crate::noise::StreamRng::from_seed(app.data.version);
        let mut points = e.points().to_vec();
        points.extend((0..BRUSH_POINTS).map(|_| p + rng.gaussian2() * spread));
        let data = Dataset::Points(crate::dist::EmpiricalMixture::new(points));
        cx.emit(AppCommand::EditData { data, done });
    } else if done {
        let data = (*app.data.data).clone();
        cx.emit(AppCommand::EditData { data, done: true });
    }
}

/// Mode-weight bars of one pane: sampled fractions beside the pane's target weights (MATH §6).
fn mode_bars(
    ui: &mut egui::Ui,
    index: usize,
    pane: &PaneView,
    target: Option<Target>,
    (width, height): (f32, f32),
) {
    let Some(modes) = &pane.modes else {
        return;
    };
    let colour = PANE_COLOURS[index % 2];
    let bars = |values: &[f64], offset: f64, fill: Color32| -> Vec<Bar> {
        values
            .iter()
            .enumerate()
            .map(|(k, v)| Bar::new(k as f64 + offset, *v).width(0.38).fill(fill))
            .collect()
    };
    let sampled = bars(&modes.mode_fractions, -0.2, colour);
    let truth = bars(&modes.true_weights, 0.2, TRUTH);
    let against = match target {
        Some(Target::Class(k)) => format!("class {k} (guided target)"),
        Some(Target::Tempered(_)) => "the unguided weights (0 < γ < 1 has no closed form)".into(),
        _ => "the true weights".into(),
    };
    ui.label(format!(
        "mode weights (sampled in colour, target in grey): TV {:.3} against {against} · diverged {:.1}%",
        modes.tv,
        100.0 * modes.diverged_fraction
    ))
    .on_hover_text(super::guidance::TARGET_TIP);
    Plot::new(("modes", index))
        .width(width)
        .height(height.max(40.0))
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .include_y(0.0)
        .include_y(1.0)
        .show_axes([false, true])
        .include_y(1.25)
        .show(ui, |p| {
            p.bar_chart(BarChart::new("sampled", sampled).color(colour));
            p.bar_chart(BarChart::new("target", truth).color(TRUTH));
            // The sampled fraction printed over each bar.
            for (k, f) in modes.mode_fractions.iter().enumerate() {
                p.text(Text::new(
                    "",
                    PlotPoint::new(k as f64 - 0.2, f + 0.12),
                    egui::RichText::new(format!("{f:.2}"))
                        .color(colour)
                        .size(13.0),
                ));
            }
        });
}
