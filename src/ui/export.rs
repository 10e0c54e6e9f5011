//! Exports from the app, on background threads: PNG and SVG of each pane (the pane's view spec
//! and scene), the samples as CSV, the field and the model, and a GIF of sampler A with the
//! pane's score (through `scene::animation`, as `scorefield animate` makes it). The UI shows what is in flight
//! and the saved path; a second export to a file still being written is refused.

use super::app::ScorefieldApp;
use crate::scene::figures::PANE_COLOURS;
use crate::scene::spec::sig3;
use crate::scene::{PointLayer, Scene, field_scene};
use crossbeam_channel::{Receiver, Sender, unbounded};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Exports in flight and their outcomes.
pub struct Exporter {
    busy: Arc<Mutex<HashSet<PathBuf>>>,
    done_tx: Sender<Result<String, String>>,
    done_rx: Receiver<Result<String, String>>,
}

impl Default for Exporter {
    fn default() -> Exporter {
        let (done_tx, done_rx) = unbounded();
        Exporter {
            busy: Arc::default(),
            done_tx,
            done_rx,
        }
    }
}

impl Exporter {
    /// Runs `job` writing `path` on its own thread, unless `path` is already being written.
    pub fn spawn(
        &self,
        path: PathBuf,
        job: impl FnOnce() -> Result<(), String> + Send + 'static,
    ) -> Result<(), String> {
        {
            let mut busy = self
                .busy
                .lock()
                .map_err(|_| "export state poisoned".to_string())?;
            if !busy.insert(path.clone()) {
                return Err(format!(
                    "{} is still being exported; wait for it to finish",
                    path.display()
                ));
            }
        }
        let (busy, done) = (self.busy.clone(), self.done_tx.clone());
        std::thread::Builder::new()
            .name("scorefield-export".into())
            .spawn(move || {
                let result = job().map(|()| format!("saved {}", path.display()));
                if let Ok(mut b) = busy.lock() {
                    b.remove(&path);
                }
                let _ = done.send(result);
            })
            .map(|_| ())
            .map_err(|e| format!("cannot start an export: {e}"))
    }

    /// Paths being written now.
    pub fn in_flight(&self) -> Vec<PathBuf> {
        self.busy
            .lock()
            .map(|b| b.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Finished exports since the last call.
    pub fn finished(&self) -> Vec<Result<String, String>> {
        self.done_rx.try_iter().collect()
    }
}

/// What to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Png,
    Svg,
    Pdf,
    SamplesCsv,
    /// The field on the heat grid, in the columns of `scorefield field` (`field/csv.rs`): the
    /// reference field, and the learned one beside it once a model exists.
    FieldCsv,
    /// The trained model's file (the `train --out` JSON format).
    Model,
    /// The trained model as safetensors (for PyTorch, JAX, NumPy).
    ModelSafetensors,
    Gif,
}

impl ScorefieldApp {
    /// The scene of pane `index` as the screen shows it: the field scene of the view spec's
    /// layers, the pane's particles, and a title naming the pane's score, the sampler's level
    /// and the drawn field's level.
    pub fn pane_scene(&self, index: usize) -> Option<Scene> {
        let field = self.field.result()?;
        let spec = self.view_spec();
        let pane = self.samplers.view.panes.get(index);
        let field_sigma = format!("field σ = {}", sig3(field.sigma));
        let title = pane.map_or(format!("{} · {field_sigma}", self.settings.preset), |p| {
            format!(
                "{} · {} · {} · step {}/{} · sampler σ = {} · {field_sigma}",
                self.settings.preset,
                p.label,
                p.score,
                p.cursor,
                p.total,
                sig3(p.sigma)
            )
        });
        let mut scene = field_scene(field, &spec.layers, &title);
        if let Some(p) = pane {
            let points = crate::sample::runner::live_points(&p.positions, &p.alive);
            scene.points.push(PointLayer {
                name: p.label.clone(),
                colour: PANE_COLOURS[index % 2],
                points,
            });
        }
        Some(scene)
    }

