//! The model and its training: objective, network, optimiser, noise schedule, run / pause /
//! step / reset, and the badge when the settings changed since the network was built.

use super::{Panel, PanelCtx};
use crate::session::settings::TrainObjective;
use crate::ui::command::AppCommand;

/// The objectives with their formulas.
fn tip(o: TrainObjective) -> &'static str {
    match o {
        TrainObjective::Ncsn => {
            "NCSN DSM: mean over levels of sigma^2 * 1/2 |s(x+sigma z, sigma) + z/sigma|^2 (MATH §3.5)"
        }
        TrainObjective::Ism => {
            "ISM: 1/2 |s|^2 + tr(ds/dx), exact trace by forward-mode tangents (MATH §3.2)"
        }
        TrainObjective::Ssm => "SSM: 1/2 (v.s)^2 + v.(ds/dx)v, Rademacher v (MATH §3.3)",
        TrainObjective::SsmVr => "SSM-VR: 1/2 |s|^2 + v.(ds/dx)v (MATH §3.3)",
    }
}

pub struct TrainingPanel;

impl Panel for TrainingPanel {
    fn title(&self) -> &'static str {
        "Model and training"
    }

    fn ui(&self, ui: &mut egui::Ui, cx: &mut PanelCtx) {
        let app = cx.app;
        let s = &mut cx.draft;
        egui::ComboBox::from_label("objective")
            .selected_text(s.objective.name())
            .show_ui(ui, |ui| {
                for o in TrainObjective::ALL {
                    ui.selectable_value(&mut s.objective, o, o.name())
                        .on_hover_text(tip(o));
                }
            })
            .response
            .on_hover_text(tip(s.objective));
        ui.add(egui::Slider::new(&mut s.width, 16..=256).text("width"))
            .on_hover_text("units per hidden layer of s_θ(x, σ): an MLP on (x, embedding of σ)");
        ui.add(egui::Slider::new(&mut s.depth, 1..=5).text("depth"))
            .on_hover_text("hidden layers of the MLP");
        egui::ComboBox::from_label("activation")
            .selected_text(s.activation.name())
            .show_ui(ui, |ui| {
                for a in crate::nn::Activation::ALL {
                    ui.selectable_value(&mut s.activation, a, a.name());
                }
            })
            .response
            .on_hover_text("the hidden layers' nonlinearity; smooth ones (silu, softplus, tanh, elu) give ISM and SSM their second derivatives");
        ui.add(
            egui::Slider::new(&mut s.lr, 1e-5..=1e-1)
                .logarithmic(true)
                .text("learning rate"),
        )
        .on_hover_text("Adam: theta <- theta - lr m_hat / (sqrt(v_hat) + eps); applies at once");
        ui.add(
            egui::Slider::new(&mut s.batch, 16..=4096)
                .logarithmic(true)
                .text("batch"),
        )
        .on_hover_text("applies at once");
        if app.data.data.mixture().is_some() {
            ui.checkbox(&mut s.conditional, "class-conditional (for CFG)")
                .on_hover_text("Labels are the mixture components, replaced by the null class with probability 0.15 (MATH §3.7). Adding or deleting a component then needs a reset.");
        }
        ui.label("noise schedule (training)");
        ui.add(
            egui::Slider::new(&mut s.train_sigma_min, 0.01..=2.0)
                .logarithmic(true)
                .text("sigma_min"),
        )
        .on_hover_text("Small enough that q_sigma_min ~ p_data (MATH §1)");
        ui.add(egui::Slider::new(&mut s.train_sigma_max, 0.0..=50.0).text("sigma_max (0 = auto)"))
            .on_hover_text("the largest training level; 0 takes the largest pairwise distance of the data (MATH §1)");
        ui.add(egui::Slider::new(&mut s.train_levels, 2..=30).text("levels L"))
            .on_hover_text("training levels σᵢ, geometric from sigma_max to sigma_min (MATH §1)");
        let heuristic = app.data.info.sigma_max_heuristic;
        ui.label(format!(
            "max pairwise distance heuristic: sigma_max ~ {heuristic:.2}"
        ))
        .on_hover_text(
            "sigma_i = sigma_max (sigma_min/sigma_max)^(i/(L-1)), largest first (MATH §1)",
        );
        levels_plot(ui, &crate::ui::state::training::train_sigmas(s, &app.data));
        if let Some(what) = app.training.stale(&s.training_group()) {
            ui.colored_label(
                egui::Color32::from_rgb(240, 190, 60),
                format!("{what} changed since this network was built: Reset training applies it"),
            );
        }
        buttons(ui, cx);
    }
}

fn buttons(ui: &mut egui::Ui, cx: &mut PanelCtx) {
    let app = cx.app;
    ui.horizontal_wrapped(|ui| {
        if app.training.running() {
            if ui.button("Pause training").clicked() {
                cx.emit(AppCommand::TrainPause);
            }
        } else if ui.button("Run training").on_hover_text("T").clicked() {
            cx.emit(AppCommand::TrainRun);
        }
        if ui
            .button("Step training")
            .on_hover_text("10 steps")
            .clicked()
        {
            cx.emit(AppCommand::TrainStep(10));
        }
        if ui
            .button("Reset training")
            .on_hover_text(
                "a new network from the current settings (Ctrl+Z brings the trained one back)",
            )
            .clicked()
        {
            cx.emit(AppCommand::TrainReset);
        }
    });
    let (step, sps, lr) = app
        .training
        .snapshot
        .as_ref()
        .map_or((0, 0.0, app.settings.lr), |s| (s.step, s.steps_per_s, s.lr));
    ui.label(format!("step {step} · {sps:.0} steps/s · lr {lr:.1e}"));
}

/// A small plot of the training levels on a log axis.
fn levels_plot(ui: &mut egui::Ui, sigmas: &[f64]) {
    let points: Vec<[f64; 2]> = sigmas
        .iter()
        .enumerate()
        .map(|(i, s)| [i as f64, s.log10()])
        .collect();
    egui_plot::Plot::new("levels")
        .height(70.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .y_axis_label("log10 sigma")
        .show(ui, |p| {
            p.points(egui_plot::Points::new("levels", points).radius(3.0));
        });
}
