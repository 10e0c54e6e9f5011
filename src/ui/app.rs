//! The lecture app: owned state parts, the command loop and the frame. Each frame polls the
//! workers, derives the view specification from the settings and state, brings the panes and
//! the field in line with it, draws the panels (which emit commands) and applies the commands.
//! Training runs on the trainer thread, field layers on the field worker, samplers on the
//! sampler worker; the UI thread only reads their snapshots.

use super::command::AppCommand;
use super::inputs::TextInputs;
use super::shell::Shell;
use super::state::samplers::RunKey;
use super::state::{DataState, FieldState, Messages, Navigation, SamplerState, TrainingState};
use crate::data::{Dataset, preset};
use crate::dist::GaussianMixture;
use crate::geom::Point;
use crate::live::field_worker::FieldResult;
use crate::live::sampler_worker::SamplerView;
use crate::scene::spec::{SpecInputs, ViewSpec, view_spec};
use crate::session::Settings;
use crate::train::TrainerEvent;
use std::path::PathBuf;
use std::time::Duration;

pub struct ScorefieldApp {
    pub settings: Settings,
    pub(crate) data: DataState,
    pub(crate) training: TrainingState,
    pub(crate) field: FieldState,
    pub(crate) samplers: SamplerState,
    pub(crate) nav: Navigation,
    pub(crate) messages: Messages,
    pub(crate) inputs: TextInputs,
    pub(crate) exporter: super::export::Exporter,
    pub(crate) shell: Shell,
    /// The image-scale GPU trainer's window.
    pub images: super::images_panel::ImagesPanel,
    /// Commands emitted this frame, applied at its end.
    queue: Vec<AppCommand>,
}

impl ScorefieldApp {
    pub fn new(settings: Settings, screenshot: Option<PathBuf>) -> ScorefieldApp {
        let shell = Shell::new(screenshot);
        let mut messages = Messages::default();
        let data = match preset(&settings.preset) {
            Ok(p) => p.dataset(),
            Err(e) => {
                messages.error(format!("saved preset: {e}"));
                preset("ncsn-two-modes")
                    .map(|p| p.dataset())
                    .expect("a built-in preset")
            }
        };
        ScorefieldApp {
            settings,
            data: DataState::new(data),
            training: TrainingState::default(),
            field: FieldState::new(shell.wake()),
            samplers: SamplerState::new(shell.wake()),
            nav: Navigation::default(),
            messages,
            inputs: TextInputs::default(),
            exporter: super::export::Exporter::default(),
            shell,
            images: Default::default(),
            queue: Vec::new(),
        }
    }

    /// Takes the pending screenshot no sooner than `seconds` from now.
    pub fn delay_screenshot(&mut self, seconds: f64) {
        self.shell.delay_screenshot(seconds);
    }

    /// Starts training and plays the samplers.
    pub fn autoplay(&mut self) {
        self.apply(AppCommand::TrainRun);
        self.apply(AppCommand::SamplersPlay);
    }

    /// The number of training steps in the latest snapshot.
    pub fn train_step(&self) -> u64 {
        self.training.step()
    }

    /// Whether the trainer is running (as of its latest snapshot).
    pub fn is_training(&self) -> bool {
        self.training.running()
    }

    /// The newest field layers, whatever settings they were computed for.
    pub fn field_result(&self) -> Option<&FieldResult> {
        self.field.result()
    }

    /// The field the panes draw now and whether it is dimmed (being replaced); `None` while
    /// nothing of the current data set has been computed.
    pub fn drawn_field(&self) -> Option<(&FieldResult, bool)> {
        use super::state::field::Freshness;
        match self.field.freshness(&self.view_spec().field) {
            Freshness::Nothing => None,
            f => self.field.result().map(|r| (r, f == Freshness::Computing)),
        }
    }

    /// The plot's view box (fitted to the data set).
    pub fn view_bounds(&self) -> crate::geom::Bounds {
        self.data.view
    }

