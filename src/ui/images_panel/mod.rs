//! The image-scale panel: the GPU score network on MNIST-like images, in its own window. The
//! worker thread (and the GPU) start the first time the panel opens; without an adapter the
//! panel explains why and the rest of the app carries on.

use crate::gpu::models::{Arch, ModelSpec};
use crate::gpu::sampler::SampleSpec;
use crate::gpu::trainer::TrainSpec;
use crate::gpu::worker::{
    ImageCommand, ImageEvent, ImageSnapshot, ImageWorkerHandle, SampleQuality,
};
use crate::images::DatasetSource;
use crate::images::classifier::{NOISE_SCORE, NOISY_DIGITS_SCORE, REAL_DIGITS_SCORE};
use crate::images::grid::{Tiled, sample_cols, save_png, tile};
use std::path::PathBuf;
use std::sync::Arc;

mod view;

/// Where the worker stands.
#[derive(Clone, Debug, PartialEq)]
pub enum GpuStatus {
    Closed,
    Opening,
    Ready(String),
    NoAdapter(String),
    Stopped(String),
}

/// A picture shown in the panel and the values behind it.
struct Picture {
    texture: egui::TextureHandle,
    tiled: Tiled,
    caption: String,
    /// The training step of the network the picture was drawn from.
    step: u64,
}

pub struct ImagesPanel {
    pub open: bool,
    /// Build the network and run as soon as the adapter is ready (`--images --autostart`).
    pub autostart: bool,
    /// Load the checkpoint in the file box as soon as the adapter is ready
    /// (`--images-checkpoint`).
    load_at_start: bool,
    worker: Option<ImageWorkerHandle>,
    pub status: GpuStatus,
    /// The network to build and how to train it.
    pub setup: NetworkSetup,
    pub training: ImageTraining,
    pub sampling: Sampling,
    pictures: Pictures,
    pub files: FileBoxes,
    pub messages: Vec<String>,
}

/// The network to build and how to train it.
#[derive(Clone, Debug)]
pub struct NetworkSetup {
    pub dataset: String,
    pub unet: bool,
    pub hidden: usize,
    pub channels: usize,
    pub batch: usize,
    pub lr: f32,
    pub conditional: bool,
}

/// The newest training snapshot (it carries the loss history, checkpoints included).
#[derive(Default)]
pub struct ImageTraining {
    pub snapshot: Option<Arc<ImageSnapshot>>,
}

/// Images per sample grid: 8 x 8, or for each class in turn the next whole number of rows
/// of the classes (70 for ten).
pub const GRID_IMAGES: usize = 64;

/// Sampling settings and the live grid's refresh state.
pub struct Sampling {
    pub steps_per_level: usize,
    /// Sample the levels down to this sigma only (0: all; `SampleSpec::stop_sigma`).
    pub stop_sigma: f32,
    pub class: Option<u32>,
    /// Each image conditioned on a class in turn (`SampleSpec::every_class`).
    pub every_class: bool,
    pub cfg_scale: f32,
    pub auto_sample: bool,
    /// A sampling request is out.
    busy: bool,
    /// When the last sampling request went out and how long the one before took: the live grid
    /// refreshes no more often than every max(5 s, 3 x sampling time), so sampling never
    /// starves training.
    sent: Option<std::time::Instant>,
    took: std::time::Duration,
    seed: u32,
    /// What the last request drew ("each class in turn, guidance 1.00"), for the caption.
    asked: String,
    /// The grid's columns for the last request: one per class when drawn for each in turn.
    columns: usize,
    pub ladder_index: usize,
}

/// The pictures shown: the sample grid and the noise ladder.
#[derive(Default)]
struct Pictures {
    samples: Option<Picture>,
    ladder: Option<Picture>,
}

/// File names in the panel's boxes, and the results of PNG exports (encoded and written off the
/// UI thread).
pub struct FileBoxes {
    pub ckpt_path: String,
    pub export_path: String,
    exports: (
        std::sync::mpsc::Sender<String>,
        std::sync::mpsc::Receiver<String>,
    ),
}

