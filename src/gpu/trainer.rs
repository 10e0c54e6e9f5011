//! The image trainer on the GPU: NCSN multi-level DSM (MATH §3.5, lambda = sigma^2) with Adam,
//! batches drawn on the GPU. One submission per step; parameters stay on the GPU and are read
//! back only for a checkpoint.

use super::buffers::View;
use super::checkpoint::{Checkpoint, CheckpointHeader, HISTORY_LIMIT, LossRecord};
use super::context::Gpu;
use super::kernel::{Dispatch, submit, wait_for};
use super::kernels::Kernels;
use super::kernels::adam::{self, AdamParams};
use super::kernels::dsm::{self, DrawTargets, DsmParams, pack_bytes};
use super::models::mlp::SIGMA_DATA;
use super::models::{ModelSpec, Net};
use super::params::{ParamStore, Weights};
use super::pixel_prior::PixelPrior;
use super::train_schedule::{LevelWeighting, MAX_WARMUP_STEPS, learning_rate_at};
use crate::dist::schedule::{SigmaSchedule, max_pairwise_distance_rows};
use crate::images::ImageSet;
use std::collections::VecDeque;
use std::sync::Arc;

/// Training settings.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainSpec {
    pub model: ModelSpec,
    pub batch: usize,
    pub lr: f32,
    pub levels: usize,
    pub sigma_min: f64,
    pub seed: u64,
    /// Probability of replacing the label by the null class (conditional models).
    pub p_uncond: f32,
    /// How the loss weighs the levels.
    pub weighting: LevelWeighting,
    /// Steps of the learning rate's linear ramp (0: none).
    pub warmup_steps: u64,
}

impl TrainSpec {
    /// MATH §8 defaults: 10 levels down to 0.01, Adam 1e-3; batch 128; p_uncond 0.15; the
    /// balanced level weighting (README, "Digits on the software adapter": it doubled the share
    /// of samples read as the class they were drawn for); no warm-up (it changed nothing there).
    pub fn new(model: ModelSpec) -> TrainSpec {
        TrainSpec {
            model,
            batch: 128,
            lr: 1e-3,
            levels: 10,
            sigma_min: 0.01,
            seed: 0,
            p_uncond: 0.15,
            weighting: LevelWeighting::Balanced,
            warmup_steps: 0,
        }
    }

    /// The learning rate of Adam step `t` (1-based), after the warm-up ramp.
    pub fn lr_at(&self, t: u64) -> f32 {
        learning_rate_at(self.lr, self.warmup_steps, t)
    }
}

/// Images used for sigma_max (MATH §8: the largest pairwise distance of 1,000 data samples).
const HEURISTIC_IMAGES: usize = 1000;

/// The geometric schedule from the max-pairwise-distance heuristic over up to 1,000 images
/// spread evenly through the set, down to `sigma_min`.
pub fn image_sigmas(set: &ImageSet, levels: usize, sigma_min: f64) -> Result<Vec<f32>, String> {
    let n = set.len().min(HEURISTIC_IMAGES);
    let rows: Vec<f32> = (0..n)
        .flat_map(|i| set.image_f32(i * set.len() / n))
        .collect();
    let sigma_max = max_pairwise_distance_rows(&rows, set.dim()).max(sigma_min);
    let s = SigmaSchedule::geometric(sigma_max, sigma_min, levels)?;
    Ok(s.sigmas().iter().map(|&v| v as f32).collect())
}

/// A data set on the GPU.
struct GpuData {
    pixels: View,
    labels: View,
    len: usize,
}

impl GpuData {
    fn new(gpu: &Gpu, set: &ImageSet) -> GpuData {
        let labels: Vec<u32> = match &set.labels {
            Some(l) => l.iter().map(|&c| c as u32).collect(),
            None => vec![super::kernels::embed::NULL_CLASS; set.len()],
        };
        GpuData {
            pixels: gpu.upload("images", &pack_bytes(&set.pixels)),
            labels: gpu.upload("labels", &labels),
            len: set.len(),
        }
    }
}

