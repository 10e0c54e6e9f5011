//! What a training run is: objective, noise levels, network, optimiser settings (MATH §3, §8).

use crate::dist::{DdpmSchedule, SigmaSchedule};
use crate::nn::{Activation, MlpConfig, NoiseKind, Objective, OutputParam, SigmaEmbedding};

/// The loss weight `lambda(sigma)` of multi-level objectives (MATH §3.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lambda {
    One,
    SigmaSquared,
}

impl Lambda {
    pub fn of(&self, sigma: f64) -> f64 {
        match self {
            Lambda::One => 1.0,
            Lambda::SigmaSquared => sigma * sigma,
        }
    }
}

/// Which noise the training data sees.
#[derive(Clone, Debug, PartialEq)]
pub enum NoiseSpec {
    /// Clean data (ESM, ISM, SSM in their original form).
    Clean,
    /// One VE level (DSM at one sigma, MATH §3.4).
    Single { sigma: f64 },
    /// Per-sample levels drawn uniformly from a schedule (NCSN, MATH §3.5).
    Levels {
        schedule: SigmaSchedule,
        lambda: Lambda,
    },
    /// Continuous log-uniform sigma in `[sigma_min, sigma_max]` (MATH §3.5).
    LogUniform {
        sigma_min: f64,
        sigma_max: f64,
        lambda: Lambda,
    },
    /// DDPM time steps `t ~ U{1..T}` (MATH §3.6).
    Ddpm { schedule: DdpmSchedule },
}

/// Bins of the loss-per-level report for continuous noise.
pub const CONTINUOUS_BINS: usize = 10;

impl NoiseSpec {
    /// How the trained network is read as a score.
    pub fn noise_kind(&self) -> NoiseKind {
        match self {
            NoiseSpec::Clean => NoiseKind::Fixed { sigma: 0.0 },
            NoiseSpec::Single { sigma } => NoiseKind::Fixed { sigma: *sigma },
            NoiseSpec::Levels { .. } | NoiseSpec::LogUniform { .. } => NoiseKind::Ve,
            NoiseSpec::Ddpm { schedule } => NoiseKind::Vp {
                ddpm_steps: schedule.n_steps(),
                beta_1: schedule.beta(1),
                beta_t: schedule.beta(schedule.n_steps()),
            },
        }
    }

    /// Whether the network needs a noise-level input.
    pub fn is_conditional(&self) -> bool {
        !matches!(self, NoiseSpec::Clean | NoiseSpec::Single { .. })
    }

    /// Number of entries in the loss-per-level report.
    pub fn n_report_levels(&self) -> usize {
        match self {
            NoiseSpec::Clean | NoiseSpec::Single { .. } => 1,
            NoiseSpec::Levels { schedule, .. } => schedule.len(),
            NoiseSpec::LogUniform { .. } | NoiseSpec::Ddpm { .. } => CONTINUOUS_BINS,
        }
    }

    /// The VE levels at which to evaluate the model (relative Fisher per level).
    pub fn eval_sigmas(&self) -> Vec<f64> {
        match self {
            NoiseSpec::Clean => vec![0.0],
            NoiseSpec::Single { sigma } => vec![*sigma],
            NoiseSpec::Levels { schedule, .. } => schedule.sigmas().to_vec(),
            NoiseSpec::LogUniform {
                sigma_min,
                sigma_max,
                ..
            } => SigmaSchedule::geometric(*sigma_max, *sigma_min, CONTINUOUS_BINS)
                .map(|s| s.sigmas().to_vec())
                .unwrap_or_default(),
            NoiseSpec::Ddpm { schedule } => (1..=CONTINUOUS_BINS)
                .map(|i| schedule.sigma(i * schedule.n_steps() / CONTINUOUS_BINS))
                .collect(),
        }
    }
}

