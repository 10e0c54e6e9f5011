//! The image trainer on its own thread, with the 2D trainer's protocol: the UI sends
//! [`ImageCommand`]s and receives [`ImageEvent`]s over bounded channels, and every event calls
//! the `wake` hook. The thread opens the GPU itself; no adapter is reported as an event and the
//! rest of the app is unaffected. A GPU error or device loss stops training with a message; the
//! checkpoint file on disk is only ever replaced atomically, so the last one stays intact.

use super::checkpoint::{Checkpoint, LossRecord};
use super::context::Gpu;
use super::kernels::Kernels;
use super::models::ModelSpec;
use super::sampler::{ImageSampler, SampleSpec, noise_ladder};
use super::trainer::{ImageTrainer, LevelLoss, TrainSpec};
use crate::images::classifier::{DigitClassifier, PIXELS, Quality, quality};
use crate::images::{DatasetSource, ImageSet};
use crate::worker_thread::WorkerThread;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Interval between snapshots while training runs.
const SNAPSHOT_EVERY: Duration = Duration::from_millis(500);
/// Held-out batches per held-out loss, and the least interval between two evaluations while
/// training runs (they cost forward passes; pausing always evaluates).
const HELD_OUT_BATCHES: usize = 2;
const HELD_OUT_EVERY: Duration = Duration::from_secs(5);

pub enum ImageCommand {
    /// Loads the data and builds a fresh network (paused).
    Start {
        source: DatasetSource,
        spec: Box<TrainSpec>,
    },
    Run,
    Pause,
    Step(usize),
    Sample(Box<SampleSpec>),
    /// The noise ladder of held-out image `index`.
    Ladder {
        index: usize,
        seed: u32,
    },
    Save(PathBuf),
    /// Continues from a checkpoint on the current data set (or `source`).
    Load {
        path: PathBuf,
        source: DatasetSource,
    },
    Shutdown,
}

/// Training progress.
#[derive(Clone, Debug)]
pub struct ImageSnapshot {
    /// Counts the networks built or loaded on this worker: a new value means a new network
    /// (the panel then takes its settings and drops pictures of the old one).
    pub network: u64,
    pub step: u64,
    /// The last training batch's loss; `None` until a step has run on this network (right
    /// after a checkpoint loads, the history's last record is the last logged loss).
    pub loss: Option<LevelLoss>,
    pub held_out: LevelLoss,
    /// `None` until measured over this network's own steps.
    pub images_per_s: Option<f64>,
    /// Every logged loss, carried through checkpoints.
    pub history: Arc<Vec<LossRecord>>,
    pub spec: ModelSpec,
    pub batch: usize,
    pub lr: f32,
    pub running: bool,
    pub sigmas: Vec<f32>,
    pub model: String,
    pub data: String,
    pub parameters: usize,
    pub classes: usize,
    pub width: usize,
    pub height: usize,
}

#[derive(Clone, Debug)]
pub enum ImageEvent {
    /// The adapter opened ("name (backend, type)").
    Ready {
        adapter: String,
    },
    /// No adapter, or it could not be opened: the panel explains, nothing else changes.
    NoAdapter(String),
    Snapshot(Arc<ImageSnapshot>),
    /// `n` images of `width x height` values, drawn at training step `step`.
    Samples {
        images: Arc<Vec<f32>>,
        n: usize,
        width: usize,
        height: usize,
        step: u64,
        /// The digit classifier's numbers for the batch (28 x 28 images only, MATH §6), and
        /// for a class-guided batch the share classified as that class.
        quality: Option<SampleQuality>,
    },
    /// One row per level: noisy images and their Tweedie estimates.
    Ladder {
        noisy: Arc<Vec<f32>>,
        denoised: Arc<Vec<f32>>,
        sigmas: Vec<f32>,
        width: usize,
        height: usize,
    },
    Saved(PathBuf),
    /// Training stopped for good (GPU error or device loss).
    Stopped(String),
    Error(String),
}

pub use crate::worker_thread::Wake;

/// What the digit classifier says of one sample batch.
#[derive(Clone, Debug)]
pub struct SampleQuality {
    pub quality: Quality,
    /// For a conditioned batch, what was asked for ("3", or "the class asked for" when every
    /// class is drawn in turn) and the fraction of samples classified so.
    pub class_hit: Option<(String, f64)>,
}