    /// The training badge, if the settings changed since the network was built.
    pub fn training_badge(&self) -> Option<String> {
        self.training.stale(&self.settings.training_group())
    }

    pub fn sampler_view(&self) -> &SamplerView {
        &self.samplers.view
    }

    pub fn dataset(&self) -> &Dataset {
        &self.data.data
    }

    pub fn mixture(&self) -> Option<&GaussianMixture> {
        self.data.data.mixture()
    }

    pub fn errors(&self) -> &[String] {
        &self.messages.errors
    }

    pub fn errors_mut(&mut self) -> &mut Vec<String> {
        &mut self.messages.errors
    }

    pub fn notices(&self) -> &[String] {
        &self.messages.notices
    }

    pub fn recent(&self) -> &[String] {
        &self.nav.recent
    }

    /// Sets the path prefix of the exports (the Export section's "file" box).
    pub fn set_export_stem(&mut self, stem: &str) {
        self.inputs.export_stem = stem.to_string();
    }

    /// Files being exported now.
    pub fn exports_in_flight(&self) -> Vec<PathBuf> {
        self.exporter.in_flight()
    }

    /// Where a data point is on screen in the (left) field plot, after a frame.
    pub fn screen_pos(&self, p: Point) -> Option<egui::Pos2> {
        self.shell
            .plot_transform
            .as_ref()
            .map(|t| t.position_from_point(&egui_plot::PlotPoint::new(p.x, p.y)))
    }

    /// The (left) field plot's rectangle on screen and its transform, after a frame.
    pub fn plot_transform(&self) -> Option<&egui_plot::PlotTransform> {
        self.shell.plot_transform.as_ref()
    }

    /// The metrics strip's rectangle, after a frame (none in presenter mode).
    pub fn metrics_rect(&self) -> Option<egui::Rect> {
        self.shell.metrics_rect
    }

    /// The built-in lecture on screen.
    pub fn lecture(&self) -> Option<usize> {
        self.nav.lecture
    }

    pub fn load_preset(&mut self, name: &str) {
        self.apply(AppCommand::LoadPreset(name.to_string()));
    }

    pub fn open_session(&mut self, path: &str) {
        self.apply(AppCommand::OpenSession(path.to_string()));
    }

    pub fn save_session(&mut self, path: &str) {
        self.apply(AppCommand::SaveSession(path.to_string()));
    }

    pub fn open_playlist(&mut self, path: &str) {
        self.apply(AppCommand::OpenPlaylist(path.to_string()));
    }

    /// Starts an export to `stem` + the kind's suffix.
    pub fn export(&mut self, kind: super::export::ExportKind, stem: &str) {
        self.apply(AppCommand::Export(kind, stem.to_string()));
    }

    /// The inputs of the view specification now.
    pub fn spec_inputs(&self) -> SpecInputs {
        SpecInputs {
            data_version: self.data.version,
            view_epoch: self.data.view_epoch,
            components: self.data.components(),
            model: self.training.model_facts(),
            fisher_sigmas: super::state::training::train_sigmas(&self.settings, &self.data),
            sampler_level: self.samplers.view.panes.first().map(|p| p.level),
            frame_fit_quarters: self.shell.frame_fit_quarters(),
        }
    }

    /// What every pane shows now (a pure function of the settings and the state).
    pub fn view_spec(&self) -> ViewSpec {
        view_spec(&self.settings, &self.spec_inputs())
    }

    /// Brings the panes and the field in line with the view spec: panes whose key changed
    /// restart at once (same seed), and the field is requested for the spec.
    fn sync_views(&mut self, spec: &ViewSpec) {
        let key = RunKey {
            data_version: self.data.version,
            group: self.settings.samplers_group(),
            panes: spec.panes.clone(),
        };
        if self.samplers.running.as_ref() != Some(&key) {
            self.samplers
                .start(key, &self.settings, &self.data.data, self.training.model());
        }
        if let Some(s) = &self.training.snapshot {
            self.samplers.offer_model(s.step, &s.model);
        }
        self.field.want(
            &spec.field,
            &self.data.data,
            self.data.view,
            self.training.model(),
        );
    }