/// Mean loss and mean loss per level.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LevelLoss {
    pub mean: f64,
    pub per_level: Vec<f64>,
}

impl LevelLoss {
    fn from_samples(loss: &[f32], level: &[u32], levels: usize) -> LevelLoss {
        let mut sum = vec![0.0f64; levels];
        let mut count = vec![0usize; levels];
        for (&l, &i) in loss.iter().zip(level) {
            let i = (i as usize).min(levels - 1);
            sum[i] += l as f64;
            count[i] += 1;
        }
        LevelLoss {
            mean: loss.iter().map(|&v| v as f64).sum::<f64>() / loss.len().max(1) as f64,
            per_level: sum
                .iter()
                .zip(&count)
                .map(|(s, &c)| if c > 0 { s / c as f64 } else { f64::NAN })
                .collect(),
        }
    }
}

/// Submissions allowed in flight before the trainer waits for the oldest.
const IN_FLIGHT: usize = 3;

/// The seed of the fixed held-out batches.
const HELD_OUT_SEED: u64 = 0x5eed_0000;

/// The uniforms of `dsm.wgsl`'s `draw` for `spec` at `step` over `n_images` images.
fn draw_params(
    spec: &TrainSpec,
    levels: usize,
    seed: u64,
    step: u32,
    n_images: usize,
) -> DsmParams {
    DsmParams {
        batch: spec.batch as u32,
        pixels: spec.model.pixels() as u32,
        n_images: n_images as u32,
        levels: levels as u32,
        seed: seed as u32,
        step,
        conditional: (spec.model.classes > 0) as u32,
        p_uncond: spec.p_uncond,
        sigma_data2: 0.0,
        pad: [0; 3],
    }
}

/// The held-out evaluation of the moving average (see [`ImageTrainer::held_out_loss_averaged`]).
struct AveragedEvaluation {
    net: Net,
    draw: Dispatch,
    loss: Dispatch,
}

pub struct ImageTrainer {
    gpu: Gpu,
    kernels: Arc<Kernels>,
    pub spec: TrainSpec,
    pub sigmas: Vec<f32>,
    pub mean: Vec<f32>,
    pub data_name: String,
    pub store: ParamStore,
    net: Net,
    level_b: View,
    loss_b: View,
    draw: Dispatch,
    loss: Dispatch,
    adam: Dispatch,
    held_draw: Dispatch,
    held_data: GpuData,
    sigmas_v: View,
    z: View,
    /// The training net's output gradient, which a held-out loss overwrites harmlessly.
    ds_scratch: View,
    averaged: Option<AveragedEvaluation>,
    held_len: usize,
    train_len: usize,
    step: u64,
    /// Steps taken since this trainer was built (0 right after a resume: no batch loss yet).
    steps_run: u64,
    /// The logged losses, carried through checkpoints.
    history: Vec<LossRecord>,
    /// The skip connection's prior (in the store too, packed).
    pub prior: PixelPrior,
    in_flight: VecDeque<wgpu::SubmissionIndex>,
}

impl ImageTrainer {
    /// A fresh network on `train`, evaluated on `held`.
    pub fn new(
        gpu: &Gpu,
        kernels: Arc<Kernels>,
        spec: TrainSpec,
        train: &ImageSet,
        held: &ImageSet,
    ) -> Result<ImageTrainer, String> {
        check_data(&spec, train)?;
        let sigmas = image_sigmas(train, spec.levels, spec.sigma_min)?;
        let layout = spec.model.layout(gpu);
        let weights = Weights::fresh(layout.init_values(spec.seed));
        let prior = PixelPrior::of(train);
        let store = ParamStore::new(gpu, layout, &weights, &prior);
        let header = CheckpointHeader {
            model: spec.model,
            sigmas,
            mean: prior.mean.clone(),
            step: 0,
            data: train.name.clone(),
            batch: spec.batch,
            lr: spec.lr,
            seed: spec.seed,
            p_uncond: spec.p_uncond,
            weighting: spec.weighting,
            warmup_steps: spec.warmup_steps,
            layout: store.layout.clone(),
            ema: true,
            history: Vec::new(),
            prior: Some(prior),
        };
        ImageTrainer::assemble(gpu, kernels, spec, header, store, train, held)
    }

