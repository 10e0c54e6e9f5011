//! Every user action — button, key, drag, menu, playlist step — as an [`AppCommand`], applied in
//! one place ([`ScorefieldApp::apply`]). Panels and keys only emit commands; the effects on the
//! owned state parts and their workers are all here. What a change means for what is on screen
//! (a restart of the panes, a new field, a training badge) follows from the view specification
//! in [`ScorefieldApp::sync_views`], not from the command that changed it.

use super::app::ScorefieldApp;
use super::export::ExportKind;
use crate::data::{Dataset, preset};
use crate::geom::Point;
use crate::live::mixture_edit::{self, Grab};
use crate::live::sampler_worker::SamplerCommand;
use crate::session::Settings;
use crate::train::TrainerCommand;
use std::sync::Arc;

/// A user action.
#[derive(Clone)]
pub enum AppCommand {
    LoadPreset(String),
    LoadPointsCsv(String),
    /// New data from an edit (a drag, an added component, brushed points); `done` hands it to
    /// the trainer, which keeps its network.
    EditData {
        data: Dataset,
        done: bool,
    },
    Select(Option<usize>),
    Grab(Option<Grab>),
    DeleteSelected,
    /// New settings from a control.
    Settings(Box<Settings>),
    TrainRun,
    TrainPause,
    TrainToggle,
    TrainStep(usize),
    TrainReset,
    SamplersPlay,
    SamplersPause,
    SamplersToggle,
    SamplersStep(usize),
    SamplersReset,
    Inject(Vec<Point>),
    OpenSession(String),
    SaveSession(String),
    OpenPlaylist(String),
    ClosePlaylist,
    /// PageDown +1, PageUp -1: the open playlist, else the built-in lectures.
    StepLecture(i64),
    GoToLecture(usize),
    TogglePresenter,
    ToggleImages,
    Export(ExportKind, String),
    DismissMessages,
    /// Brings back what the last switch or reset threw away (Ctrl+Z).
    Undo,
    /// Shows recorded frame `i` of the sampler run in every pane.
    Seek(usize),
    /// Multiplies the drawn field's sigma (keys Up / Down).
    ScaleSigma(f64),
    /// Adds to the guidance strength (keys + / -).
    NudgeGuidance(f64),
}

impl ScorefieldApp {
    /// Applies one command.
    pub fn apply(&mut self, command: AppCommand) {
        use AppCommand as C;
        match command {
            C::LoadPreset(name) => self.undoable(format!("the switch to preset {name}"), |a| {
                a.load_preset_now(&name)
            }),
            C::LoadPointsCsv(path) => {
                self.undoable(format!("loading {path}"), |a| a.load_points(&path))
            }
            C::EditData { data, done } => self.edit_data(data, done),
            C::Select(k) => self.data.selected = k,
            C::Grab(g) => self.data.grab = g,
            C::DeleteSelected => self.delete_selected(),
            C::Settings(s) => self.change_settings(*s),
            C::TrainRun => self.train_command(TrainerCommand::Run),
            C::TrainPause => self.train_command(TrainerCommand::Pause),
            C::TrainToggle => self.train_command(if self.training.running() {
                TrainerCommand::Pause
            } else {
                TrainerCommand::Run
            }),
            C::TrainStep(n) => self.train_command(TrainerCommand::Step(n)),
            C::TrainReset => self.undoable("Reset training".into(), |a| a.training.reset()),
            C::SamplersPlay => self.samplers.send(SamplerCommand::Play),
            C::SamplersPause => self.samplers.send(SamplerCommand::Pause),
            C::SamplersToggle => self.samplers.send(if self.samplers.view.playing {
                SamplerCommand::Pause
            } else {
                SamplerCommand::Play
            }),
            C::SamplersStep(n) => self.samplers.send(SamplerCommand::Step(n)),
            C::SamplersReset => self.samplers.running = None,
            C::Inject(points) => self.samplers.send(SamplerCommand::Inject(points)),
            C::OpenSession(path) => {
                self.undoable(format!("opening {path}"), |a| a.open_session_now(&path))
            }
            C::SaveSession(path) => self.save_session_now(&path),
            C::OpenPlaylist(path) => {
                self.undoable(format!("opening {path}"), |a| a.open_playlist_now(&path))
            }
            C::ClosePlaylist => self.nav.playlist = None,
            C::StepLecture(delta) => {
                self.undoable("the lecture step".into(), |a| a.step_lecture_now(delta))
            }
            C::GoToLecture(i) => self.undoable("the lecture switch".into(), |a| a.go_to_lecture(i)),
            C::TogglePresenter => self.settings.presenter = !self.settings.presenter,
            C::ToggleImages => self.images.open = !self.images.open,
            C::Export(kind, stem) => self.start_export(kind, &stem),
            C::DismissMessages => self.messages.clear(),
            C::Undo => self.undo(),
            C::Seek(i) => self.samplers.send(SamplerCommand::Seek(i)),
            C::ScaleSigma(f) => {
                let sigma = (self.settings.sigma * f).clamp(0.01, 20.0);
                self.change_settings(Settings {
                    sigma,
                    ddpm_t: None,
                    ..self.settings.clone()
                });
            }
            C::NudgeGuidance(d) => {
                if self.settings.guidance_class.is_some() {
                    let guidance_scale = (self.settings.guidance_scale + d).clamp(0.0, 10.0);
                    self.change_settings(Settings {
                        guidance_scale,
                        ..self.settings.clone()
                    });
                }
            }
        }
    }