/// The classifier's numbers for `n` images of `width x height`, or None where they are not
/// 28 x 28 digits (or the embedded weights could not be read, which a test rules out).
fn sample_quality(
    images: &[f32],
    width: usize,
    height: usize,
    spec: &SampleSpec,
    classes: usize,
) -> Option<SampleQuality> {
    if width * height != PIXELS {
        return None;
    }
    let quality = quality(DigitClassifier::embedded().ok()?, images).ok()?;
    let class_hit = match (spec.class, spec.labels(classes).ok().flatten()) {
        (Some(k), _) => Some((k.to_string(), quality.share_of(k))),
        (None, Some(asked)) => Some((
            "the class asked for".to_string(),
            quality.share_matching(&asked),
        )),
        (None, None) => None,
    };
    Some(SampleQuality { quality, class_hit })
}

/// The image trainer thread's handle (see [`WorkerThread`]).
pub type ImageWorkerHandle = WorkerThread<ImageCommand, ImageEvent>;

impl WorkerThread<ImageCommand, ImageEvent> {
    /// Starts the thread; it opens the GPU and reports `Ready` or `NoAdapter`.
    pub fn spawn(wake: Wake) -> Result<ImageWorkerHandle, String> {
        WorkerThread::start(
            "scorefield-images",
            "the image trainer thread",
            || ImageCommand::Shutdown,
            move |commands, events| worker_main(commands, events, wake),
        )
    }
}

fn worker_main(commands: Receiver<ImageCommand>, events: Sender<ImageEvent>, wake: Wake) {
    let send = |e: ImageEvent| {
        let _ = events.send(e);
        wake();
    };
    let gpu = match Gpu::new() {
        Ok(g) => g,
        Err(e) => {
            send(ImageEvent::NoAdapter(e));
            // Keep answering until shut down, so the UI's sends never fail.
            while let Ok(c) = commands.recv() {
                if matches!(c, ImageCommand::Shutdown) {
                    return;
                }
                send(ImageEvent::Error(
                    "no GPU adapter: the image trainer is unavailable".into(),
                ));
            }
            return;
        }
    };
    let errors = gpu.watch_errors();
    let kernels = Arc::new(Kernels::new(&gpu));
    send(ImageEvent::Ready {
        adapter: gpu.describe(),
    });
    Worker {
        gpu,
        kernels,
        errors,
        events,
        wake,
        trainer: None,
        data: None,
        running: false,
        pending: 0,
        stopped: false,
        last_snapshot: Instant::now(),
        held_out: None,
        rate: (Instant::now(), 0),
        images_per_s: None,
        network: 0,
    }
    .run(commands);
}

struct Worker {
    gpu: Gpu,
    kernels: Arc<Kernels>,
    errors: Arc<Mutex<Option<String>>>,
    events: Sender<ImageEvent>,
    wake: Wake,
    trainer: Option<ImageTrainer>,
    /// (source, training images, held-out images).
    data: Option<(DatasetSource, ImageSet, ImageSet)>,
    running: bool,
    pending: usize,
    stopped: bool,
    last_snapshot: Instant,
    /// The last held-out loss and when it was measured.
    held_out: Option<(Instant, u64, LevelLoss)>,
    rate: (Instant, u64),
    images_per_s: Option<f64>,
    /// See [`ImageSnapshot::network`].
    network: u64,
}