    /// Continues from a checkpoint (same model, noise levels, step and Adam state).
    pub fn resume(
        gpu: &Gpu,
        kernels: Arc<Kernels>,
        ckpt: &Checkpoint,
        train: &ImageSet,
        held: &ImageSet,
    ) -> Result<ImageTrainer, String> {
        let h = &ckpt.header;
        let spec = TrainSpec {
            model: h.model,
            batch: h.batch,
            lr: h.lr,
            levels: h.sigmas.len(),
            sigma_min: *h.sigmas.last().unwrap_or(&0.01) as f64,
            seed: h.seed,
            p_uncond: h.p_uncond,
            weighting: h.weighting,
            warmup_steps: h.warmup_steps,
        };
        check_data(&spec, train)?;
        let layout = spec.model.layout(gpu);
        if layout != h.layout {
            return Err("the checkpoint's parameter layout does not match its model".into());
        }
        let mut header = h.clone();
        header.prior = Some(h.prior());
        let store = ParamStore::new(gpu, layout, &ckpt.weights, &h.prior());
        ImageTrainer::assemble(gpu, kernels, spec, header, store, train, held)
    }

    fn assemble(
        gpu: &Gpu,
        kernels: Arc<Kernels>,
        spec: TrainSpec,
        header: CheckpointHeader,
        store: ParamStore,
        train: &ImageSet,
        held: &ImageSet,
    ) -> Result<ImageTrainer, String> {
        if spec.batch == 0 {
            return Err("the batch needs at least one image".into());
        }
        if spec.warmup_steps > MAX_WARMUP_STEPS {
            return Err(format!(
                "the warm-up of {} steps is over the limit of {MAX_WARMUP_STEPS}",
                spec.warmup_steps
            ));
        }
        if held.is_empty() || held.dim() != train.dim() {
            return Err("the held-out set must hold images of the training size".into());
        }
        let k = &kernels;
        let net = Net::new(gpu, k, spec.model, &store, spec.batch, true, None);
        let pixels = spec.model.pixels();
        let z = gpu.zeros("dsm z", spec.batch * pixels);
        let level_b = gpu.zeros("level", spec.batch);
        let loss_b = gpu.zeros("loss", spec.batch);
        let sigmas_v = gpu.upload("sigmas", &header.sigmas);
        let data = GpuData::new(gpu, train);
        let held_data = GpuData::new(gpu, held);
        let levels = header.sigmas.len();
        let params = |d: &GpuData, seed: u64| draw_params(&spec, levels, seed, 0, d.len);
        let targets = || DrawTargets {
            xt: &net.x,
            z: &z,
            sigma: &net.sigma,
            label: &net.label,
            level: &level_b,
        };
        let draw = dsm::draw(
            gpu,
            k,
            &params(&data, spec.seed),
            &data.pixels,
            &data.labels,
            &sigmas_v,
            targets(),
        );
        // Held-out batches come from a fixed seed: the same ones at every evaluation.
        let held_draw = dsm::draw(
            gpu,
            k,
            &params(&held_data, HELD_OUT_SEED),
            &held_data.pixels,
            &held_data.labels,
            &sigmas_v,
            targets(),
        );
        let out_grad = net
            .out
            .grad
            .clone()
            .ok_or("a training net has an output gradient")?;
        let loss = dsm::loss(
            gpu,
            k,
            spec.batch,
            pixels,
            spec.weighting.kernel_sigma_data2(SIGMA_DATA),
            &net.out.value,
            &z,
            &net.sigma,
            &loss_b,
            &out_grad,
        );
        let adam = adam::adam(
            gpu,
            k,
            &AdamParams::at_step(store.layout.total, spec.lr_at(1), 1),
            &store,
        );
        let prior = header.prior();
        Ok(ImageTrainer {
            gpu: gpu.clone(),
            kernels: kernels.clone(),
            held_data,
            sigmas_v,
            z,
            ds_scratch: out_grad,
            averaged: None,
            sigmas: header.sigmas,
            mean: header.mean,
            data_name: header.data,
            step: header.step,
            steps_run: 0,
            prior,
            history: header.history,
            spec,
            store,
            net,
            level_b,
            loss_b,
            draw,
            loss,
            adam,
            held_draw,
            held_len: held.len(),
            train_len: train.len(),
            in_flight: VecDeque::new(),
        })
    }

