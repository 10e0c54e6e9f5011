//! The lecture app: state, workers and the frame loop. The UI thread only reads snapshots and
//! sends commands: training runs on the trainer thread, field layers on the field worker,
//! samplers on the sampler worker (DESIGN.md invariants). Panels live in `controls.rs`,
//! `plot_view.rs` and `metrics_view.rs`.

use super::field_worker::{FieldRequest, FieldResult, FieldWorker};
use super::mixture_edit::Grab;
use super::sampler_worker::{
    SamplerCommand, SamplerSetup, SamplerView, SamplerWorker, ScoreChoice,
};
use super::settings::Settings;
use crate::data::{Dataset, preset};
use crate::dist::{GaussianMixture, SigmaSchedule};
use crate::geom::{Bounds, Point};
use crate::nn::{Activation, Objective, ProjectionDist, SigmaEmbedding};
use crate::sample::DataInfo;
use crate::train::{
    Lambda, NoiseSpec, TrainConfig, TrainSnapshot, TrainerCommand, TrainerEvent, TrainerHandle,
};
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Heatmap and arrow grid sizes.
pub const HEAT_N: usize = 160;
/// Particles whose trails are drawn, and trail length in ticks.
pub const TRAIL_PARTICLES: usize = 60;
pub const TRAIL_LEN: usize = 12;
/// Re-evaluate the learned field at most this often while training runs.
const MODEL_REFRESH: Duration = Duration::from_millis(250);

/// What the last field request was for (to request only on change).
#[derive(Clone, Debug, PartialEq)]
struct FieldKey {
    data_version: u64,
    sigma: f64,
    ddpm_t: Option<usize>,
    arrow_n: usize,
    model_step: Option<u64>,
    guidance: Option<(usize, u64)>,
}

pub struct ScorefieldApp {
    pub settings: Settings,
    pub(crate) data: Arc<Dataset>,
    pub(crate) data_version: u64,
    /// Measured once per data set (the sigma_max heuristic samples 1,000 points, O(n^2)).
    pub(crate) data_info: DataInfo,
    pub(crate) ddpm: crate::dist::DdpmSchedule,
    pub(crate) view: Bounds,
    /// Bumped whenever the view is refitted to new data.
    pub(crate) view_epoch: u64,
    pub(crate) trainer: Option<TrainerHandle>,
    pub(crate) snapshot: Option<Arc<TrainSnapshot>>,
    pub(crate) loss_history: Vec<[f64; 2]>,
    pub(crate) notices: Vec<String>,
    pub(crate) errors: Vec<String>,
    field_worker: FieldWorker,
    pub(crate) field: Option<FieldResult>,
    field_key: Option<FieldKey>,
    field_id: u64,
    model_requested_at: Instant,
    pub(crate) heat_texture: Option<egui::TextureHandle>,
    pub(crate) heat_key: Option<(u64, super::settings::Heatmap, bool)>,
    samplers: SamplerWorker,
    pub(crate) sampler_view: SamplerView,
    /// Training step of the model last handed to the samplers.
    model_sent_step: Option<u64>,
    pub(crate) trails: Vec<VecDeque<Vec<Point>>>,
    pub(crate) grab: Option<Grab>,
    pub(crate) selected: Option<usize>,
    pub(crate) plot_transform: Option<egui_plot::PlotTransform>,
    pub(crate) csv_path: String,
    /// Whether the data is still the named preset (else a session stores it whole).
    pub(crate) data_is_preset: bool,
    /// A model from an opened session, to continue training from.
    loaded_model: Option<Arc<crate::nn::ScoreModel>>,
    pub(crate) session_path: String,
    pub(crate) save_weights: bool,
    pub recent: Vec<String>,
    pub(crate) lecture: Option<usize>,
    /// An opened playlist and the position in it (PageUp / PageDown step it when present).
    pub(crate) playlist: Option<(Vec<crate::session::playlist::Entry>, usize)>,
    pub(crate) playlist_path: String,
    pub(crate) exporter: super::export::Exporter,
    pub(crate) export_stem: String,
    /// The image-scale GPU trainer's window.
    pub images: super::images_panel::ImagesPanel,
    ctx: Arc<OnceLock<egui::Context>>,
    screenshot: Option<ScreenshotRequest>,
    /// Where the session is autosaved (none in screenshot runs and tests).
    pub(crate) autosave: Option<crate::session::autosave::AutosaveStore>,
    applied_theme: Option<(bool, bool)>,
}