    /// Starts an export to `stem` + the kind's suffix (one file per pane for PNG, SVG, CSV).
    pub(crate) fn start_export(&mut self, kind: ExportKind, stem: &str) {
        if stem.trim().is_empty() {
            self.messages.error("give an export file name first");
            return;
        }
        let panes = self.samplers.view.panes.len().max(1);
        let suffix = |i: usize, ext: &str| {
            if panes > 1 {
                PathBuf::from(format!("{stem}-{}.{ext}", ["A", "B"][i % 2]))
            } else {
                PathBuf::from(format!("{stem}.{ext}"))
            }
        };
        let mut started = Vec::new();
        match kind {
            ExportKind::Png | ExportKind::Svg | ExportKind::Pdf => {
                for i in 0..panes {
                    let Some(scene) = self.pane_scene(i) else {
                        self.messages
                            .error("nothing to export yet: the field is still being computed");
                        return;
                    };
                    let (ext, size) = match kind {
                        ExportKind::Png => ("png", (1600, 1200)),
                        ExportKind::Svg => ("svg", (1200, 900)),
                        _ => ("pdf", (1200, 900)),
                    };
                    let path = suffix(i, ext);
                    let target = path.clone();
                    started.push(self.exporter.spawn(path, move || {
                        let size = crate::render::files::FigureSize {
                            width: size.0,
                            height: size.1,
                            scale: 1.0,
                        };
                        crate::render::files::write_figure(
                            std::slice::from_ref(&scene),
                            size,
                            &target,
                        )
                    }));
                }
            }
            ExportKind::SamplesCsv => {
                for (i, pane) in self.samplers.view.panes.iter().enumerate() {
                    let (xs, alive) = (pane.positions.clone(), pane.alive.clone());
                    let path = suffix(i, "csv");
                    let target = path.clone();
                    started.push(self.exporter.spawn(path, move || {
                        crate::atomic_file::write_atomic(&target, |w| {
                            crate::sample::runner::write_samples_csv(w, &xs, &alive)
                        })
                    }));
                }
            }
            ExportKind::FieldCsv => {
                let Some(field) = self.field.result().cloned() else {
                    self.messages
                        .error("nothing to export yet: the field is still being computed");
                    return;
                };
                let data = self.data.data.clone();
                let model = self.training.model();
                let path = PathBuf::from(format!("{stem}-field.csv"));
                let target = path.clone();
                started.push(
                    self.exporter
                        .spawn(path, move || write_field_csv(&field, &data, model, &target)),
                );
            }
            ExportKind::Model | ExportKind::ModelSafetensors => match self.training.model() {
                Some(model) => {
                    let ext = if kind == ExportKind::Model {
                        "json"
                    } else {
                        "safetensors"
                    };
                    let path = PathBuf::from(format!("{stem}-model.{ext}"));
                    let target = path.clone();
                    started.push(self.exporter.spawn(path, move || model.save(&target)));
                }
                None => {
                    self.messages.error("no trained model to export yet");
                    return;
                }
            },
            ExportKind::Gif => {
                // The session with its weights: sampler A with the pane's score, exactly the
                // run `scorefield animate --session` makes of the saved session.
                let session = self.current_session(true);
                let path = PathBuf::from(format!("{stem}.gif"));
                let target = path.clone();
                started.push(self.exporter.spawn(path, move || {
                    crate::scene::animation::write_animation(
                        &session,
                        crate::scene::animation::Animation::Sampler(None),
                        GIF_FRAMES,
                        GIF_FPS,
                        GIF_SIZE,
                        &target,
                    )
                }));
            }
        }
        for r in started {
            if let Err(e) = r {
                self.messages.error(e);
            }
        }
    }
}

/// The app's GIF: frames, frames per second, and size in pixels.
pub const GIF_FRAMES: usize = 40;
pub const GIF_FPS: u32 = 10;
pub const GIF_SIZE: crate::render::files::FigureSize = crate::render::files::FigureSize {
    width: 800,
    height: 600,
    scale: 1.0,
};

/// The field on the view's heat grid as CSV, in the columns of `scorefield field`: the reference
/// field, and the learned field (unconditional) beside it when a model exists.
fn write_field_csv(
    field: &crate::scene::FieldResult,
    data: &crate::data::Dataset,
    model: Option<std::sync::Arc<crate::nn::ScoreModel>>,
    path: &std::path::Path,
) -> Result<(), String> {
    let Some(bounds) = field.bounds else {
        return Err("the field has no view box".into());
    };
    let nodes = crate::field::FieldGrid::nodes(field.heat_n, &bounds);
    let floor = if data.mixture().is_some() { 0.0 } else { 1e-3 };
    let level = crate::dist::NoiseLevel::Ve {
        sigma: field.sigma.max(floor),
    };
    let exact = data.reference_field(level, &nodes);
    let learned = model.map(|m| {
        crate::sample::source::score_on(&crate::sample::LearnedScore::new(m), level, &nodes)
    });
    crate::field::FieldColumns {
        points: &nodes,
        reference: Some(&exact),
        learned: learned.as_deref(),
    }
    .save(path)
}
