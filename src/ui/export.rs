//! Exports from the app, on background threads: PNG and SVG of each pane (the same scene the
//! exporters draw), the samples as CSV, and a GIF of sampler A. The UI shows what is in flight
//! and the saved path; a second export to a file still being written is refused.

use super::app::ScorefieldApp;
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
    /// The scene of pane `index` as the screen shows it.
    pub fn pane_scene(&self, index: usize) -> Option<Scene> {
        let field = self.field.as_ref()?;
        let pane = self.sampler_view.panes.get(index);
        let title = pane.map_or(
            format!(
                "{} · sigma {:.3}",
                self.settings.preset, self.settings.sigma
            ),
            |p| {
                format!(
                    "{} · {} · step {}/{} · sigma {:.3}",
                    self.settings.preset, p.label, p.cursor, p.total, p.sigma
                )
            },
        );
        let mut scene = field_scene(field, &self.settings, &title);
        if let Some(p) = pane {
            let points = p
                .positions
                .iter()
                .zip(&p.alive)
                .filter(|(_, a)| **a)
                .map(|(q, _)| *q)
                .collect();
            let colour = if index == 0 {
                [255, 120, 60]
            } else {
                [90, 200, 255]
            };
            scene.points.push(PointLayer {
                name: p.label.clone(),
                colour,
                points,
            });
        }
        Some(scene)
    }

    /// Starts an export to `stem` + the kind's suffix (one file per pane for PNG, SVG, CSV).
    pub fn export(&mut self, kind: ExportKind, stem: &str) {
        if stem.trim().is_empty() {
            self.errors.push("give an export file name first".into());
            return;
        }
        let panes = self.sampler_view.panes.len().max(1);
        let suffix = |i: usize, ext: &str| {
            if panes > 1 {
                PathBuf::from(format!("{stem}-{}.{ext}", ["A", "B"][i % 2]))
            } else {
                PathBuf::from(format!("{stem}.{ext}"))
            }
        };
        let mut started = Vec::new();
        match kind {
            ExportKind::Png | ExportKind::Svg => {
                for i in 0..panes {
                    let Some(scene) = self.pane_scene(i) else {
                        self.errors.push(
                            "nothing to export yet: the field is still being computed".into(),
                        );
                        return;
                    };
                    let (ext, png) = if kind == ExportKind::Png {
                        ("png", true)
                    } else {
                        ("svg", false)
                    };
                    let path = suffix(i, ext);
                    let target = path.clone();
                    started.push(self.exporter.spawn(path, move || {
                        if png {
                            crate::render::write_png(&scene, 1600, 1200, &target)
                        } else {
                            crate::render::write_svg(&scene, 1200, 900, &target)
                        }
                    }));
                }
            }
            ExportKind::SamplesCsv => {
                for (i, pane) in self.sampler_view.panes.iter().enumerate() {
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
                let Some(field) = self.field.clone() else {
                    self.errors
                        .push("nothing to export yet: the field is still being computed".into());
                    return;
                };
                let data = self.data.clone();
                let model = self.snapshot.as_ref().map(|s| s.model.clone());
                let path = PathBuf::from(format!("{stem}-field.csv"));
                let target = path.clone();
                started.push(
                    self.exporter
                        .spawn(path, move || write_field_csv(&field, &data, model, &target)),
                );
            }
            ExportKind::Model | ExportKind::ModelSafetensors => match &self.snapshot {
                Some(s) => {
                    let model = s.model.clone();
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
                    self.errors.push("no trained model to export yet".into());
                    return;
                }
            },
            ExportKind::Gif => {
                let session = self.current_session(false);
                let path = PathBuf::from(format!("{stem}.gif"));
                let target = path.clone();
                started.push(self.exporter.spawn(path, move || {
                    crate::cli::render_cmd::animate_session(
                        &session, None, 40, 10, 800, 600, &target,
                    )
                }));
            }
        }
        for r in started {
            if let Err(e) = r {
                self.errors.push(e);
            }
        }
    }

    /// Collects finished exports into the notices and errors.
    pub(crate) fn poll_exports(&mut self) {
        for r in self.exporter.finished() {
            match r {
                Ok(msg) => self.notices.push(msg),
                Err(e) => self.errors.push(e),
            }
        }
    }

    pub(crate) fn export_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("file");
            ui.add(
                egui::TextEdit::singleline(&mut self.export_stem)
                    .desired_width(160.0)
                    .hint_text("figures/slide3"),
            );
        });
        let stem = self.export_stem.clone();
        ui.horizontal(|ui| {
            if ui
                .button("Export PNG")
                .on_hover_text("Ctrl+E; one file per pane in compare mode")
                .clicked()
            {
                self.export(ExportKind::Png, &stem);
            }
            if ui.button("Export SVG").clicked() {
                self.export(ExportKind::Svg, &stem);
            }
            if ui.button("Export samples CSV").clicked() {
                self.export(ExportKind::SamplesCsv, &stem);
            }
            if ui
                .button("Export GIF")
                .on_hover_text("sampler A from fresh particles, 40 frames")
                .clicked()
            {
                self.export(ExportKind::Gif, &stem);
            }
        });
        ui.horizontal(|ui| {
            if ui
                .button("Export field CSV")
                .on_hover_text(
                    "x, y, log q_σ, the exact score and, with a trained model, the learned score \
                     and |s_θ − ∇log q_σ| on the heat grid (the columns of `scorefield field`)",
                )
                .clicked()
            {
                self.export(ExportKind::FieldCsv, &stem);
            }
            if ui
                .button("Export model (JSON)")
                .on_hover_text("the trained network in scorefield's JSON model format")
                .clicked()
            {
                self.export(ExportKind::Model, &stem);
            }
            if ui
                .button("Export model (safetensors)")
                .on_hover_text(
                    "the trained network as safetensors: tensors layers.{l}.weight [out, in] and \
                     layers.{l}.bias, the config in the metadata; PyTorch and JAX read it",
                )
                .clicked()
            {
                self.export(ExportKind::ModelSafetensors, &stem);
            }
        });
        for p in self.exporter.in_flight() {
            ui.label(format!("exporting {} ...", p.display()));
        }
    }
}

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
