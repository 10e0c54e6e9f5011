//! The control strip above the panes, in normal and presenter mode: play / pause, step, reset,
//! the timeline of the run, speed and "field follows the sampler"; in presenter mode also σ and
//! γ. Before the first step it says what to press.

use super::PanelCtx;
use crate::ui::command::AppCommand;

pub fn show(ui: &mut egui::Ui, cx: &mut PanelCtx) {
    let app = cx.app;
    let view = &app.samplers.view;
    ui.horizontal_wrapped(|ui| {
        if view.playing {
            if ui.button("Pause samplers").on_hover_text("Space").clicked() {
                cx.emit(AppCommand::SamplersPause);
            }
        } else if ui
            .button("Play samplers")
            .on_hover_text("Space: run both panes on the same particles and noise")
            .clicked()
        {
            cx.emit(AppCommand::SamplersPlay);
        }
        if ui
            .button("Step samplers")
            .on_hover_text("S: one step of every pane")
            .clicked()
        {
            cx.emit(AppCommand::SamplersStep(1));
        }
        if ui
            .button("Reset samplers")
            .on_hover_text("R: fresh particles, same seed")
            .clicked()
        {
            cx.emit(AppCommand::SamplersReset);
        }
        timeline(ui, cx);
        let s = &mut cx.draft;
        ui.add(
            egui::Slider::new(&mut s.speed, 1..=200)
                .logarithmic(true)
                .text("steps per tick"),
        )
        .on_hover_text("sampler steps per 13 ms tick: 1 runs 1,000 steps in about 13 s");
        ui.checkbox(&mut s.follow_level, "field follows the sampler")
            .on_hover_text("draw the field at sampler A's current level: σᵢ (annealed), σ(t) (SDE, ODE), ᾱₜ (DDPM, DDIM)");
        if app.settings.presenter {
            presenter_sliders(ui, cx);
        }
    });
    let started = view.panes.iter().any(|p| p.cursor > 0) || view.playing;
    if !started {
        ui.label(
            egui::RichText::new(
                "Press Space to run the samplers · T trains the network · PageDown for the next lecture",
            )
            .color(egui::Color32::from_rgb(240, 190, 60)),
        );
    }
}

/// The run's recorded frames on a slider: dragging it shows that frame in both panes.
fn timeline(ui: &mut egui::Ui, cx: &mut PanelCtx) {
    let view = &cx.app.samplers.view;
    if view.frames < 2 {
        return;
    }
    let mut frame = view.frame.min(view.frames - 1);
    let r = ui
        .add(egui::Slider::new(&mut frame, 0..=view.frames - 1).text("timeline"))
        .on_hover_text(format!(
            "the run's frames, one every {} steps: drag to scrub both panes back and forth; Play runs on from here",
            view.stride
        ));
    if r.changed() {
        cx.emit(AppCommand::Seek(frame));
    }
}

/// σ and γ on the strip in presenter mode (keys Up / Down and + / -).
fn presenter_sliders(ui: &mut egui::Ui, cx: &mut PanelCtx) {
    let guided = cx.draft.guidance_class.is_some();
    let s = &mut cx.draft;
    ui.add(
        egui::Slider::new(&mut s.sigma, 0.01..=20.0)
            .logarithmic(true)
            .text("σ"),
    )
    .on_hover_text("the drawn field's noise level (Up / Down)");
    if guided {
        ui.add(egui::Slider::new(&mut s.guidance_scale, 0.0..=10.0).text("γ"))
            .on_hover_text("guidance strength (+ / -)");
    }
}