impl Default for ImagesPanel {
    fn default() -> Self {
        ImagesPanel {
            open: false,
            autostart: false,
            load_at_start: false,
            worker: None,
            status: GpuStatus::Closed,
            setup: NetworkSetup {
                dataset: "mnist5k".into(),
                unet: true,
                hidden: 1024,
                channels: 32,
                batch: 128,
                lr: 1e-3,
                conditional: true,
            },
            training: ImageTraining::default(),
            sampling: Sampling {
                steps_per_level: 20,
                stop_sigma: 0.0,
                class: None,
                // A conditional model's grid shows every digit, a column each (ignored for an
                // unconditional model).
                every_class: true,
                cfg_scale: 1.0,
                auto_sample: true,
                busy: false,
                sent: None,
                took: std::time::Duration::ZERO,
                seed: 0,
                asked: String::new(),
                columns: 8,
                ladder_index: 0,
            },
            pictures: Pictures::default(),
            files: FileBoxes {
                ckpt_path: "scorefield-images.sfimg".into(),
                export_path: "scorefield-samples.png".into(),
                exports: std::sync::mpsc::channel(),
            },
            messages: Vec::new(),
        }
    }
}

impl ImagesPanel {
    /// Starts the worker the first time the panel is shown.
    fn ensure_worker(&mut self, ctx: &egui::Context) {
        if self.worker.is_some() || !matches!(self.status, GpuStatus::Closed) {
            return;
        }
        let c = ctx.clone();
        match ImageWorkerHandle::spawn(Arc::new(move || c.request_repaint())) {
            Ok(w) => {
                self.worker = Some(w);
                self.status = GpuStatus::Opening;
            }
            Err(e) => self.status = GpuStatus::NoAdapter(e),
        }
    }

    fn send(&mut self, c: ImageCommand) {
        if let Some(w) = &self.worker
            && let Err(e) = w.send(c)
        {
            self.messages.push(e);
        }
    }

    /// Applies the worker's events (every frame, open or not).
    pub fn poll(&mut self, ctx: &egui::Context) {
        self.messages.extend(self.files.exports.1.try_iter());
        let Some(w) = &self.worker else {
            return;
        };
        let mut autostart = false;
        for e in w.drain_events() {
            match e {
                ImageEvent::Ready { adapter } => {
                    if adapter.contains("Cpu") && self.training.snapshot.is_none() {
                        // A software adapter runs these shaders at 1-2 GFLOP/s: small defaults
                        // keep the panel live.
                        self.setup.unet = false;
                        self.setup.channels = 8;
                        self.setup.hidden = 256;
                        self.setup.batch = 64;
                        // The sampling keeps its 20 steps per level: fewer leave a trained
                        // model's grid as noise (a 4,000-step MLP 256 scores 2.4 with 5, 3.5
                        // with 10 and 7.6 with 20; README, "Digits on the software adapter").
                        // A short run has not learned the smallest levels; stopping at the
                        // first level below 0.5 shows its digits (README, "Digits on the
                        // software adapter").
                        self.sampling.stop_sigma = 0.5;
                        self.messages.push(
                            "software adapter: small defaults (MLP 256, batch 64, sampling stops at sigma 0.5)"
                                .into(),
                        );
                    }
                    self.status = GpuStatus::Ready(adapter);
                    if self.autostart {
                        autostart = true;
                    }
                    if std::mem::take(&mut self.load_at_start) {
                        self.load_checkpoint();
                    }
                }
                ImageEvent::NoAdapter(m) => self.status = GpuStatus::NoAdapter(m),
                ImageEvent::Stopped(m) => {
                    self.messages.push(m.clone());
                    self.status = GpuStatus::Stopped(m);
                }
                ImageEvent::Snapshot(s) => {
                    let new_network = self
                        .training
                        .snapshot
                        .as_ref()
                        .is_none_or(|old| old.network != s.network);
                    // Stored first: what `adopt` asks for (the class settings of a first grid)
                    // depends on the new network, not the old one.
                    self.training.snapshot = Some(s);
                    if new_network {
                        self.adopt();
                    }
                }
                ImageEvent::Samples {
                    images,
                    n,
                    width,
                    height,
                    step,
                    quality,
                } => {
                    self.sampling.busy = false;
                    self.sampling.took = self
                        .sampling
                        .sent
                        .map_or(self.sampling.took, |t| t.elapsed());
                    let t = tile(&images, width, height, self.sampling.columns, 2, 2);
                    let caption =
                        caption_for_samples(n, step, &self.sampling.asked, quality.as_ref());
                    self.pictures.samples = Some(picture(ctx, "image samples", t, caption, step));
                }
                ImageEvent::Ladder {
                    noisy,
                    denoised,
                    sigmas,
                    width,
                    height,
                } => {
                    let mut both = noisy.to_vec();
                    both.extend(denoised.iter());
                    let t = tile(&both, width, height, sigmas.len(), 2, 2);
                    let caption = format!(
                        "top: held-out image {} + sigma z, sigma = {:.3} ... {:.3}; bottom: Tweedie x + sigma^2 s(x, sigma)",
                        self.sampling.ladder_index,
                        sigmas.first().copied().unwrap_or(0.0),
                        sigmas.last().copied().unwrap_or(0.0)
                    );
                    let step = self.training.snapshot.as_ref().map_or(0, |s| s.step);
                    self.pictures.ladder = Some(picture(ctx, "noise ladder", t, caption, step));
                }
                ImageEvent::Saved(p) => self.messages.push(format!("saved {}", p.display())),
                ImageEvent::Error(e) => {
                    self.sampling.busy = false;
                    self.messages.push(e);
                }
            }
        }
        if autostart {
            self.start();
            self.send(ImageCommand::Run);
        }
        // The live grid: a new batch of samples once the last one is in, training moved on and the
        // refresh interval has passed.
        let interval = (3 * self.sampling.took).max(std::time::Duration::from_secs(5));
        if self.sampling.auto_sample
            && !self.sampling.busy
            && self.sampling.sent.is_none_or(|t| t.elapsed() >= interval)
            && let Some(s) = &self.training.snapshot
            && s.running
            && self
                .pictures
                .samples
                .as_ref()
                .is_none_or(|p| p.step != s.step)
        {
            self.request_samples();
        }
    }

