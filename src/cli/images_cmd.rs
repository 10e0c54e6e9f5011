//! `scorefield images train|sample`: the GPU image trainer and sampler from the command line.
//! Training prints JSON lines (step, loss, images_per_s, held-out loss); both write atomically.

use crate::gpu::checkpoint::Checkpoint;
use crate::gpu::models::{Arch, ModelSpec};
use crate::gpu::params::ParamStore;
use crate::gpu::sampler::{ImageSampler, SampleSpec};
use crate::gpu::train_schedule::{LevelWeighting, MAX_WARMUP_STEPS};
use crate::gpu::trainer::{ImageTrainer, TrainSpec};
use crate::gpu::{Gpu, Kernels};
use crate::images::DatasetSource;
use crate::images::classifier::{ClassifierTraining, DigitClassifier, Quality, quality};
use crate::images::grid::{sample_cols, save_csv, save_png, tile};
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Subcommand)]
pub enum ImagesCommand {
    /// Trains a noise-conditional score network on images (NCSN DSM on the GPU); prints JSON
    /// lines and saves a checkpoint.
    Train(TrainImagesArgs),
    /// Draws images from a checkpoint with annealed Langevin; writes a PNG grid.
    Sample(SampleImagesArgs),
    /// The noise ladder of one held-out image: the image noised at every level (top row) and
    /// its Tweedie estimate x + sigma^2 s(x, sigma) (bottom row), as PNG.
    Ladder(LadderArgs),
    /// Trains the digit classifier behind the quality numbers on mnist5k's training split
    /// (CPU) and prints its held-out accuracy and its quality numbers on real digits, real
    /// digits plus noise, and pure noise; `--out` writes its weights.
    Classifier(ClassifierArgs),
}

