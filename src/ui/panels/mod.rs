//! The panels: each reads the app's state and the view spec and emits [`AppCommand`]s (one
//! panel per file, behind the small [`Panel`] trait). Controls edit one draft of the settings
//! per frame, which becomes a single `Settings` command when it changed.

mod data;
mod export;
mod guidance;
mod metrics;
mod panes;
mod samplers;
mod session;
mod strip;
mod training;
mod view;

use super::app::ScorefieldApp;
use super::command::AppCommand;
use super::inputs::TextInputs;
use crate::scene::spec::ViewSpec;
use crate::session::Settings;

/// What a panel sees and where its commands go.
pub struct PanelCtx<'a> {
    pub app: &'a ScorefieldApp,
    pub spec: &'a ViewSpec,
    pub inputs: &'a mut TextInputs,
    /// The settings as the controls leave them this frame.
    pub draft: Settings,
    out: Vec<AppCommand>,
}

impl PanelCtx<'_> {
    pub fn emit(&mut self, c: AppCommand) {
        self.out.push(c);
    }
}

/// A collapsible section of the control panel.
pub trait Panel {
    fn title(&self) -> &'static str;
    fn default_open(&self) -> bool {
        true
    }
    fn ui(&self, ui: &mut egui::Ui, cx: &mut PanelCtx);
}

/// The control panel's sections, top to bottom.
fn sections() -> [&'static dyn Panel; 7] {
    [
        &session::SessionPanel,
        &export::ExportPanel,
        &data::DataPanel,
        &training::TrainingPanel,
        &samplers::SamplersPanel,
        &guidance::GuidancePanel,
        &view::ViewPanel,
    ]
}

/// Draws every panel for this frame and queues what they emit.
pub fn show_all(app: &mut ScorefieldApp, ui: &mut egui::Ui, spec: &ViewSpec) {
    let texture = app.field.texture(ui.ctx()).cloned();
    let mut inputs = std::mem::take(&mut app.inputs);
    let mut cx = PanelCtx {
        draft: app.settings.clone(),
        app,
        spec,
        inputs: &mut inputs,
        out: Vec::new(),
    };
    let (mut controls_rect, mut metrics_rect) = (None, None);
    if !cx.app.settings.presenter {
        // Fixed proportions: the panels do not grow with their content or drift on relayout.
        let screen = ui.ctx().content_rect();
        let width = (0.24 * screen.width()).clamp(310.0, 400.0);
        controls_rect = Some(
            egui::Panel::left("controls")
                .exact_size(width)
                .resizable(false)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| {
                        // Rows wrap at the panel's edge instead of running under it.
                        ui.set_max_width(width - 24.0);
                        controls(ui, &mut cx)
                    });
                })
                .response
                .rect,
        );
        metrics_rect = Some(
            egui::Panel::bottom("metrics")
                .exact_size((0.2 * screen.height()).clamp(140.0, 240.0))
                .resizable(false)
                .show(ui, |ui| metrics::show(ui, &cx))
                .response
                .rect,
        );
    }
    let mut transform = None;
    egui::CentralPanel::default().show(ui, |ui| {
        lecture_heading(ui, cx.app);
        if !cx.app.settings.presenter {
            messages(ui, &mut cx);
        }
        strip::show(ui, &mut cx);
        transform = panes::show(ui, &mut cx, texture.as_ref());
    });
    let PanelCtx { draft, mut out, .. } = cx;
    if draft != app.settings {
        out.insert(0, AppCommand::Settings(Box::new(draft)));
    }
    app.inputs = inputs;
    app.shell.controls_rect = controls_rect;
    app.shell.metrics_rect = metrics_rect;
    if transform.is_some() {
        app.shell.plot_transform = transform;
    }
    for c in out {
        app.emit(c);
    }
}

fn controls(ui: &mut egui::Ui, cx: &mut PanelCtx) {
    ui.heading("scorefield");
    if ui
        .button("Images (GPU)…")
        .on_hover_text(
            "The noise-conditional score network on MNIST images, trained on the GPU (key I)",
        )
        .clicked()
    {
        cx.emit(AppCommand::ToggleImages);
    }
    for panel in sections() {
        egui::CollapsingHeader::new(panel.title())
            .default_open(panel.default_open())
            .show(ui, |ui| panel.ui(ui, cx));
    }
}

/// The lecture's title and, unless hidden, its caption (its point and formula).
fn lecture_heading(ui: &mut egui::Ui, app: &ScorefieldApp) {
    use crate::session::lectures::LECTURES;
    if let Some(i) = app.nav.lecture {
        let l = &LECTURES[i];
        ui.heading(format!("{}/{} · {}", i + 1, LECTURES.len(), l.title));
        if app.settings.show_caption {
            ui.label(egui::RichText::new(l.caption).size(17.0));
        }
    }
}

/// Errors (red, dismissable) and notices (saved files, rollbacks).
fn messages(ui: &mut egui::Ui, cx: &mut PanelCtx) {
    let m = &cx.app.messages;
    let (errors, notices) = (m.visible_errors(), m.visible_notices());
    if errors.is_empty() && notices.is_empty() {
        return;
    }
    let mut dismiss = false;
    ui.horizontal_wrapped(|ui| {
        for e in errors.iter().rev().take(3) {
            ui.colored_label(egui::Color32::from_rgb(230, 80, 80), e);
        }
        for n in notices.iter().rev().take(2) {
            ui.colored_label(egui::Color32::from_rgb(230, 180, 60), *n);
        }
        dismiss = ui
            .small_button("dismiss")
            .on_hover_text("hide these messages (notices also fade after 8 s)")
            .clicked();
    });
    if dismiss {
        cx.emit(AppCommand::DismissMessages);
    }
}