/// A pending "save a screenshot and close" request.
struct ScreenshotRequest {
    path: PathBuf,
    not_before: Instant,
    frames_left: u32,
    requested: bool,
    done: Arc<Mutex<Option<Result<(), String>>>>,
}

impl ScorefieldApp {
    pub fn new(settings: Settings, screenshot: Option<PathBuf>) -> ScorefieldApp {
        let ctx: Arc<OnceLock<egui::Context>> = Arc::new(OnceLock::new());
        let wake_ctx = ctx.clone();
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
            if let Some(c) = wake_ctx.get() {
                c.request_repaint();
            }
        });
        let (data, errors) = match preset(&settings.preset) {
            Ok(p) => (p.dataset(), Vec::new()),
            Err(e) => (
                preset("ncsn-two-modes")
                    .map(|p| p.dataset())
                    .expect("a built-in preset"),
                vec![format!("saved preset: {e}")],
            ),
        };
        let mut app = ScorefieldApp {
            settings,
            view: view_of(&data),
            view_epoch: 0,
            data_info: DataInfo::of(&data),
            ddpm: crate::dist::DdpmSchedule::default_linear(),
            data: Arc::new(data),
            data_version: 0,
            trainer: None,
            snapshot: None,
            loss_history: Vec::new(),
            notices: Vec::new(),
            errors,
            field_worker: FieldWorker::spawn(wake.clone()),
            field: None,
            field_key: None,
            field_id: 0,
            model_requested_at: Instant::now(),
            heat_texture: None,
            heat_key: None,
            samplers: SamplerWorker::spawn(wake),
            sampler_view: SamplerView::default(),
            model_sent_step: None,
            trails: Vec::new(),
            grab: None,
            selected: None,
            plot_transform: None,
            csv_path: String::new(),
            data_is_preset: true,
            loaded_model: None,
            session_path: String::new(),
            save_weights: true,
            recent: Vec::new(),
            lecture: None,
            playlist: None,
            playlist_path: String::new(),
            exporter: super::export::Exporter::default(),
            export_stem: String::new(),
            ctx,
            autosave: None,
            screenshot: screenshot.map(|path| ScreenshotRequest {
                path,
                not_before: Instant::now(),
                frames_left: 8,
                requested: false,
                done: Arc::new(Mutex::new(None)),
            }),
            applied_theme: None,
            images: Default::default(),
        };
        app.reset_samplers();
        app
    }

    /// Takes the pending screenshot no sooner than `seconds` from now.
    pub fn delay_screenshot(&mut self, seconds: f64) {
        if let Some(r) = &mut self.screenshot {
            r.not_before = Instant::now() + Duration::from_secs_f64(seconds.clamp(0.0, 600.0));
        }
    }

    /// Starts training and plays the samplers.
    pub fn autoplay(&mut self) {
        self.train_command(TrainerCommand::Run);
        self.sampler_command(SamplerCommand::Play);
    }

    /// The number of training steps in the latest snapshot.
    pub fn train_step(&self) -> u64 {
        self.snapshot.as_ref().map_or(0, |s| s.step)
    }

    /// Whether the trainer is running (as of its latest snapshot).
    pub fn is_training(&self) -> bool {
        self.snapshot.as_ref().is_some_and(|s| s.running)
    }

    pub fn field_result(&self) -> Option<&FieldResult> {
        self.field.as_ref()
    }

    pub fn sampler_view(&self) -> &SamplerView {
        &self.sampler_view
    }

    pub fn dataset(&self) -> &Dataset {
        &self.data
    }

    pub fn mixture(&self) -> Option<&GaussianMixture> {
        self.data.mixture()
    }

    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// Sets the path prefix of the exports (the Export section's "file" box).
    pub fn set_export_stem(&mut self, stem: &str) {
        self.export_stem = stem.to_string();
    }

    /// Files being exported now.
    pub fn exports_in_flight(&self) -> Vec<PathBuf> {
        self.exporter.in_flight()
    }

    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    pub fn errors_mut(&mut self) -> &mut Vec<String> {
        &mut self.errors
    }

    /// Where a data point is on screen in the (left) field plot, after a frame.
    pub fn screen_pos(&self, p: Point) -> Option<egui::Pos2> {
        self.plot_transform
            .as_ref()
            .map(|t| t.position_from_point(&egui_plot::PlotPoint::new(p.x, p.y)))
    }

    /// Switches the data set to a preset (keeps the current one on error).
    pub fn load_preset(&mut self, name: &str) {
        match preset(name) {
            Ok(p) => {
                self.settings.preset = name.to_string();
                self.set_data(p.dataset(), true);
                self.data_is_preset = true;
                self.selected = None;
                self.reset_training();
                self.reset_samplers();
            }
            Err(e) => self.errors.push(e),
        }
    }

    /// Replaces the data; `refit_view` recentres the plot on it.
    pub(crate) fn set_data(&mut self, data: Dataset, refit_view: bool) {
        if refit_view {
            self.view = view_of(&data);
            self.view_epoch += 1;
        }
        self.data_info = DataInfo::of(&data);
        self.data = Arc::new(data);
        self.data_version += 1;
    }

    /// Hands the edited data to the trainer (it keeps its network).
    pub(crate) fn data_edited(&mut self) {
        self.data_is_preset = false;
        if let Some(t) = &self.trainer
            && let Err(e) = t.send(TrainerCommand::SetData(Box::new((*self.data).clone())))
        {
            self.errors.push(e);
        }
    }

    /// The training configuration the settings describe.
    pub(crate) fn train_config(&self) -> Result<TrainConfig, String> {
        let s = &self.settings;
        let sigma_max = if s.train_sigma_max > 0.0 {
            s.train_sigma_max
        } else {
            self.data_info.sigma_max_heuristic
        };
        let schedule =
            SigmaSchedule::geometric(sigma_max, s.train_sigma_min, s.train_levels.max(1))?;
        let objective = match s.objective.as_str() {
            "ism" => Objective::Ism,
            "ssm" => Objective::Ssm {
                projections: 1,
                dist: ProjectionDist::Rademacher,
                variance_reduced: false,
            },
            "ssm-vr" => Objective::Ssm {
                projections: 1,
                dist: ProjectionDist::Rademacher,
                variance_reduced: true,
            },
            _ => Objective::Dsm,
        };
        let mut c = TrainConfig::ncsn_default(schedule.clone());
        c.objective = objective;
        c.noise = NoiseSpec::Levels {
            schedule,
            lambda: Lambda::SigmaSquared,
        };
        c.hidden = vec![s.width.max(1); s.depth.max(1)];
        c.activation = Activation::parse(&s.activation)?;
        c.embedding = SigmaEmbedding::Sinusoidal { n: 4 };
        c.lr = s.lr;
        c.batch = s.batch.max(1);
        c.threads = s.threads.max(1);
        c.conditional = s.conditional && self.data.mixture().is_some();
        c.seed = s.seed;
        Ok(c)
    }

    /// Sends a training command, starting the trainer first if needed.
    pub(crate) fn train_command(&mut self, c: TrainerCommand) {
        if self.trainer.is_none() {
            self.start_trainer();
        }
        if let Some(t) = &self.trainer
            && let Err(e) = t.send(c)
        {
            self.errors.push(e);
        }
    }

    fn start_trainer(&mut self) {
        let wake_ctx = self.ctx.clone();
        let wake: Arc<dyn Fn() + Send + Sync> = Arc::new(move || {
            if let Some(c) = wake_ctx.get() {
                c.request_repaint();
            }
        });
        let start = self.loaded_model.as_ref().map(|m| m.net.clone());
        match self
            .train_config()
            .and_then(|c| TrainerHandle::spawn_from(c, (*self.data).clone(), start.as_ref(), wake))
        {
            Ok(h) => self.trainer = Some(h),
            Err(e) => self.errors.push(format!("training: {e}")),
        }
    }

    /// Starts training over with the current settings and data.
    pub fn reset_training(&mut self) {
        self.trainer = None;
        self.loaded_model = None;
        self.model_sent_step = None;
        self.snapshot = None;
        self.loss_history.clear();
    }

    /// Restarts the sampler panes from fresh particles.
    pub fn reset_samplers(&mut self) {
        let s = &self.settings;
        let names: Vec<String> = if s.compare {
            vec![s.sampler_a.clone(), s.sampler_b.clone()]
        } else {
            vec![s.sampler_a.clone()]
        };
        let panes: Result<Vec<_>, _> = names
            .iter()
            .map(|n| self.settings.sampler_settings(n))
            .collect();
        let score = if s.use_learned {
            match &self.snapshot {
                Some(snap) => ScoreChoice::Learned {
                    model: snap.model.clone(),
                    cfg: s.guidance_class.map(|k| (k, s.guidance_scale)),
                },
                None => {
                    self.notices
                        .push("no trained model yet: samplers use the exact score".into());
                    ScoreChoice::Exact { guidance: None }
                }
            }
        } else {
            ScoreChoice::Exact {
                guidance: s.guidance_class.map(|k| (k, s.guidance_scale)),
            }
        };
        match panes {
            Ok(panes) => {
                self.trails = vec![VecDeque::new(); panes.len()];
                self.samplers
                    .send(SamplerCommand::Setup(Box::new(SamplerSetup {
                        data: self.data.clone(),
                        panes,
                        particles: s.particles.max(1),
                        seed: s.seed,
                        score,
                    })));
                self.samplers.send(SamplerCommand::Speed(s.speed));
            }
            Err(e) => self.errors.push(e),
        }
    }

    pub(crate) fn sampler_command(&mut self, c: SamplerCommand) {
        self.samplers.send(c);
    }

    /// Drains worker results; asks for new field layers when something they show changed.
    fn poll_workers(&mut self) {
        if let Some(t) = &self.trainer {
            for e in t.drain_events() {
                match e {
                    TrainerEvent::Snapshot(s) => {
                        if s.loss.is_finite() && self.loss_history.last().is_none_or(|l| l[0] < s.step as f64) {
                            self.loss_history.push([s.step as f64, s.loss]);
                        }
                        self.snapshot = Some(s);
                    }
                    TrainerEvent::RolledBack { step, lr } => self.notices.push(format!(
                        "step {step}: non-finite or exploding loss; parameters restored, learning rate halved to {lr:.2e}"
                    )),
                    TrainerEvent::Error(e) => self.errors.push(format!("training: {e}")),
                }
            }
        }
        if let Some(v) = self.samplers.latest() {
            if let Some(e) = &v.error {
                self.errors.push(format!("sampler: {e}"));
            }
            self.trails.resize(v.panes.len(), VecDeque::new());
            for (trail, pane) in self.trails.iter_mut().zip(&v.panes) {
                trail.push_back(
                    pane.positions
                        .iter()
                        .take(TRAIL_PARTICLES)
                        .copied()
                        .collect(),
                );
                while trail.len() > TRAIL_LEN {
                    trail.pop_front();
                }
            }
            // Hand the samplers a newer model only when training produced one.
            if self.settings.use_learned
                && let Some(s) = &self.snapshot
                && self.model_sent_step != Some(s.step)
            {
                self.model_sent_step = Some(s.step);
                self.samplers
                    .send(SamplerCommand::SetModel(s.model.clone()));
            }
            self.sampler_view = v;
        }
        if let Some(r) = self.field_worker.latest() {
            self.field = Some(r);
        }
        self.request_field();
    }

    fn request_field(&mut self) {
        let s = &self.settings;
        let model_step = self.snapshot.as_ref().map(|s| s.step);
        let key = FieldKey {
            data_version: self.data_version,
            sigma: s.sigma,
            ddpm_t: s.ddpm_t,
            arrow_n: s.arrow_n,
            model_step,
            guidance: self.field_guidance().map(|(k, g)| (k, g.to_bits())),
        };
        let only_model_changed = self.field_key.as_ref().is_some_and(|k| {
            FieldKey {
                model_step,
                ..k.clone()
            } == key
        });
        if self.field_key.as_ref() == Some(&key)
            || (only_model_changed && self.model_requested_at.elapsed() < MODEL_REFRESH)
        {
            return;
        }
        self.field_id += 1;
        self.model_requested_at = Instant::now();
        let fisher_sigmas = self
            .train_config()
            .ok()
            .and_then(|c| match c.noise {
                NoiseSpec::Levels { schedule, .. } => Some(schedule.sigmas().to_vec()),
                _ => None,
            })
            .unwrap_or_default();
        let conditional = self
            .snapshot
            .as_ref()
            .is_some_and(|s| s.model.net.config.n_classes > 0);
        self.field_worker.request(FieldRequest {
            id: self.field_id,
            data: self.data.clone(),
            sigma: s.sigma,
            vp_abar: s
                .ddpm_t
                .map(|t| self.ddpm.abar(t.clamp(1, self.ddpm.n_steps()))),
            bounds: self.view,
            heat_n: HEAT_N,
            arrow_n: s.arrow_n.clamp(4, 64),
            model: self.snapshot.as_ref().map(|s| s.model.clone()),
            guidance: s.guidance_class.map(|k| (k, s.guidance_scale)),
            cfg: s
                .guidance_class
                .filter(|_| conditional)
                .map(|k| (k, s.guidance_scale)),
            fisher_sigmas,
        });
        self.field_key = Some(key);
    }

    /// The `(class, gamma)` the field view shows, per the guided-field choice.
    fn field_guidance(&self) -> Option<(usize, f64)> {
        use super::settings::GuidedField;
        let s = &self.settings;
        s.guidance_class.and_then(|k| match s.guided_field {
            GuidedField::Guided => Some((k, s.guidance_scale)),
            GuidedField::Conditional => Some((k, 1.0)),
            GuidedField::Unconditional => None,
        })
    }

    /// The current state as a session (with the latest weights if asked and trained).
    pub fn current_session(&self, with_weights: bool) -> crate::session::Session {
        use crate::session::{DataSpec, Session};
        Session {
            title: self.lecture.map_or(String::new(), |i| {
                crate::session::lectures::LECTURES[i].title.to_string()
            }),
            data: if self.data_is_preset {
                DataSpec::Preset(self.settings.preset.clone())
            } else {
                DataSpec::Inline((*self.data).clone())
            },
            settings: self.settings.clone(),
            model: if with_weights {
                self.snapshot.as_ref().map(|s| (*s.model).clone())
            } else {
                None
            },
        }
    }

    /// Replaces everything with a session (already validated): settings, data, weights.
    pub fn apply_session(&mut self, session: crate::session::Session) -> Result<(), String> {
        use crate::session::DataSpec;
        let data = session.dataset()?;
        self.settings = session.settings;
        self.data_is_preset = matches!(session.data, DataSpec::Preset(_));
        if let DataSpec::Preset(name) = &session.data {
            self.settings.preset = name.clone();
        }
        self.set_data(data, true);
        self.selected = None;
        self.reset_training();
        self.loaded_model = session.model.map(Arc::new);
        if let Some(model) = &self.loaded_model {
            // Show the loaded weights at once; training continues from them.
            self.snapshot = Some(Arc::new(TrainSnapshot {
                model: model.clone(),
                step: 0,
                loss: f64::NAN,
                loss_per_level: Vec::new(),
                steps_per_s: 0.0,
                lr: self.settings.lr,
                running: false,
            }));
        }
        self.reset_samplers();
        Ok(())
    }

    /// Opens a session file; on any error the current session is kept and the error shown.
    pub fn open_session(&mut self, path: &str) {
        match crate::session::Session::load(std::path::Path::new(path))
            .and_then(|s| self.apply_session(s))
        {
            Ok(()) => {
                self.lecture = None;
                self.remember(path);
            }
            Err(e) => self.errors.push(e),
        }
    }

    /// Saves the current session (atomically).
    pub fn save_session(&mut self, path: &str) {
        match self
            .current_session(self.save_weights)
            .save(std::path::Path::new(path))
        {
            Ok(()) => {
                self.notices.push(format!("saved {path}"));
                self.remember(path);
            }
            Err(e) => self.errors.push(e),
        }
    }

    fn remember(&mut self, path: &str) {
        self.recent.retain(|p| p != path);
        self.recent.insert(0, path.to_string());
        self.recent.truncate(8);
    }

    /// Opens a playlist file and shows its first session.
    pub fn open_playlist(&mut self, path: &str) {
        match crate::session::playlist::load_playlist(std::path::Path::new(path)) {
            Ok(entries) => {
                self.playlist = Some((entries, 0));
                self.step_lecture(0);
            }
            Err(e) => self.errors.push(e),
        }
    }

    /// Steps the open playlist, or the built-in lectures, by `delta` (PageDown +1, PageUp -1).
    pub fn step_lecture(&mut self, delta: i64) {
        if let Some((entries, at)) = &self.playlist {
            let n = entries.len() as i64;
            let next = (*at as i64 + delta).rem_euclid(n) as usize;
            let entry = entries[next].clone();
            match entry.session().and_then(|s| self.apply_session(s)) {
                Ok(()) => {
                    self.lecture = None;
                    if let Some((_, at)) = &mut self.playlist {
                        *at = next;
                    }
                    self.notices
                        .push(format!("playlist {}/{}: {}", next + 1, n, entry.label()));
                }
                Err(e) => self.errors.push(e),
            }
            return;
        }
        self.step_builtin_lecture(delta);
    }

    fn step_builtin_lecture(&mut self, delta: i64) {
        use crate::session::lectures::LECTURES;
        let n = LECTURES.len() as i64;
        let next = match self.lecture {
            Some(i) => (i as i64 + delta).rem_euclid(n),
            None => {
                if delta >= 0 {
                    0
                } else {
                    n - 1
                }
            }
        } as usize;
        match self.apply_session(LECTURES[next].session()) {
            Ok(()) => self.lecture = Some(next),
            Err(e) => self.errors.push(e),
        }
    }

    /// Space play/pause, S step, R reset samplers, T train/pause, P presenter, I image panel, 1-9 presets,
    /// Delete removes the selected component.
    fn keyboard(&mut self, ctx: &egui::Context) {
        if ctx.memory(|m| m.focused().is_some()) {
            return;
        }
        let pressed = |k| ctx.input(|i| i.key_pressed(k));
        if pressed(egui::Key::Space) {
            let c = if self.sampler_view.playing {
                SamplerCommand::Pause
            } else {
                SamplerCommand::Play
            };
            self.sampler_command(c);
        }
        if pressed(egui::Key::S) {
            self.sampler_command(SamplerCommand::Step(1));
        }
        if pressed(egui::Key::R) {
            self.reset_samplers();
        }
        if pressed(egui::Key::T) {
            let running = self.snapshot.as_ref().is_some_and(|s| s.running);
            self.train_command(if running {
                TrainerCommand::Pause
            } else {
                TrainerCommand::Run
            });
        }
        if pressed(egui::Key::P) {
            self.settings.presenter = !self.settings.presenter;
        }
        if pressed(egui::Key::I) {
            self.images.open = !self.images.open;
        }
        if pressed(egui::Key::Delete) {
            self.delete_selected();
        }
        if ctx.input(|i| i.modifiers.command && i.key_pressed(egui::Key::E)) {
            let stem = self.export_stem.clone();
            self.export(super::export::ExportKind::Png, &stem);
        }
        if pressed(egui::Key::PageDown) {
            self.step_lecture(1);
        }
        if pressed(egui::Key::PageUp) {
            self.step_lecture(-1);
        }
        let keys = [
            egui::Key::Num1,
            egui::Key::Num2,
            egui::Key::Num3,
            egui::Key::Num4,
            egui::Key::Num5,
            egui::Key::Num6,
            egui::Key::Num7,
            egui::Key::Num8,
            egui::Key::Num9,
        ];
        for (i, k) in keys.into_iter().enumerate() {
            if pressed(k)
                && let Some(p) = crate::data::PRESETS.get(i)
            {
                self.load_preset(p.name);
            }
        }
    }

    pub(crate) fn delete_selected(&mut self) {
        if let (Some(k), Some(m)) = (self.selected, self.data.mixture()) {
            match super::mixture_edit::delete(m, k) {
                Some(m) => {
                    self.set_data(Dataset::Mixture(m), false);
                    self.selected = None;
                    self.data_edited();
                }
                None => self
                    .errors
                    .push("a mixture needs at least one component".into()),
            }
        }
    }

    fn theme(&mut self, ctx: &egui::Context) {
        let wanted = (self.settings.dark, self.settings.presenter);
        if self.applied_theme != Some(wanted) {
            ctx.set_visuals(if wanted.0 {
                egui::Visuals::dark()
            } else {
                egui::Visuals::light()
            });
            ctx.set_zoom_factor(if wanted.1 { 1.6 } else { 1.0 });
            self.applied_theme = Some(wanted);
        }
    }

    /// One frame of the whole app (eframe and the tests call this).
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        let _ = self.ctx.set(ctx.clone());
        self.theme(&ctx);
        self.poll_workers();
        self.images.poll(&ctx);
        self.poll_exports();
        self.keyboard(&ctx);
        if !self.settings.presenter {
            egui::Panel::left("controls")
                .default_size(300.0)
                .resizable(true)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical().show(ui, |ui| self.controls_ui(ui));
                });
            egui::Panel::bottom("metrics")
                .default_size(190.0)
                .resizable(true)
                .show(ui, |ui| self.metrics_ui(ui));
        }
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(i) = self.lecture {
                let l = &crate::session::lectures::LECTURES[i];
                ui.heading(format!(
                    "{}/{} · {}",
                    i + 1,
                    crate::session::lectures::LECTURES.len(),
                    l.title
                ));
            }
            self.messages_ui(ui);
            self.panes_ui(ui);
        });
        self.images.window(&ctx);
        self.screenshot_step(&ctx);
        let busy = self.sampler_view.playing || self.snapshot.as_ref().is_some_and(|s| s.running);
        if busy {
            ctx.request_repaint_after(Duration::from_millis(16));
        }
    }

    /// Errors (red, dismissable) and notices (rollbacks and the like).
    fn messages_ui(&mut self, ui: &mut egui::Ui) {
        if self.errors.is_empty() && self.notices.is_empty() {
            return;
        }
        ui.horizontal_wrapped(|ui| {
            for e in self.errors.iter().rev().take(3) {
                ui.colored_label(egui::Color32::from_rgb(230, 80, 80), e);
            }
            for n in self.notices.iter().rev().take(2) {
                ui.colored_label(egui::Color32::from_rgb(230, 180, 60), n);
            }
            if ui.small_button("dismiss").clicked() {
                self.errors.clear();
                self.notices.clear();
            }
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
        // Wait for the first field layers (and any delay asked for), then a few frames more.
        if self.field.is_none() || Instant::now() < req.not_before {
            ctx.request_repaint_after(Duration::from_millis(20));
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

/// Storage keys of the autosaved session and the recent files.
pub const AUTOSAVE_KEY: &str = "session";
pub const RECENT_KEY: &str = "recent";

pub(crate) use crate::scene::view_of;

impl eframe::App for ScorefieldApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    /// Autosave (eframe calls this every 30 s and on exit): the whole session without weights,
    /// and the recent files, through the project's atomic writer with a backup
    /// (`session/autosave.rs`), not eframe's store, which rewrites its file in place. The next
    /// start restores them, also after a crash or a full disk.
    fn save(&mut self, _storage: &mut dyn eframe::Storage) {
        let Some(store) = &self.autosave else {
            return;
        };
        if let Err(e) = store.save(&self.current_session(false), &self.recent) {
            eprintln!("autosave: {e}");
            self.errors.push(format!("autosave failed: {e}"));
        }
    }
}
