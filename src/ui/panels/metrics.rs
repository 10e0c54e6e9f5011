//! The metrics strip under the plot: loss history, loss per noise level, and the learned
//! model's relative Fisher divergence per level (MATH §6) against the exact score under the
//! same guidance as the model.

use super::PanelCtx;
use egui::Color32;
use egui_plot::{Bar, BarChart, Line, Plot, PlotPoints};

pub fn show(ui: &mut egui::Ui, cx: &PanelCtx) {
    let app = cx.app;
    let w = (ui.available_width() / 3.0 - 10.0).max(100.0);
    let h = (ui.available_height() - 24.0).max(60.0);
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.label("training loss (raw, and smoothed)");
            let raw: Vec<[f64; 2]> = app
                .training
                .loss_history
                .iter()
                .filter(|p| p[1].is_finite())
                .copied()
                .collect();
            let smooth = smoothed(&raw);
            Plot::new("loss")
                .width(w)
                .height(h)
                .x_axis_label("training step")
                .y_axis_label("loss")
                .legend(egui_plot::Legend::default())
                .show(ui, |p| {
                    p.line(
                        Line::new("raw", PlotPoints::from(raw))
                            .color(Color32::from_gray(120))
                            .width(1.0),
                    );
                    p.line(
                        Line::new("smoothed", PlotPoints::from(smooth))
                            .color(Color32::from_rgb(86, 180, 233))
                            .width(2.5),
                    );
                });
        });
        let per_level = app
            .training
            .snapshot
            .as_ref()
            .map(|s| s.loss_per_level.clone())
            .unwrap_or_default();
        bars(
            ui,
            "loss per level",
            "loss_levels",
            &per_level,
            (w, h),
            Color32::from_rgb(120, 170, 255),
        );
        let fisher = app.field.result().map(|f| f.fisher.clone()).unwrap_or_default();
        let mean = if fisher.is_empty() {
            f64::NAN
        } else {
            fisher.iter().sum::<f64>() / fisher.len() as f64
        };
        let guided = cx.spec.field.learned.and_then(|l| l.cfg);
        let title = match (mean.is_finite(), guided) {
            (false, _) => "relative Fisher per level (train a model to see it)".to_string(),
            (true, None) => format!("relative Fisher per level (mean {mean:.3})"),
            (true, Some((k, g))) => {
                format!("relative Fisher per level vs the exact score guided to class {k} (γ = {g:.2}; mean {mean:.3})")
            }
        };
        bars(ui, &title, "fisher_levels", &fisher, (w, h), Color32::from_rgb(255, 150, 40));
    });
}

/// An exponential moving average of the loss (weight 0.05 per new point): the trend under the
/// noise of single batches.
fn smoothed(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut avg = None;
    points
        .iter()
        .map(|&[x, y]| {
            let a = avg.map_or(y, |a: f64| a + 0.05 * (y - a));
            avg = Some(a);
            [x, a]
        })
        .collect()
}

fn bars(
    ui: &mut egui::Ui,
    title: &str,
    id: &str,
    values: &[f64],
    (w, h): (f32, f32),
    colour: Color32,
) {
    ui.vertical(|ui| {
        ui.label(title);
        let bars: Vec<Bar> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| Bar::new(i as f64, *v).width(0.8).fill(colour))
            .collect();
        Plot::new(id)
            .width(w)
            .height(h)
            .x_axis_label("level (σ_max first)")
            .allow_drag(false)
            .allow_scroll(false)
            .include_y(0.0)
            .show(ui, |p| {
                p.bar_chart(BarChart::new(id, bars).color(colour));
            });
    });
}