#[derive(Debug, Args)]
pub struct ClassifierArgs {
    #[arg(long, default_value_t = 20)]
    pub epochs: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to write the weights (the shipped ones are assets/digit_classifier.bin); without
    /// it, the embedded classifier is evaluated instead of training one.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LadderArgs {
    #[arg(long)]
    pub ckpt: PathBuf,
    /// The data set whose held-out images to use.
    #[arg(long, default_value = "mnist5k")]
    pub dataset: String,
    /// Which held-out image.
    #[arg(long, default_value_t = 0)]
    pub index: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u32,
    #[arg(long, default_value_t = 3)]
    pub scale: usize,
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct TrainImagesArgs {
    /// mnist5k (embedded), idx:PATH (an idx3 images file; labels beside it are used) or
    /// pngdir:PATH (a folder of PNGs, made grey and 28x28).
    #[arg(long, default_value = "mnist5k")]
    pub dataset: String,
    /// mlp or unet.
    #[arg(long, default_value = "unet")]
    pub arch: String,
    /// Hidden units of the MLP.
    #[arg(long, default_value_t = 1024)]
    pub hidden: usize,
    /// Channels of the U-Net's first resolution (the second has twice as many).
    #[arg(long, default_value_t = 32)]
    pub channels: usize,
    #[arg(long, default_value_t = 2000)]
    pub steps: u64,
    #[arg(long, default_value_t = 128)]
    pub batch: usize,
    /// Class-conditional with label dropout (classifier-free guidance).
    #[arg(long)]
    pub conditional: bool,
    /// Probability of training a conditional model's sample with the null class (MATH §3.7).
    #[arg(long, default_value_t = 0.15, requires = "conditional")]
    pub p_uncond: f32,
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f32,
    /// Steps over which the learning rate rises linearly from 0 to --lr (0: none).
    #[arg(long, default_value_t = 0)]
    pub warmup_steps: u64,
    /// How the loss weighs the noise levels: sigma2 (NCSN's lambda = sigma^2) or balanced
    /// (each level's weight on the network's output equal; MATH §3.5).
    #[arg(long, default_value = "balanced")]
    pub weighting: String,
    #[arg(long, default_value_t = 10)]
    pub levels: usize,
    #[arg(long, default_value_t = 0.01)]
    pub sigma_min: f64,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Print a JSON line every this many steps.
    #[arg(long, default_value_t = 100)]
    pub log_every: u64,
    /// Also save the checkpoint every this many steps (0: only at the end).
    #[arg(long, default_value_t = 1000)]
    pub checkpoint_every: u64,
    /// Continue from this checkpoint instead of starting fresh.
    #[arg(long)]
    pub resume: Option<PathBuf>,
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct SampleImagesArgs {
    #[arg(long)]
    pub ckpt: PathBuf,
    #[arg(long, default_value_t = 64)]
    pub n: usize,
    /// A class of a conditional model.
    #[arg(long, conflicts_with = "every_class")]
    pub class: Option<u32>,
    /// Draw image i for class i mod the model's classes (a conditional model): with guidance 1,
    /// a sample of the whole data distribution made from the class scores.
    #[arg(long)]
    pub every_class: bool,
    /// Guidance strength gamma (1: the conditional score).
    #[arg(long, default_value_t = 1.0)]
    pub cfg_scale: f32,
    /// Langevin steps per noise level.
    #[arg(long, default_value_t = 100)]
    pub steps_per_level: usize,
    /// alpha_i / sigma_i^2.
    #[arg(long, default_value_t = 0.2)]
    pub step_ratio: f32,
    #[arg(long, default_value_t = 0)]
    pub seed: u32,
    /// Skip the final Tweedie denoising step.
    #[arg(long)]
    pub no_denoise: bool,
    /// Run only the levels with sigma >= this (the final denoising step then uses the last of
    /// them): a network that has not learned the smallest levels stops where it still denoises.
    #[arg(long, default_value_t = 0.0)]
    pub stop_sigma: f32,
    /// Sample with the trained weights themselves instead of their moving average (to compare
    /// the two).
    #[arg(long)]
    pub raw_weights: bool,
    /// Pixels per image pixel in the PNG.
    #[arg(long, default_value_t = 2)]
    pub scale: usize,
    #[arg(long)]
    pub out: PathBuf,
    /// Also write the images as CSV: one row of values in [0, 1] per image.
    #[arg(long)]
    pub raw: Option<PathBuf>,
    /// Print the quality numbers of the samples (inception-style score, label entropy, mean
    /// confidence, digits as classified) from the embedded digit classifier (28 x 28 only).
    #[arg(long)]
    pub score_quality: bool,
}

pub fn run(command: &ImagesCommand) -> Result<(), String> {
    match command {
        ImagesCommand::Train(a) => train(a),
        ImagesCommand::Sample(a) => sample(a),
        ImagesCommand::Ladder(a) => ladder(a),
        ImagesCommand::Classifier(a) => classifier(a),
    }
}

fn quality_json(q: &Quality) -> serde_json::Value {
    json!({
        "inception_score": q.inception_score,
        "label_entropy_nats": q.label_entropy,
        "mean_confidence": q.mean_confidence,
        "digit_counts": q.counts,
    })
}

/// [`quality_json`], plus for a conditioned batch the fraction classified as the class each
/// image was drawn for (`labels`, one per image).
fn sample_quality_json(q: &Quality, labels: Option<&[u32]>) -> serde_json::Value {
    let mut v = quality_json(q);
    if let Some(asked) = labels {
        v["classified_as_class"] = json!(q.share_matching(asked));
    }
    v
}

/// Trains (or, without `--out`, loads the embedded) classifier and calibrates its numbers.
fn classifier(a: &ClassifierArgs) -> Result<(), String> {
    let (train, held) = crate::images::source::load_mnist5k()?.split()?;
    let c = match &a.out {
        Some(out) => {
            let t = ClassifierTraining {
                epochs: a.epochs,
                seed: a.seed,
                ..ClassifierTraining::default()
            };
            let c = DigitClassifier::train(&train, t)?;
            crate::atomic_file::write_bytes_atomic(out, &c.to_bytes())?;
            c
        }
        None => DigitClassifier::embedded()?.clone(),
    };
    let real: Vec<f32> = (0..held.len()).flat_map(|i| held.image_f32(i)).collect();
    let mut noise = crate::noise::StreamRng::from_seed(a.seed ^ 0x5eed);
    let noisy: Vec<f32> = real
        .chunks(2)
        .flat_map(|pair| {
            let z = noise.gaussian2();
            let zs = [z.x, z.y];
            pair.iter()
                .zip(zs)
                .map(|(v, z)| v + 0.3 * z as f32)
                .collect::<Vec<_>>()
        })
        .collect();
    let pure: Vec<f32> = real.iter().map(|_| noise.uniform() as f32).collect();
    println!(
        "{}",
        json!({
            "train_images": train.len(),
            "held_out_images": held.len(),
            "held_out_accuracy": c.accuracy(&held)?,
            "real_held_out": quality_json(&quality(&c, &real)?),
            "real_plus_noise_0.3": quality_json(&quality(&c, &noisy)?),
            "uniform_noise": quality_json(&quality(&c, &pure)?),
            "out": a.out.as_ref().map(|p| p.display().to_string()),
        })
    );
    Ok(())
}

fn ladder(a: &LadderArgs) -> Result<(), String> {
    in_range_usize("scale", a.scale, 1, MAX_PNG_SCALE)?;
    let ck = Checkpoint::load(&a.ckpt)?;
    let (_, held) = DatasetSource::parse(&a.dataset)?.load()?.split()?;
    let h = &ck.header;
    if held.dim() != h.model.pixels() {
        return Err(format!(
            "{}: images of another size than the checkpoint's",
            held.name
        ));
    }
    let x0 = held.image_f32(a.index % held.len());
    let (gpu, k, errors) = open()?;
    ck.check_layout(&gpu, &a.ckpt.display().to_string())?;
    h.model
        .check_fits(&gpu, h.sigmas.len(), "levels of the checkpoint")?;
    check_picture(2 * h.sigmas.len(), h.model.pixels(), a.scale)?;
    let store = ParamStore::new(&gpu, h.layout.clone(), &ck.weights, &h.prior()).averaged();
    let (mut rows, denoised) =
        crate::gpu::sampler::noise_ladder(&gpu, &k, h.model, &store, &h.sigmas, &x0, a.seed)?;
    rows.extend(denoised);
    gpu_ok(&errors)?;
    if rows.iter().any(|v| !v.is_finite()) {
        return Err(format!(
            "{}: not written: the ladder is not finite",
            a.out.display()
        ));
    }
    let (w, hh) = (h.model.width, h.model.height);
    save_png(
        &tile(&rows, w, hh, h.sigmas.len(), a.scale.max(1), 2),
        &a.out,
    )?;
    println!(
        "{}",
        json!({ "sigmas": h.sigmas, "index": a.index % held.len(), "out": a.out.display().to_string() })
    );
    Ok(())
}

/// The adapter and kernels, with GPU errors recorded (as in the app) rather than panicking;
/// [`gpu_ok`] turns a recorded error into the command's error.
fn open() -> Result<(Gpu, Arc<Kernels>, GpuErrors), String> {
    let gpu = Gpu::new()?;
    let errors = gpu.watch_errors();
    let k = Arc::new(Kernels::new(&gpu));
    gpu_ok(&errors)?;
    Ok((gpu, k, errors))
}

type GpuErrors = Arc<std::sync::Mutex<Option<String>>>;

fn gpu_ok(errors: &GpuErrors) -> Result<(), String> {
    match errors.lock().ok().and_then(|e| e.clone()) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Largest values of the image commands' counts.
const MAX_IMAGES_BATCH: usize = 65_536;
const MAX_SAMPLE_IMAGES: usize = 65_536;
const MAX_STEPS_PER_LEVEL: usize = 100_000;
const MAX_LEVELS: usize = 1000;
/// `alpha_i / sigma_i^2` above this makes Langevin overshoot and blow up.
const MAX_STEP_RATIO: f32 = 10.0;
const MAX_CFG_SCALE: f32 = 100.0;
const MAX_PNG_SCALE: usize = 32;

/// An `f32` setting as the JSON number a reader wrote (0.002, not 0.0020000000949949026): the
/// shortest decimal that reads back as the same `f32`.
fn f32_as_written(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

fn in_range_usize(flag: &str, v: usize, lo: usize, hi: usize) -> Result<(), String> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(format!("--{flag} must be in {lo}..={hi}, got {v}"))
    }
}

fn positive_f64(flag: &str, v: f64, hi: f64) -> Result<(), String> {
    if v.is_finite() && v > 0.0 && v <= hi {
        Ok(())
    } else {
        Err(format!("--{flag} must be finite, > 0 and <= {hi}, got {v}"))
    }
}

/// A picture of `images` tiles of `pixels` each, drawn at `scale`, within the pixel budget.
fn check_picture(images: usize, pixels: usize, scale: usize) -> Result<(), String> {
    crate::budget::check_product(
        "images × pixels × --scale²",
        &[images as u64, pixels as u64, (scale * scale) as u64],
        crate::budget::MAX_IMAGE_PIXELS,
    )
}

fn check_train_args(a: &TrainImagesArgs) -> Result<(), String> {
    if !(0.0..=1.0).contains(&a.p_uncond) {
        return Err(format!("--p-uncond must be in [0, 1], got {}", a.p_uncond));
    }
    in_range_usize("batch", a.batch, 1, MAX_IMAGES_BATCH)?;
    in_range_usize("levels", a.levels, 2, MAX_LEVELS)?;
    positive_f64("lr", f64::from(a.lr), 1.0)?;
    positive_f64("sigma-min", a.sigma_min, 1e3)?;
    crate::budget::check_at_most("--warmup-steps", a.warmup_steps, MAX_WARMUP_STEPS)?;
    LevelWeighting::parse(&a.weighting).map_err(|e| format!("--weighting: {e}"))?;
    crate::budget::check_at_most("--steps", a.steps, crate::budget::MAX_TRAIN_STEPS)
}

fn check_sample_args(a: &SampleImagesArgs) -> Result<(), String> {
    in_range_usize("n", a.n, 1, MAX_SAMPLE_IMAGES)?;
    in_range_usize("steps-per-level", a.steps_per_level, 1, MAX_STEPS_PER_LEVEL)?;
    in_range_usize("scale", a.scale, 1, MAX_PNG_SCALE)?;
    positive_f64(
        "step-ratio",
        f64::from(a.step_ratio),
        f64::from(MAX_STEP_RATIO),
    )?;
    if a.cfg_scale != 1.0 && a.class.is_none() && !a.every_class {
        return Err("--cfg-scale needs --class or --every-class".to_string());
    }
    let g = a.cfg_scale;
    if !(g.is_finite() && (0.0..=MAX_CFG_SCALE).contains(&g)) {
        return Err(format!(
            "--cfg-scale must be finite and in [0, {MAX_CFG_SCALE}], got {g}"
        ));
    }
    Ok(())
}

fn train(a: &TrainImagesArgs) -> Result<(), String> {
    check_train_args(a)?;
    let source = DatasetSource::parse(&a.dataset)?;
    let set = source.load()?;
    let (train, held) = set.split()?;
    let (gpu, k, errors) = open()?;
    let mut t = match &a.resume {
        Some(p) => {
            let ck = Checkpoint::load(p)?;
            let name = p.display().to_string();
            ck.check_layout(&gpu, &name)?;
            ck.header
                .model
                .check_fits(&gpu, ck.header.batch, "the checkpoint's batch")
                .map_err(|e| format!("{name}: {e}"))?;
            ImageTrainer::resume(&gpu, k, &ck, &train, &held)?
        }
        None => {
            let arch = match Arch::parse(&a.arch)? {
                Arch::Mlp { .. } => Arch::Mlp { hidden: a.hidden },
                Arch::Unet { .. } => Arch::Unet {
                    channels: a.channels,
                },
            };
            let model = ModelSpec {
                arch,
                width: set.width,
                height: set.height,
                classes: if a.conditional { set.classes() } else { 0 },
            };
            if a.conditional && set.classes() == 0 {
                return Err(format!("{}: --conditional needs labelled images", set.name));
            }
            let mut spec = TrainSpec::new(model);
            spec.batch = a.batch;
            spec.lr = a.lr;
            spec.levels = a.levels;
            spec.sigma_min = a.sigma_min;
            spec.seed = a.seed;
            spec.p_uncond = a.p_uncond;
            spec.weighting = LevelWeighting::parse(&a.weighting)?;
            spec.warmup_steps = a.warmup_steps;
            model.check()?;
            model.check_fits(&gpu, spec.batch, "--batch")?;
            ImageTrainer::new(&gpu, k, spec, &train, &held)?
        }
    };
    gpu_ok(&errors)?;
    println!(
        "{}",
        json!({
            "adapter": gpu.describe(),
            "dataset": source.label(),
            "train_images": train.len(),
            "held_out_images": held.len(),
            "arch": t.spec.model.arch.describe(),
            "parameters": t.store.layout.count(),
            "batch": t.spec.batch,
            "sigmas": t.sigmas.iter().map(|&v| f32_as_written(v)).collect::<Vec<_>>(),
            "conditional": t.spec.model.classes > 0,
            "lr": f32_as_written(t.spec.lr),
            "warmup_steps": t.spec.warmup_steps,
            "weighting": t.spec.weighting.name(),
        })
    );
    let start_step = t.step_count();
    let end = start_step + a.steps;
    let mut since = Instant::now();
    let mut since_step = start_step;
    while t.step_count() < end {
        t.step()?;
        gpu_ok(&errors)?;
        let s = t.step_count();
        let log = a.log_every > 0 && (s - start_step).is_multiple_of(a.log_every);
        if log || s == end {
            let loss = t.last_loss()?;
            let images_per_s =
                (s - since_step) as f64 * t.spec.batch as f64 / since.elapsed().as_secs_f64();
            if !loss.mean.is_finite() {
                return Err(format!(
                    "the loss is not finite at step {s}; the last checkpoint at {} is intact",
                    a.out.display()
                ));
            }
            let held_loss = t.held_out_loss(2)?;
            let held_averaged = t.held_out_loss_averaged(2)?;
            t.record_loss(loss.mean, Some(held_loss.mean), Some(held_averaged.mean));
            println!(
                "{}",
                json!({
                    "step": s,
                    "loss": loss.mean,
                    "held_out_loss": held_loss.mean,
                    "held_out_loss_averaged": held_averaged.mean,
                    "loss_per_level": loss.per_level,
                    "images_per_s": images_per_s,
                })
            );
            since = Instant::now();
            since_step = s;
        }
        if a.checkpoint_every > 0 && s.is_multiple_of(a.checkpoint_every) && s != end {
            t.checkpoint()?.save(&a.out)?;
        }
    }
    t.checkpoint()?.save(&a.out)?;
    println!(
        "{}",
        json!({ "saved": a.out.display().to_string(), "step": t.step_count() })
    );
    Ok(())
}

fn sample(a: &SampleImagesArgs) -> Result<(), String> {
    check_sample_args(a)?;
    let ck = Checkpoint::load(&a.ckpt)?;
    let (gpu, k, errors) = open()?;
    ck.check_layout(&gpu, &a.ckpt.display().to_string())?;
    let h = &ck.header;
    h.model.check_fits(&gpu, a.n, "--n")?;
    check_picture(a.n, h.model.pixels(), a.scale)?;
    let trained = ParamStore::new(&gpu, h.layout.clone(), &ck.weights, &h.prior());
    let store = if a.raw_weights {
        trained
    } else {
        trained.averaged()
    };
    let spec = SampleSpec {
        n: a.n,
        steps_per_level: a.steps_per_level,
        step_ratio: a.step_ratio,
        seed: a.seed,
        class: a.class,
        every_class: a.every_class,
        cfg_scale: a.cfg_scale,
        denoise: !a.no_denoise,
        stop_sigma: a.stop_sigma,
    };
    let classifier = if a.score_quality {
        if h.model.pixels() != crate::images::classifier::PIXELS {
            return Err(format!(
                "{}: --score-quality reads 28 x 28 digits, the model draws {}x{} images",
                a.ckpt.display(),
                h.model.width,
                h.model.height
            ));
        }
        Some(DigitClassifier::embedded()?)
    } else {
        None
    };
    let spec_labels = spec
        .labels(h.model.classes)
        .map_err(|e| format!("{}: {e}", a.ckpt.display()))?;
    let sampler = ImageSampler::new(&gpu, &k, h.model, &store, &h.sigmas, &h.mean, spec)
        .map_err(|e| format!("{}: {e}", a.ckpt.display()))?;
    let sampler_levels = sampler.levels().len();
    let t0 = Instant::now();
    let images = sampler.run(|_| {})?;
    gpu_ok(&errors)?;
    if images.iter().any(|v| !v.is_finite()) {
        return Err(format!(
            "{}: not written: the samples are not finite (a smaller --step-ratio keeps Langevin stable)",
            a.out.display()
        ));
    }
    let seconds = t0.elapsed().as_secs_f64();
    let (w, hh) = (h.model.width, h.model.height);
    let in_turn = a.every_class.then_some(h.model.classes);
    save_png(
        &tile(&images, w, hh, sample_cols(a.n, in_turn), a.scale.max(1), 2),
        &a.out,
    )?;
    if let Some(raw) = &a.raw {
        save_csv(&images, w * hh, raw)?;
    }
    println!(
        "{}",
        json!({
            "adapter": gpu.describe(),
            "images": a.n,
            "score_evaluations_per_image": sampler.evaluations(),
            "levels": sampler_levels,
            "weights": if a.raw_weights { "trained" } else { "moving average" },
            "seconds": seconds,
            "out": a.out.display().to_string(),
            "quality": match &classifier {
                Some(c) => sample_quality_json(&quality(c, &images)?, spec_labels.as_deref()),
                None => serde_json::Value::Null,
            },
        })
    );
    Ok(())
}