    /// Drains the workers' results.
    fn poll_workers(&mut self) {
        let events = self
            .training
            .trainer
            .as_ref()
            .map(|t| t.drain_events())
            .unwrap_or_default();
        for e in events {
            match e {
                TrainerEvent::Snapshot(s) => {
                    let history = &mut self.training.loss_history;
                    if s.loss.is_finite() && history.last().is_none_or(|l| l[0] < s.step as f64) {
                        history.push([s.step as f64, s.loss]);
                    }
                    self.training.snapshot = Some(s);
                }
                TrainerEvent::RolledBack { step, lr } => self.messages.notice(format!(
                    "step {step}: non-finite or exploding loss; parameters restored, learning rate halved to {lr:.2e}"
                )),
                TrainerEvent::Error(e) => self.messages.error(format!("training: {e}")),
            }
        }
        if let Some(e) = self.samplers.poll() {
            self.messages.error(format!("samplers: {e}"));
        }
        self.field.poll();
        for r in self.exporter.finished() {
            match r {
                Ok(msg) => self.messages.notice(msg),
                Err(e) => self.messages.error(e),
            }
        }
    }

    /// Queues a command for the end of the frame.
    pub(crate) fn emit(&mut self, c: AppCommand) {
        self.queue.push(c);
    }

    /// One frame of the whole app (eframe and the tests call this).
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let frame_start = std::time::Instant::now();
        let ctx = ui.ctx().clone();
        self.shell
            .begin_frame(&ctx, self.settings.dark, self.settings.presenter);
        self.poll_workers();
        self.images.poll(&ctx);
        let over_controls = !self.settings.presenter && self.shell.pointer_over_controls(&ctx);
        let keys = super::keys::commands(&ctx, &self.inputs.export_stem, over_controls);
        self.queue.extend(keys);
        let spec = self.view_spec();
        self.sync_views(&spec);
        self.field.scene(&spec.layers);
        super::panels::show_all(self, ui, &spec);
        self.images.window(&ctx);
        for c in std::mem::take(&mut self.queue) {
            self.apply(c);
        }
        let drawn = self.field.result().is_some();
        self.shell.screenshot_step(&ctx, drawn);
        let received = self.field.received;
        if let Some(stats) = &mut self.shell.frame_stats {
            stats.frame(&ctx, frame_start.elapsed(), received);
        }
        if self.samplers.view.playing || self.training.running() {
            ctx.request_repaint_after(Duration::from_millis(16));
        }
    }

    /// The frame benchmark's hook: rebuild the field's scene and texture next frame, as if a
    /// new field had arrived.
    pub fn invalidate_scene(&mut self) {
        self.field.invalidate_scene();
    }
}

/// Storage keys of the autosaved session and the recent files in eframe's store (read once
/// from earlier versions).
pub const AUTOSAVE_KEY: &str = "session";
pub const RECENT_KEY: &str = "recent";

impl eframe::App for ScorefieldApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    /// Autosave (eframe calls this every 30 s and on exit): the whole session without weights,
    /// and the recent files, through the project's atomic writer with a backup
    /// (`session/autosave.rs`), not eframe's store, which rewrites its file in place. The next
    /// start restores them, also after a crash or a full disk.
    fn save(&mut self, _storage: &mut dyn eframe::Storage) {
        let Some(store) = &self.nav.autosave else {
            return;
        };
        if let Err(e) = store.save(&self.current_session(false), &self.nav.recent) {
            eprintln!("autosave: {e}");
            self.messages.error(format!("autosave failed: {e}"));
        }
    }
}
