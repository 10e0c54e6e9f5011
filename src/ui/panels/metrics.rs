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
            ui.label("training loss");
            let points: Vec<[f64; 2]> = app
                .training
                .loss_history
                .iter()
                .filter(|p| p[1].is_finite())
                .copied()
                .collect();
            Plot::new("loss").width(w).height(h).show(ui, |p| {
                p.line(Line::new("loss", PlotPoints::from(points)));
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
            "loss per level (largest sigma first)",
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
            .allow_drag(false)
            .allow_scroll(false)
            .include_y(0.0)
            .show(ui, |p| {
                p.bar_chart(BarChart::new(id, bars).color(colour));
            });
    });
}