    /// A network was built or loaded: the controls show its settings, pictures of the previous
    /// network go, and its own noise ladder is drawn; a trained one (a loaded checkpoint) also
    /// draws a sample grid at once.
    fn adopt(&mut self) {
        let Some(s) = self.training.snapshot.as_ref() else {
            return;
        };
        let (arch, batch, lr, classes, step) = (s.spec.arch, s.batch, s.lr, s.spec.classes, s.step);
        match arch {
            Arch::Mlp { hidden } => {
                self.setup.unet = false;
                self.setup.hidden = hidden;
            }
            Arch::Unet { channels } => {
                self.setup.unet = true;
                self.setup.channels = channels;
            }
        }
        self.setup.batch = batch;
        self.setup.lr = lr;
        self.setup.conditional = classes > 0;
        self.pictures.samples = None;
        self.pictures.ladder = None;
        self.request_ladder();
        if step > 0 {
            self.request_samples();
        }
    }

    /// Puts `path` in the checkpoint box and loads it once the adapter is ready.
    pub fn load_when_ready(&mut self, path: &std::path::Path) {
        self.files.ckpt_path = path.display().to_string();
        self.load_at_start = true;
    }

    /// Loads the checkpoint named in the file box, with the data set in the setup box (its
    /// held-out images feed the noise ladder).
    fn load_checkpoint(&mut self) {
        match DatasetSource::parse(self.setup.dataset.trim()) {
            Ok(source) => {
                let path = PathBuf::from(self.files.ckpt_path.trim());
                self.send(ImageCommand::Load { path, source });
            }
            Err(e) => self.messages.push(e),
        }
    }

    fn request_ladder(&mut self) {
        let index = self.sampling.ladder_index;
        self.send(ImageCommand::Ladder { index, seed: 7 });
    }

