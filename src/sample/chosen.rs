//! The score a sampler pane follows, as a value: the exact (mixture) or empirical (points) score
//! with optional classifier guidance, or a trained model with optional classifier-free guidance
//! (MATH §4.10). [`ChosenScore`] owns what it needs, so the live sampler worker, the figure
//! files and the animations all run the same source for the same choice.

use super::{EmpiricalScore, ExactMixtureScore, GuidedMixtureScore, LearnedScore, ScoreSource};
use crate::data::Dataset;
use crate::dist::NoiseLevel;
use crate::geom::Point;
use crate::nn::ScoreModel;
use std::sync::Arc;

/// Which score the samplers follow.
#[derive(Clone)]
pub enum ScoreChoice {
    /// The exact (mixture) or empirical (points) score, with optional classifier guidance
    /// `(class, gamma)`.
    Exact { guidance: Option<(usize, f64)> },
    /// A trained model, with optional classifier-free guidance `(class, scale)`.
    Learned {
        model: Arc<ScoreModel>,
        cfg: Option<(usize, f64)>,
    },
}

/// The short name of a score in titles and legends: exact or learned, guided or not.
pub fn score_label(learned: bool, guided: bool) -> &'static str {
    match (learned, guided) {
        (false, false) => "exact",
        (false, true) => "exact guided",
        (true, false) => "learned",
        (true, true) => "learned CFG",
    }
}

impl ScoreChoice {
    /// A short name for titles and legends.
    pub fn label(&self) -> &'static str {
        match self {
            ScoreChoice::Exact { guidance } => score_label(false, guidance.is_some()),
            ScoreChoice::Learned { cfg, .. } => score_label(true, cfg.is_some()),
        }
    }
}

/// A score source for a choice over a data set.
#[derive(Clone)]
pub struct ChosenScore {
    pub data: Arc<Dataset>,
    pub choice: ScoreChoice,
}

impl ScoreSource for ChosenScore {
    fn score_batch(&self, level: NoiseLevel, xs: &[Point], out: &mut [Point]) {
        match (&self.choice, &*self.data) {
            (ScoreChoice::Learned { model, cfg }, _) => LearnedScore {
                model: model.clone(),
                class: cfg.map(|c| c.0),
                cfg_scale: cfg.map_or(1.0, |c| c.1),
            }
            .score_batch(level, xs, out),
            (
                ScoreChoice::Exact {
                    guidance: Some((class, gamma)),
                },
                Dataset::Mixture(m),
            ) if *class < m.len() => GuidedMixtureScore {
                mixture: m,
                class: *class,
                gamma: *gamma,
            }
            .score_batch(level, xs, out),
            (ScoreChoice::Exact { .. }, Dataset::Mixture(m)) => {
                ExactMixtureScore { mixture: m }.score_batch(level, xs, out)
            }
            (ScoreChoice::Exact { .. }, Dataset::Points(e)) => {
                EmpiricalScore { points: e }.score_batch(level, xs, out)
            }
        }
    }

    fn log_density_batch(&self, level: NoiseLevel, xs: &[Point], out: &mut [f64]) -> bool {
        match (&self.choice, &*self.data) {
            (ScoreChoice::Exact { guidance: None }, Dataset::Mixture(m)) => {
                ExactMixtureScore { mixture: m }.log_density_batch(level, xs, out)
            }
            (ScoreChoice::Exact { guidance: None }, Dataset::Points(e)) => {
                EmpiricalScore { points: e }.log_density_batch(level, xs, out)
            }
            _ => false,
        }
    }

    fn has_density(&self) -> bool {
        matches!(self.choice, ScoreChoice::Exact { guidance: None })
    }

    fn has_clean_score(&self) -> bool {
        matches!(self.choice, ScoreChoice::Exact { .. }) && self.data.mixture().is_some()
    }

    fn label(&self) -> String {
        self.choice.label().into()
    }
}