    /// Runs an action that may throw work away; if it changed the data or dropped the model,
    /// what it replaced is kept for Ctrl+Z (a failed open changes nothing and keeps nothing).
    fn undoable(&mut self, what: String, action: impl FnOnce(&mut Self)) {
        let kept = self.keep(what);
        let before = (self.data.version, self.training.snapshot.clone());
        action(self);
        let model_dropped = match (&before.1, &self.training.snapshot) {
            (Some(old), Some(new)) => !Arc::ptr_eq(old, new),
            (Some(_), None) => true,
            _ => false,
        };
        if self.data.version == before.0 && !model_dropped {
            return;
        }
        if let Some(s) = &kept.snapshot {
            self.messages.notice(format!(
                "{} discards the network trained for {} steps: Ctrl+Z brings it back",
                kept.what, s.step
            ));
        }
        self.nav.undo.push(kept);
    }

    /// What an action is about to throw away.
    fn keep(&self, what: String) -> super::state::undo::Kept {
        super::state::undo::Kept {
            what,
            settings: self.settings.clone(),
            data: self.data.data.clone(),
            data_is_preset: self.data.is_preset,
            lecture: self.nav.lecture,
            snapshot: self.training.snapshot.clone(),
            loaded_model: self.training.loaded_model.clone(),
            loss_history: self.training.loss_history.clone(),
        }
    }

    /// Puts back the settings, data and trained model from before the last switch or reset.
    /// Training continues from the restored weights.
    fn undo(&mut self) {
        let Some(k) = self.nav.undo.pop() else {
            self.messages.notice("nothing to undo");
            return;
        };
        self.settings = k.settings;
        self.data.set((*k.data).clone(), true);
        self.data.is_preset = k.data_is_preset;
        self.nav.lecture = k.lecture;
        self.training.reset();
        self.training.loaded_model = k
            .snapshot
            .as_ref()
            .map(|s| s.model.clone())
            .or(k.loaded_model);
        self.training.snapshot = k.snapshot.map(|s| {
            Arc::new(crate::train::TrainSnapshot {
                running: false,
                ..(*s).clone()
            })
        });
        self.training.loss_history = k.loss_history;
        self.samplers.running = None;
        self.messages.notice(format!("undid {}", k.what));
    }

    fn load_preset_now(&mut self, name: &str) {
        match preset(name) {
            Ok(p) => {
                self.settings.preset = name.to_string();
                self.data.set(p.dataset(), true);
                self.data.is_preset = true;
                self.training.reset();
            }
            Err(e) => self.messages.error(e),
        }
    }

    fn load_points(&mut self, path: &str) {
        match crate::data::points_file::load_points_csv(std::path::Path::new(path)) {
            Ok(points) => {
                let data = Dataset::Points(crate::dist::EmpiricalMixture::new(points));
                self.data.set(data, true);
                self.data.is_preset = false;
                self.training.reset();
            }
            Err(e) => self.messages.error(e.to_string()),
        }
    }

    fn edit_data(&mut self, data: Dataset, done: bool) {
        self.data.set(data, false);
        self.data.is_preset = false;
        if done
            && let Some(t) = &self.training.trainer
            && let Err(e) = t.send(TrainerCommand::SetData(Box::new((*self.data.data).clone())))
        {
            self.messages.error(e);
        }
    }

    fn delete_selected(&mut self) {
        let (Some(k), Some(m)) = (self.data.selected, self.data.data.mixture()) else {
            return;
        };
        match mixture_edit::delete(m, k) {
            Some(m) => {
                self.data.selected = None;
                self.edit_data(Dataset::Mixture(m), true);
            }
            None => self
                .messages
                .error("a mixture needs at least one component"),
        }
    }

    /// New settings. Learning rate, batch and speed go to the running workers; everything else
    /// takes effect through the view spec (panes restart, the field is recomputed, a training
    /// change shows its badge).
    fn change_settings(&mut self, new: Settings) {
        let old = std::mem::replace(&mut self.settings, new);
        let (lr, batch) = (self.settings.lr, self.settings.batch);
        if self.training.trainer.is_some() {
            if lr != old.lr {
                self.train_command(TrainerCommand::SetLr(lr));
            }
            if batch != old.batch {
                self.train_command(TrainerCommand::SetBatch(batch));
            }
        }
        if self.settings.speed != old.speed {
            self.samplers
                .send(SamplerCommand::Speed(self.settings.speed));
        }
    }

    /// Sends a training command, starting the trainer first if needed.
    fn train_command(&mut self, c: TrainerCommand) {
        if self.training.trainer.is_none() {
            self.start_trainer();
        }
        if let Some(t) = &self.training.trainer
            && let Err(e) = t.send(c)
        {
            self.messages.error(e);
        }
    }

    fn start_trainer(&mut self) {
        let wake = self.shell.wake();
        let start = self.training.loaded_model.as_ref().map(|m| m.net.clone());
        let config = super::state::training::train_config(&self.settings, &self.data);
        match config.and_then(|c| {
            crate::train::TrainerHandle::spawn_from(
                c,
                (*self.data.data).clone(),
                start.as_ref(),
                wake,
            )
        }) {
            Ok(h) => {
                self.training.trainer = Some(h);
                self.training.built_with = Some(self.settings.training_group());
            }
            Err(e) => self.messages.error(format!("training: {e}")),
        }
    }
}
