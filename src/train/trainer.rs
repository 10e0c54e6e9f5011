//! The training stepper: draw a batch, compute the loss and gradient (the batch split across
//! threads), guard against non-finite values, update with Adam.
//!
//! NaN guard: a non-finite loss or gradient never reaches the parameters, and parameters that an
//! update made non-finite are never kept. A loss that blows up (|loss| above
//! [`BLOWUP_FACTOR`] times the running mean of accepted |loss|, floored at 1) counts as divergence
//! too: a learning rate of 10 sends the DSM loss from ~1 to ~1e8 while staying finite. On any of
//! these the trainer restores the last good parameters (the last ones whose loss was accepted),
//! forgets Adam's moments, halves the learning rate, and reports the rollback.

use super::batch_draw::draw_batch_range;
use super::config::TrainConfig;
use crate::data::Dataset;
use crate::nn::batch::{Batch, LossWorkspace, part_loss};
use crate::nn::{Adam, Gradients, Mlp, ScoreModel};
use rayon::prelude::*;

/// A loss this many times the running mean of accepted |loss| (floored at 1) is divergence.
pub const BLOWUP_FACTOR: f64 = 1e3;

/// Weight of the newest accepted |loss| in the running mean.
const LOSS_EMA: f64 = 0.05;

/// One part of the batch, evaluated by one thread.
struct Part {
    batch: Batch,
    lw: LossWorkspace<f32>,
    grads: Gradients<f32>,
    per_level: Vec<f64>,
    loss: f64,
    range: std::ops::Range<usize>,
}

/// What one step did.
#[derive(Clone, Debug, PartialEq)]
pub struct StepOutcome {
    pub step: u64,
    pub loss: f64,
    /// Mean weighted loss per level (NaN where no sample fell in the level).
    pub loss_per_level: Vec<f64>,
    /// `Some(new_lr)` when this step was rolled back.
    pub rolled_back: Option<f64>,
}

pub struct Trainer {
    config: TrainConfig,
    data: Dataset,
    net: Mlp<f32>,
    last_good: Mlp<f32>,
    adam: Adam<f32>,
    step: u64,
    parts: Vec<Part>,
    level_counts: Vec<usize>,
    pool: rayon::ThreadPool,
    /// Running mean of accepted |loss|; `None` before the first step.
    loss_scale: Option<f64>,
}

/// The least work (counted multiply-adds of a training step) worth a part of its own.
const MIN_PART_MULTIPLY_ADDS: usize = 2_000_000;

impl Trainer {
    pub fn new(config: TrainConfig, data: Dataset) -> Result<Trainer, String> {
        config.validate(data.mixture().is_some())?;
        let n_classes = data.mixture().map_or(0, |m| m.len());
        let mlp_config = config.mlp_config(n_classes);
        mlp_config
            .validate()
            .map_err(|e| format!("--hidden: {e}"))?;
        let net = Mlp::<f32>::new(mlp_config, config.seed);
        // More threads than cores only slow the work down (and a huge count exhausts the system).
        let mut config = config;
        config.threads = crate::budget::effective_threads(config.threads);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(config.threads)
            .thread_name(|i| format!("scorefield-train-{i}"))
            .build()
            .map_err(|e| format!("cannot start {} training threads: {e}", config.threads))?;
        let mut adam = Adam::new(&net, config.lr);
        adam.clip_norm = config.clip_norm;
        let mut trainer = Trainer {
            last_good: net.clone(),
            net,
            adam,
            step: 0,
            parts: Vec::new(),
            level_counts: Vec::new(),
            pool,
            loss_scale: None,
            config,
            data,
        };
        trainer.resize_parts();
        Ok(trainer)
    }

    /// A trainer that starts from given parameters (a loaded session's model); the network must
    /// be the one the configuration describes.
    pub fn from_model(
        config: TrainConfig,
        data: Dataset,
        net: &Mlp<f32>,
    ) -> Result<Trainer, String> {
        let mut t = Trainer::new(config, data)?;
        if net.config != t.net.config {
            return Err(format!(
                "the saved model is {}, the settings describe {}; reset training to start afresh",
                net.config.shape_name(),
                t.net.config.shape_name()
            ));
        }
        t.net.clone_from(net);
        t.last_good.clone_from(net);
        Ok(t)
    }

    /// Splits the batch into one contiguous part per thread, but only as many parts as carry
    /// [`MIN_PART_MULTIPLY_ADDS`] each: below that, handing a part to a second thread and adding
    /// its gradients back costs more than the part (3-64-64-2 at batch 128 trained at 10,800
    /// steps/s on one thread and 5,600 on two).
    fn resize_parts(&mut self) {
        let k = self.config.objective.n_tangents();
        let widths = self.net.config.widths();
        let per_sample: usize = widths.windows(2).map(|w| w[0] * w[1]).sum();
        // Forward, and two products per layer backward, for the primal and each tangent.
        let step = 3 * (1 + k) * per_sample * self.config.batch;
        let worth = (step / MIN_PART_MULTIPLY_ADDS).max(1);
        let (n, t) = (
            self.config.batch,
            self.config.threads.min(self.config.batch).min(worth).max(1),
        );
        let n_levels = self.config.noise.n_report_levels();
        self.parts = (0..t)
            .map(|i| {
                let range = (i * n / t)..((i + 1) * n / t);
                Part {
                    batch: Batch::default(),
                    lw: LossWorkspace::new(&self.net, range.len(), k),
                    grads: Gradients::zeros_like(&self.net),
                    per_level: vec![0.0; n_levels],
                    loss: 0.0,
                    range,
                }
            })
            .collect();
        self.level_counts = vec![0; n_levels];
    }

    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    pub fn data(&self) -> &Dataset {
        &self.data
    }