/// A training run's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    pub objective: Objective,
    pub noise: NoiseSpec,
    pub hidden: Vec<usize>,
    pub activation: Activation,
    pub embedding: SigmaEmbedding,
    /// Class-conditional training with label dropout (mixtures only; MATH §3.7).
    pub conditional: bool,
    pub p_uncond: f64,
    pub lr: f64,
    pub batch: usize,
    pub clip_norm: Option<f64>,
    pub seed: u64,
    pub threads: usize,
}

impl TrainConfig {
    /// MATH §8 defaults: NCSN DSM, lambda = sigma^2, 128-128-128 SiLU, Adam 1e-3, batch 512.
    pub fn ncsn_default(schedule: SigmaSchedule) -> TrainConfig {
        TrainConfig {
            objective: Objective::Dsm,
            noise: NoiseSpec::Levels {
                schedule,
                lambda: Lambda::SigmaSquared,
            },
            hidden: vec![128, 128, 128],
            activation: Activation::Silu,
            embedding: SigmaEmbedding::LogSigma,
            conditional: false,
            p_uncond: 0.15,
            lr: 1e-3,
            batch: 512,
            clip_norm: None,
            seed: 0,
            threads: 1,
        }
    }

    /// The network this run trains; `n_classes` from the data when conditional.
    pub fn mlp_config(&self, n_classes: usize) -> MlpConfig {
        let output = match (&self.noise, self.objective) {
            (NoiseSpec::Clean, _) | (_, Objective::Ddpm) => OutputParam::Raw,
            _ => OutputParam::DivideBySigma,
        };
        MlpConfig {
            hidden: self.hidden.clone(),
            activation: self.activation,
            embedding: if self.noise.is_conditional() {
                match self.embedding {
                    SigmaEmbedding::None => SigmaEmbedding::LogSigma,
                    e => e,
                }
            } else {
                SigmaEmbedding::None
            },
            n_classes: if self.conditional { n_classes } else { 0 },
            output,
        }
    }

    /// Checks the combination is meaningful; messages name the option.
    pub fn validate(&self, has_mixture: bool) -> Result<(), String> {
        if self.batch == 0 {
            return Err("--batch must be at least 1".into());
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(format!("--lr must be finite and > 0, got {}", self.lr));
        }
        if self.threads == 0 {
            return Err("--threads must be at least 1".into());
        }
        if let Some(c) = self.clip_norm
            && !(c.is_finite() && c > 0.0)
        {
            return Err(format!("--clip must be finite and > 0, got {c}"));
        }
        let widest = self.hidden.iter().copied().max().unwrap_or(0) as u64;
        crate::budget::check_product(
            "--batch × the widest --hidden layer × (1 + tangents)",
            &[
                self.batch as u64,
                widest,
                1 + self.objective.n_tangents() as u64,
            ],
            crate::budget::MAX_BATCH_ACTIVATIONS,
        )?;
        if !(0.0..1.0).contains(&self.p_uncond) {
            return Err(format!(
                "label dropout must be in [0, 1), got {}",
                self.p_uncond
            ));
        }
        if self.objective.n_tangents() > crate::nn::objective::MAX_TANGENTS {
            return Err(format!(
                "--projections must be at most {}",
                crate::nn::objective::MAX_TANGENTS
            ));
        }
        if self.objective == Objective::Esm && !has_mixture {
            return Err("--objective esm needs the exact score: use a mixture".into());
        }
        if self.conditional && !has_mixture {
            return Err("--conditional needs class labels: use a mixture".into());
        }
        match (&self.noise, self.objective) {
            (NoiseSpec::Ddpm { .. }, Objective::Ddpm) => Ok(()),
            (NoiseSpec::Ddpm { .. }, _) | (_, Objective::Ddpm) => {
                Err("the DDPM schedule goes with --objective ddpm only".into())
            }
            (NoiseSpec::Clean, Objective::Dsm) => Err("--objective dsm needs --sigma > 0".into()),
            (NoiseSpec::Single { sigma }, _) if !(sigma.is_finite() && *sigma > 0.0) => {
                Err(format!("--sigma must be finite and > 0, got {sigma}"))
            }
            _ => Ok(()),
        }
    }
}
