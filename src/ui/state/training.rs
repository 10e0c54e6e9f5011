//! The 2D trainer: its worker, the newest snapshot, the loss history, and the training settings
//! the running network was built with (a later change shows a badge until Reset training).

use crate::session::settings::TrainingGroup;
use crate::train::{TrainSnapshot, TrainerHandle};
use std::sync::Arc;

#[derive(Default)]
pub struct TrainingState {
    pub trainer: Option<TrainerHandle>,
    pub snapshot: Option<Arc<TrainSnapshot>>,
    pub loss_history: Vec<[f64; 2]>,
    /// A model from an opened session, to continue training from.
    pub loaded_model: Option<Arc<crate::nn::ScoreModel>>,
    /// The training group of the network being trained.
    pub built_with: Option<TrainingGroup>,
}

impl TrainingState {
    pub fn step(&self) -> u64 {
        self.snapshot.as_ref().map_or(0, |s| s.step)
    }

    pub fn running(&self) -> bool {
        self.snapshot.as_ref().is_some_and(|s| s.running)
    }

    pub fn model(&self) -> Option<Arc<crate::nn::ScoreModel>> {
        self.snapshot.as_ref().map(|s| s.model.clone())
    }

    /// What the view spec needs to know about the model.
    pub fn model_facts(&self) -> Option<crate::scene::spec::ModelFacts> {
        self.snapshot
            .as_ref()
            .map(|s| crate::scene::spec::ModelFacts {
                step: s.step,
                conditional: s.model.net.config.n_classes > 0,
            })
    }

    /// Whether settings changed since the network was built: what changed, for the badge.
    pub fn stale(&self, now: &TrainingGroup) -> Option<String> {
        let built = self
            .built_with
            .as_ref()
            .filter(|_| self.trainer.is_some())?;
        let mut changed = Vec::new();
        if built.objective != now.objective {
            changed.push("objective");
        }
        if (built.width, built.depth, built.activation) != (now.width, now.depth, now.activation) {
            changed.push("network");
        }
        if (
            built.train_sigma_min,
            built.train_sigma_max,
            built.train_levels,
        ) != (now.train_sigma_min, now.train_sigma_max, now.train_levels)
        {
            changed.push("noise schedule");
        }
        if built.conditional != now.conditional {
            changed.push("class conditioning");
        }
        if (built.threads, built.seed) != (now.threads, now.seed) {
            changed.push("threads or seed");
        }
        (!changed.is_empty()).then(|| changed.join(", "))
    }

    /// Forgets the network (the next Run builds a new one).
    pub fn reset(&mut self) {
        *self = TrainingState::default();
    }
}

/// The training configuration the settings describe for the data on screen.
pub fn train_config(
    s: &crate::session::Settings,
    data: &super::DataState,
) -> Result<crate::train::TrainConfig, String> {
    use crate::train::{Lambda, NoiseSpec, TrainConfig};
    let sigma_max = if s.train_sigma_max > 0.0 {
        s.train_sigma_max
    } else {
        data.info.sigma_max_heuristic
    };
    let schedule =
        crate::dist::SigmaSchedule::geometric(sigma_max, s.train_sigma_min, s.train_levels.max(1))?;
    let mut c = TrainConfig::ncsn_default(schedule.clone());
    c.objective = s.objective.objective();
    c.noise = NoiseSpec::Levels {
        schedule,
        lambda: Lambda::SigmaSquared,
    };
    c.hidden = vec![s.width.max(1); s.depth.max(1)];
    c.activation = s.activation;
    c.embedding = crate::nn::SigmaEmbedding::Sinusoidal { n: 4 };
    c.lr = s.lr;
    c.batch = s.batch.max(1);
    c.threads = s.threads.max(1);
    c.conditional = s.conditional && data.data.mixture().is_some();
    c.seed = s.seed;
    Ok(c)
}

/// The training levels of the settings (for the relative Fisher report and the levels plot).
pub fn train_sigmas(s: &crate::session::Settings, data: &super::DataState) -> Vec<f64> {
    train_config(s, data)
        .map(|c| c.noise.eval_sigmas())
        .unwrap_or_default()
}