    pub fn step_count(&self) -> u64 {
        self.step
    }

    /// Steps taken since this trainer was built or resumed.
    pub fn steps_run(&self) -> u64 {
        self.steps_run
    }

    /// The logged losses, oldest first.
    pub fn history(&self) -> &[LossRecord] {
        &self.history
    }

    /// Logs the loss at the current step (once per step; non-finite values are not logged).
    /// Past [`HISTORY_LIMIT`] records the history keeps every other one, and the newest.
    pub fn record_loss(
        &mut self,
        loss: f64,
        held_out: Option<f64>,
        held_out_averaged: Option<f64>,
    ) {
        if !loss.is_finite() || self.history.last().is_some_and(|r| r.step >= self.step) {
            return;
        }
        self.history.push(LossRecord {
            step: self.step,
            loss,
            held_out: held_out.filter(|h| h.is_finite()),
            held_out_averaged: held_out_averaged.filter(|h| h.is_finite()),
        });
        if self.history.len() > HISTORY_LIMIT {
            let last = self.history.len() - 1;
            let mut i = 0;
            self.history.retain(|_| {
                let keep = i % 2 == 0 || i == last;
                i += 1;
                keep
            });
        }
    }

    /// One Adam step on a fresh batch (queued; waits only to keep a few steps in flight).
    pub fn step(&mut self) -> Result<(), String> {
        let g = &self.gpu;
        self.draw.set_params(
            g,
            &draw_params(
                &self.spec,
                self.sigmas.len(),
                self.spec.seed,
                self.step as u32,
                self.train_len,
            ),
        );
        self.adam.set_params(
            g,
            &AdamParams::at_step(
                self.store.layout.total,
                self.spec.lr_at(self.step + 1),
                self.step + 1,
            ),
        );
        let mut list: Vec<&Dispatch> = vec![&self.draw];
        list.extend(self.net.passes.forward.iter());
        list.push(&self.loss);
        list.extend(self.net.passes.backward.iter());
        list.push(&self.adam);
        self.in_flight.push_back(submit(g, &list));
        self.step += 1;
        self.steps_run += 1;
        while self.in_flight.len() > IN_FLIGHT {
            if let Some(i) = self.in_flight.pop_front() {
                wait_for(g, i)?;
            }
        }
        Ok(())
    }

    /// The last submission's per-sample losses and levels (waits for it).
    fn read_losses(&self) -> Result<(Vec<f32>, Vec<u32>), String> {
        let mut r = self.gpu.read_many::<u32>(&[&self.loss_b, &self.level_b])?;
        let level = r.pop().unwrap_or_default();
        let loss = r.pop().unwrap_or_default();
        Ok((loss.into_iter().map(f32::from_bits).collect(), level))
    }

    /// The last step's loss, overall and per level (waits for it).
    pub fn last_loss(&self) -> Result<LevelLoss, String> {
        let (loss, level) = self.read_losses()?;
        Ok(LevelLoss::from_samples(&loss, &level, self.sigmas.len()))
    }

    /// The DSM loss of the trained weights on `batches` fixed batches of held-out images (the
    /// same ones every call).
    pub fn held_out_loss(&mut self, batches: usize) -> Result<LevelLoss, String> {
        let list: Vec<&Dispatch> = std::iter::once(&self.held_draw)
            .chain(self.net.passes.forward.iter())
            .chain(std::iter::once(&self.loss))
            .collect();
        self.held_out_over(&list, batches)
    }