    pub fn step_count(&self) -> u64 {
        self.step
    }

    pub fn lr(&self) -> f64 {
        self.adam.lr
    }

    pub fn net(&self) -> &Mlp<f32> {
        &self.net
    }

    pub fn set_lr(&mut self, lr: f64) {
        self.adam.lr = lr;
        self.config.lr = lr;
    }

    pub fn set_batch(&mut self, batch: usize) {
        self.config.batch = batch.max(1);
        self.resize_parts();
    }

    /// The current parameters as a score model.
    pub fn model(&self) -> ScoreModel {
        ScoreModel {
            net: self.net.clone(),
            noise: self.config.noise.noise_kind(),
        }
    }

    /// One training step.
    pub fn step(&mut self) -> StepOutcome {
        let (net, config, data, step) = (&self.net, &self.config, &self.data, self.step);
        let total = config.batch;
        let run_part = |p: &mut Part| {
            draw_batch_range(config, data, step, p.range.clone(), &mut p.batch);
            p.grads.fill_zero();
            p.per_level.fill(0.0);
            let n = p.batch.len();
            p.loss = part_loss(
                net,
                &config.objective,
                &p.batch,
                0..n,
                total,
                &mut p.lw,
                &mut p.grads,
                &mut p.per_level,
            );
        };
        if self.parts.len() == 1 {
            // One part: no hop to the pool's thread.
            run_part(&mut self.parts[0]);
        } else {
            self.pool
                .install(|| self.parts.par_iter_mut().for_each(run_part));
        }
        // The batch gradient is the sum of the parts' gradients, gathered into the first part.
        let (first, rest) = self.parts.split_at_mut(1);
        for p in rest.iter() {
            first[0].grads.add(&p.grads);
        }
        let mut loss = 0.0;
        let mut per_level = vec![0.0; self.level_counts.len()];
        for p in &self.parts {
            loss += p.loss;
            for (a, b) in per_level.iter_mut().zip(&p.per_level) {
                *a += b;
            }
        }
        self.level_counts.fill(0);
        for &l in self.parts.iter().flat_map(|p| &p.batch.level) {
            if let Some(c) = self.level_counts.get_mut(l) {
                *c += 1;
            }
        }
        for (v, c) in per_level.iter_mut().zip(&self.level_counts) {
            *v = if *c > 0 { *v / *c as f64 } else { f64::NAN };
        }
        self.step += 1;
        let accepted = self.accepts(loss) && self.parts[0].grads.is_finite();
        let rolled_back = if accepted {
            // The parameters that produced an accepted loss are the new "last good" ones.
            self.last_good.clone_from(&self.net);
            self.adam.step(&mut self.net, &mut self.parts[0].grads);
            if self.net.is_finite() {
                None
            } else {
                Some(self.rollback())
            }
        } else {
            Some(self.rollback())
        };
        StepOutcome {
            step: self.step,
            loss,
            loss_per_level: per_level,
            rolled_back,
        }
    }

    /// Whether `loss` is finite and no blow-up; updates the running |loss| when it is.
    fn accepts(&mut self, loss: f64) -> bool {
        if !loss.is_finite() {
            return false;
        }
        let scale = self.loss_scale.unwrap_or(loss.abs());
        if loss.abs() > BLOWUP_FACTOR * scale.max(1.0) {
            return false;
        }
        self.loss_scale = Some((1.0 - LOSS_EMA) * scale + LOSS_EMA * loss.abs());
        true
    }

    /// Restores the last good parameters, resets Adam, halves the learning rate.
    fn rollback(&mut self) -> f64 {
        self.net.clone_from(&self.last_good);
        self.adam.reset();
        self.adam.lr *= 0.5;
        self.config.lr = self.adam.lr;
        self.adam.lr
    }
}

impl Trainer {
    /// Continues training on new data (an edited mixture) with the same network, when the data
    /// fits it (same number of classes for a conditional network).
    pub fn set_data(&mut self, data: Dataset) -> Result<(), String> {
        self.config.validate(data.mixture().is_some())?;
        let n_classes = data.mixture().map_or(0, |m| m.len());
        if self.config.mlp_config(n_classes) != self.net.config {
            return Err(
                "the edited data needs a different network (class count); reset training".into(),
            );
        }
        self.data = data;
        Ok(())
    }

    /// Switches the objective without resetting the network, when the network stays the same
    /// (same noise conditioning and output); otherwise says why a reset is needed.
    pub fn set_objective(&mut self, objective: crate::nn::Objective) -> Result<(), String> {
        let mut config = self.config.clone();
        config.objective = objective;
        config.validate(self.data.mixture().is_some())?;
        let n_classes = self.data.mixture().map_or(0, |m| m.len());
        if config.mlp_config(n_classes) != self.net.config {
            return Err(format!(
                "objective {} needs a different network; reset training to switch",
                objective.name()
            ));
        }
        self.config = config;
        self.resize_parts();
        Ok(())
    }
}