    fn request_samples(&mut self) {
        let mut spec = SampleSpec::new(GRID_IMAGES);
        spec.steps_per_level = self.sampling.steps_per_level.max(1);
        spec.stop_sigma = self.sampling.stop_sigma;
        // The class settings apply to a conditional model only; they stay as chosen for the next.
        let classes = self.training.snapshot.as_ref().map_or(0, |s| s.classes);
        spec.class = self.sampling.class.filter(|&c| (c as usize) < classes);
        spec.every_class = classes > 0 && self.sampling.every_class && spec.class.is_none();
        spec.cfg_scale = self.sampling.cfg_scale;
        // Each class in turn: whole rows of 0 ... C-1, a column per class.
        let in_turn = spec.every_class.then_some(classes);
        if let Some(c) = in_turn {
            spec.n = GRID_IMAGES.div_ceil(c) * c;
        }
        self.sampling.columns = sample_cols(spec.n, in_turn);
        self.sampling.asked = asked_for(&spec);
        self.sampling.seed = self.sampling.seed.wrapping_add(1);
        spec.seed = self.sampling.seed;
        self.sampling.busy = true;
        self.sampling.sent = Some(std::time::Instant::now());
        self.send(ImageCommand::Sample(Box::new(spec)));
    }

    /// The caption of the sample grid shown, if any.
    pub fn samples_caption(&self) -> Option<&str> {
        self.pictures.samples.as_ref().map(|p| p.caption.as_str())
    }

    pub fn has_ladder(&self) -> bool {
        self.pictures.ladder.is_some()
    }

    fn start(&mut self) {
        let source = match DatasetSource::parse(self.setup.dataset.trim()) {
            Ok(s) => s,
            Err(e) => {
                self.messages.push(e);
                return;
            }
        };
        let arch = if self.setup.unet {
            Arch::Unet {
                channels: self.setup.channels,
            }
        } else {
            Arch::Mlp {
                hidden: self.setup.hidden,
            }
        };
        // The worker fixes the size and class count from the data.
        let model = ModelSpec {
            arch,
            width: 28,
            height: 28,
            classes: self.setup.conditional as usize,
        };
        let mut spec = TrainSpec::new(model);
        spec.batch = self.setup.batch.max(1);
        spec.lr = self.setup.lr;
        self.pictures.samples = None;
        self.pictures.ladder = None;
        self.send(ImageCommand::Start {
            source,
            spec: Box::new(spec),
        });
    }
}

fn picture(ctx: &egui::Context, name: &str, tiled: Tiled, caption: String, step: u64) -> Picture {
    let image = egui::ColorImage::from_rgba_unmultiplied([tiled.width, tiled.height], &tiled.rgba);
    let texture = ctx.load_texture(name, image, egui::TextureOptions::NEAREST);
    Picture {
        texture,
        tiled,
        caption,
        step,
    }
}

/// What a sampling request draws, in the caption's words: "unguided", "class 7, guidance 3.00"
/// or "each class in turn (a column per class), guidance 1.00".
fn asked_for(spec: &SampleSpec) -> String {
    match (spec.class, spec.every_class) {
        (Some(k), _) => format!("class {k}, guidance {:.2}", spec.cfg_scale),
        (None, true) => format!(
            "each class in turn (a column per class), guidance {:.2}",
            spec.cfg_scale
        ),
        (None, false) => "unguided".into(),
    }
}

/// The grid's caption: how many samples, from which step, what they were drawn for, and what
/// the digit classifier says of them beside its values on real digits and on noise, so the
/// number has a scale.
pub fn caption_for_samples(n: usize, step: u64, asked: &str, q: Option<&SampleQuality>) -> String {
    let mut s = format!("{n} samples at step {step}, {asked}");
    if let Some(q) = q {
        s += &format!(
            "\nquality: score {:.2} (real digits {REAL_DIGITS_SCORE}, noisy digits {NOISY_DIGITS_SCORE}, noise {NOISE_SCORE}), label entropy {:.2} nats (ln 10 = 2.30)",
            q.quality.inception_score, q.quality.label_entropy
        );
        if let Some((k, hit)) = &q.class_hit {
            s += &format!(", {:.0} % read as {k}", 100.0 * hit);
        }
    }
    s
}