    /// The same held-out loss for the moving average of the weights, the ones every sampler
    /// uses. Its network is built on the first call.
    pub fn held_out_loss_averaged(&mut self, batches: usize) -> Result<LevelLoss, String> {
        if self.averaged.is_none() {
            self.averaged = Some(self.averaged_evaluation());
        }
        let a = self.averaged.as_ref().ok_or("built above")?;
        let list: Vec<&Dispatch> = std::iter::once(&a.draw)
            .chain(a.net.passes.forward.iter())
            .chain(std::iter::once(&a.loss))
            .collect();
        self.held_out_over(&list, batches)
    }

    /// A forward-only network over the moving average, fed by its own held-out draw; it shares
    /// the training net's input, noise, level and loss buffers.
    fn averaged_evaluation(&self) -> AveragedEvaluation {
        let (g, k) = (&self.gpu, &self.kernels);
        let spec = &self.spec;
        let net = Net::new(
            g,
            k,
            spec.model,
            &self.store.averaged(),
            spec.batch,
            false,
            Some(self.net.x.clone()),
        );
        let params = draw_params(spec, self.sigmas.len(), HELD_OUT_SEED, 0, self.held_len);
        let draw = dsm::draw(
            g,
            k,
            &params,
            &self.held_data.pixels,
            &self.held_data.labels,
            &self.sigmas_v,
            DrawTargets {
                xt: &net.x,
                z: &self.z,
                sigma: &net.sigma,
                label: &net.label,
                level: &self.level_b,
            },
        );
        let loss = dsm::loss(
            g,
            k,
            spec.batch,
            spec.model.pixels(),
            spec.weighting.kernel_sigma_data2(SIGMA_DATA),
            &net.out.value,
            &self.z,
            &net.sigma,
            &self.loss_b,
            &self.ds_scratch,
        );
        AveragedEvaluation { net, draw, loss }
    }

    /// Runs `list` (a held-out draw, a forward pass, the loss) for `batches` fixed batches.
    fn held_out_over(&self, list: &[&Dispatch], batches: usize) -> Result<LevelLoss, String> {
        let (mut loss, mut level) = (Vec::new(), Vec::new());
        for j in 0..batches {
            list[0].set_params(
                &self.gpu,
                &draw_params(
                    &self.spec,
                    self.sigmas.len(),
                    HELD_OUT_SEED,
                    j as u32,
                    self.held_len,
                ),
            );
            submit(&self.gpu, list);
            let (l, lv) = self.read_losses()?;
            loss.extend(l);
            level.extend(lv);
        }
        Ok(LevelLoss::from_samples(&loss, &level, self.sigmas.len()))
    }

    /// Reads the parameters, Adam's state and the moving average back.
    pub fn checkpoint(&self) -> Result<Checkpoint, String> {
        let weights = self.store.read_all(&self.gpu)?;
        Ok(Checkpoint {
            header: CheckpointHeader {
                model: self.spec.model,
                sigmas: self.sigmas.clone(),
                mean: self.mean.clone(),
                step: self.step,
                data: self.data_name.clone(),
                batch: self.spec.batch,
                lr: self.spec.lr,
                seed: self.spec.seed,
                p_uncond: self.spec.p_uncond,
                weighting: self.spec.weighting,
                warmup_steps: self.spec.warmup_steps,
                layout: self.store.layout.clone(),
                ema: true,
                history: self.history.clone(),
                prior: Some(self.prior.clone()),
            },
            weights,
        })
    }
}

fn check_data(spec: &TrainSpec, train: &ImageSet) -> Result<(), String> {
    spec.model.check()?;
    if train.width != spec.model.width || train.height != spec.model.height {
        return Err(format!(
            "{}: {}x{} images for a {}x{} model",
            train.name, train.width, train.height, spec.model.width, spec.model.height
        ));
    }
    if spec.model.classes > 0 && train.classes() == 0 {
        return Err(format!(
            "{}: a conditional model needs labelled images",
            train.name
        ));
    }
    if train.classes() > spec.model.classes && spec.model.classes > 0 {
        return Err(format!(
            "{}: labels up to {} for a model of {} classes",
            train.name,
            train.classes() - 1,
            spec.model.classes
        ));
    }
    Ok(())
}