impl Worker {
    fn send(&self, e: ImageEvent) {
        match self.events.try_send(e) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(e)) => {
                let _ = self.events.send_timeout(e, Duration::from_millis(200));
            }
        }
        (self.wake)();
    }

    fn run(mut self, commands: Receiver<ImageCommand>) {
        loop {
            let busy =
                (self.running || self.pending > 0) && self.trainer.is_some() && !self.stopped;
            let command = if busy {
                commands.try_recv().ok()
            } else {
                match commands.recv_timeout(Duration::from_millis(200)) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            };
            match command {
                Some(ImageCommand::Shutdown) => return,
                Some(c) => {
                    if let Err(e) = self.handle(c) {
                        self.fail_or_report(e);
                    }
                }
                None => {
                    if let Err(e) = self.train_one() {
                        self.fail_or_report(e);
                    }
                }
            }
        }
    }

    /// A recorded GPU error or device loss stops training for good; other errors are reported.
    fn fail_or_report(&mut self, e: String) {
        if self.stopped {
            self.send(ImageEvent::Error(e));
            return;
        }
        let gpu_error = self.errors.lock().ok().and_then(|s| s.clone());
        match gpu_error {
            Some(g) => {
                self.stopped = true;
                self.running = false;
                self.send(ImageEvent::Stopped(format!(
                    "{g}. Training stopped; the last saved checkpoint is intact."
                )));
            }
            None => {
                self.running = false;
                self.pending = 0;
                self.send(ImageEvent::Error(e));
                self.snapshot();
            }
        }
    }

    fn data_for(&mut self, source: &DatasetSource) -> Result<(), String> {
        if self.data.as_ref().is_some_and(|(s, _, _)| s == source) {
            return Ok(());
        }
        let set = source.load()?;
        let (train, held) = set.split()?;
        self.data = Some((source.clone(), train, held));
        Ok(())
    }

    fn handle(&mut self, c: ImageCommand) -> Result<(), String> {
        if self.stopped && !matches!(c, ImageCommand::Save(_)) {
            return Err("training stopped after a GPU failure; restart the app to continue".into());
        }
        match c {
            ImageCommand::Start { source, spec } => {
                self.data_for(&source)?;
                let (_, train, held) = self.data.as_ref().ok_or("no data")?;
                let mut spec = *spec;
                spec.model.width = train.width;
                spec.model.height = train.height;
                if spec.model.classes > 0 {
                    spec.model.classes = train.classes();
                    if spec.model.classes == 0 {
                        return Err(format!(
                            "{}: a conditional model needs labelled images",
                            train.name
                        ));
                    }
                }
                let t = ImageTrainer::new(&self.gpu, self.kernels.clone(), spec, train, held)?;
                self.install(t);
            }
            ImageCommand::Run => {
                self.rate = (
                    Instant::now(),
                    self.trainer.as_ref().map_or(0, |t| t.step_count()),
                );
                self.running = true;
            }
            ImageCommand::Pause => {
                self.running = false;
                self.pending = 0;
                self.snapshot();
            }
            ImageCommand::Step(n) => self.pending += n,
            ImageCommand::Sample(spec) => {
                let t = self.trainer.as_ref().ok_or("start training first")?;
                let (w, h) = (t.spec.model.width, t.spec.model.height);
                let (n, asked, classes) = (spec.n, *spec.clone(), t.spec.model.classes);
                let s = ImageSampler::new(
                    &self.gpu,
                    &self.kernels,
                    t.spec.model,
                    &t.store.averaged(),
                    &t.sigmas,
                    &t.mean,
                    *spec,
                )?;
                let images = s.run(|_| {})?;
                self.check_gpu()?;
                let step = t.step_count();
                let quality = sample_quality(&images, w, h, &asked, classes);
                self.send(ImageEvent::Samples {
                    images: Arc::new(images),
                    n,
                    width: w,
                    height: h,
                    step,
                    quality,
                });
            }
            ImageCommand::Ladder { index, seed } => {
                let t = self.trainer.as_ref().ok_or("start training first")?;
                let (_, _, held) = self.data.as_ref().ok_or("no data")?;
                let x0 = held.image_f32(index % held.len());
                let (noisy, denoised) = noise_ladder(
                    &self.gpu,
                    &self.kernels,
                    t.spec.model,
                    &t.store.averaged(),
                    &t.sigmas,
                    &x0,
                    seed,
                )?;
                self.check_gpu()?;
                self.send(ImageEvent::Ladder {
                    noisy: Arc::new(noisy),
                    denoised: Arc::new(denoised),
                    sigmas: t.sigmas.clone(),
                    width: t.spec.model.width,
                    height: t.spec.model.height,
                });
            }
            ImageCommand::Save(path) => {
                let t = self
                    .trainer
                    .as_ref()
                    .ok_or("nothing to save: start training first")?;
                t.checkpoint()?.save(&path)?;
                self.send(ImageEvent::Saved(path));
            }
            ImageCommand::Load { path, source } => {
                let ck = Checkpoint::load(&path)?;
                self.data_for(&source)?;
                let (_, train, held) = self.data.as_ref().ok_or("no data")?;
                let t = ImageTrainer::resume(&self.gpu, self.kernels.clone(), &ck, train, held)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                self.install(t);
            }
            ImageCommand::Shutdown => {}
        }
        Ok(())
    }

    fn check_gpu(&self) -> Result<(), String> {
        match self.errors.lock().ok().and_then(|s| s.clone()) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn train_one(&mut self) -> Result<(), String> {
        let Some(t) = self.trainer.as_mut() else {
            self.running = false;
            return Ok(());
        };
        t.step()?;
        self.pending = self.pending.saturating_sub(1);
        self.check_gpu()?;
        if self.last_snapshot.elapsed() >= SNAPSHOT_EVERY || (!self.running && self.pending == 0) {
            self.snapshot();
        }
        Ok(())
    }

    /// A new network (built or loaded), paused, with nothing measured yet.
    fn install(&mut self, t: ImageTrainer) {
        self.rate = (Instant::now(), t.step_count());
        self.trainer = Some(t);
        self.running = false;
        self.pending = 0;
        self.held_out = None;
        self.images_per_s = None;
        self.network += 1;
        self.snapshot();
    }

    fn snapshot(&mut self) {
        self.last_snapshot = Instant::now();
        let Some(t) = self.trainer.as_mut() else {
            return;
        };
        let busy = self.running || self.pending > 0;
        let step = t.step_count();
        let due = match &self.held_out {
            None => true,
            Some((at, s, _)) => *s != step && (!busy || at.elapsed() >= HELD_OUT_EVERY),
        };
        // Right after a build or a load no batch has run: its loss buffer holds nothing real.
        let fresh = t.steps_run() == 0;
        let losses = (if fresh {
            Ok(None)
        } else {
            t.last_loss().map(Some)
        })
        .and_then(|l| {
            let h = if due {
                let raw = t.held_out_loss(HELD_OUT_BATCHES)?;
                let averaged = t.held_out_loss_averaged(HELD_OUT_BATCHES)?;
                Some((raw, averaged.mean))
            } else {
                None
            };
            Ok((l, h))
        });
        let (loss, new_held_out) = match losses {
            Ok(v) => v,
            Err(e) => {
                self.send(ImageEvent::Error(e));
                return;
            }
        };
        if let Some((h, _)) = &new_held_out {
            self.held_out = Some((Instant::now(), step, h.clone()));
        }
        if let Some(l) = &loss {
            let (raw, averaged) = new_held_out.as_ref().map(|(h, a)| (h.mean, *a)).unzip();
            t.record_loss(l.mean, raw, averaged);
        }
        let held_out = self
            .held_out
            .as_ref()
            .map(|h| h.2.clone())
            .unwrap_or_default();
        let Some(t) = self.trainer.as_ref() else {
            return;
        };
        let (since, step0) = self.rate;
        let dt = since.elapsed().as_secs_f64();
        // Measured over running stretches only (Run resets the window); single steps ordered
        // by `Step` include the command round trips and would understate the rate.
        if self.running && dt > 0.2 && t.step_count() > step0 {
            self.images_per_s = Some((t.step_count() - step0) as f64 * t.spec.batch as f64 / dt);
            self.rate = (Instant::now(), t.step_count());
        }
        if loss.as_ref().is_some_and(|l| !l.mean.is_finite()) {
            self.running = false;
            self.pending = 0;
            let msg = format!(
                "the loss is not finite at step {}: training paused (lower the learning rate and start again)",
                t.step_count()
            );
            let _ = self.events.try_send(ImageEvent::Error(msg));
        }
        let snap = ImageSnapshot {
            network: self.network,
            step: t.step_count(),
            loss,
            held_out,
            images_per_s: self.images_per_s,
            history: Arc::new(t.history().to_vec()),
            spec: t.spec.model,
            batch: t.spec.batch,
            lr: t.spec.lr,
            running: self.running || self.pending > 0,
            sigmas: t.sigmas.clone(),
            model: t.spec.model.arch.describe(),
            data: t.data_name.clone(),
            parameters: t.store.layout.count(),
            classes: t.spec.model.classes,
            width: t.spec.model.width,
            height: t.spec.model.height,
        };
        self.send(ImageEvent::Snapshot(Arc::new(snap)));
    }
}
