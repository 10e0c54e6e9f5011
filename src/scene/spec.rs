//! The view specification: a pure function from the settings and a few facts about the state
//! (data version, mixture size, model) to what every pane shows — the drawn field's level, the
//! score it compares, the layers and their colour scales, and each sampler pane's score and
//! target weights. The live view keys its field requests and caches by this value, and the
//! exports take the pane's spec, so what is computed, drawn and exported cannot disagree.

use crate::sample::SamplerKind;
use crate::session::settings::{GuidedField, Heatmap, Settings};

/// Facts about the state that the view depends on (besides the settings).
#[derive(Clone, Debug, PartialEq)]
pub struct SpecInputs {
    /// Bumped on every change of the data.
    pub data_version: u64,
    /// Bumped whenever the view box is refitted to new data.
    pub view_epoch: u64,
    /// Components of a mixture; `None` for a point set (no classes, no mode weights).
    pub components: Option<usize>,
    /// The model the learned layers and samplers would use.
    pub model: Option<ModelFacts>,
    /// The training levels for the relative Fisher report (empty: none).
    pub fisher_sigmas: Vec<f64>,
    /// Sampler A's current noise level (for a field that follows it).
    pub sampler_level: Option<crate::dist::NoiseLevel>,
    /// How much wider than the data's square box the heat grid must be to fill the plot:
    /// `ceil(4 max(w/h, h/w)) / 4` of the pane, times 4 (an integer, so specs compare exactly).
    pub frame_fit_quarters: u32,
}

/// What the view needs to know about a trained model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModelFacts {
    /// Training step of the weights.
    pub step: u64,
    /// Trained with class labels (classifier-free guidance is possible).
    pub conditional: bool,
}

/// A score, as a value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScoreSpec {
    /// The exact (mixture) or empirical (points) score, classifier-guided `(class, gamma)`.
    Exact { guidance: Option<(usize, f64)> },
    /// The trained model, with classifier-free guidance `(class, scale)`.
    Learned { cfg: Option<(usize, f64)> },
}

impl ScoreSpec {
    /// A short name for titles.
    pub fn label(&self) -> &'static str {
        use crate::sample::chosen::score_label;
        match self {
            ScoreSpec::Exact { guidance } => score_label(false, guidance.is_some()),
            ScoreSpec::Learned { cfg } => score_label(true, cfg.is_some()),
        }
    }
}

/// The noise level of the drawn field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DrawnLevel {
    /// VE: `q_sigma = p * N(0, sigma^2 I)`.
    Sigma(f64),
    /// VP (DDPM) time step `t` of the linear schedule (MATH §2.2).
    DdpmStep(usize),
    /// VP level `abar` (a VP sampler's current level, followed).
    Vp(f64),
}

impl DrawnLevel {
    /// The drawn level at a sampler's noise level (VE sigma or VP abar).
    pub fn of_sampler(level: crate::dist::NoiseLevel) -> DrawnLevel {
        match level {
            crate::dist::NoiseLevel::Ve { sigma } => DrawnLevel::Sigma(sigma),
            crate::dist::NoiseLevel::Vp { abar } => DrawnLevel::Vp(abar),
        }
    }
}

/// The layers computed for the drawn field (one field request).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldSpec {
    pub data_version: u64,
    pub view_epoch: u64,
    pub level: DrawnLevel,
    /// The level comes from sampler A (the view follows the sampler).
    pub follows_sampler: bool,
    pub frame_fit_quarters: u32,
    pub arrow_n: usize,
    /// Classifier guidance of the exact arrows, per the field selector.
    pub exact_guidance: Option<(usize, f64)>,
    /// The learned layers: the model's step and its classifier-free guidance. The error map
    /// and the relative Fisher compare it with the exact score under the same guidance.
    pub learned: Option<LearnedField>,
    pub fisher_sigmas: Vec<f64>,
    /// The learned score's error on the heat grid is drawn (an error heatmap is chosen).
    pub error_layer: bool,
}

/// The learned layers of a field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LearnedField {
    pub model_step: u64,
    pub cfg: Option<(usize, f64)>,
}

impl FieldSpec {
    /// The same field except for the model's weights (the view refreshes those at a bounded
    /// rate while training runs, without calling the field stale).
    pub fn same_but_weights(&self, other: &FieldSpec) -> bool {
        let strip = |f: &FieldSpec| FieldSpec {
            learned: f.learned.map(|l| LearnedField { model_step: 0, ..l }),
            ..f.clone()
        };
        strip(self) == strip(other)
    }
}

/// How the layers are drawn (no recomputation when these change).
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSpec {
    pub heatmap: Heatmap,
    pub log_scale: bool,
    /// Top of the error colour scale in score units; 0 rescales per field.
    pub error_max: f64,
    pub contours: bool,
    pub exact_arrows: bool,
    pub learned_arrows: bool,
    pub tweedie_arrows: bool,
    pub arrow_scale: f32,
    pub unit_arrows: bool,
}

/// The mode weights a pane's particles should reach.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Target {
    /// The mixture's own weights.
    MixtureWeights,
    /// All mass in class `k`: the target of guidance with strength >= 1 (exact for the
    /// conditional, gamma = 1; a stronger push only shrinks the mass outside the class).
    Class(usize),
    /// Guidance with 0 < gamma < 1 tempers the class posterior: its mode weights have no closed
    /// form, and the report compares with the unguided weights (the pane says so).
    Tempered(usize),
    /// A point set: no components, no mode weights.
    None,
}

/// One sampler pane.
#[derive(Clone, Debug, PartialEq)]
pub struct PaneSpec {
    pub sampler: SamplerKind,
    pub score: ScoreSpec,
    pub target: Target,
}

/// Everything the view shows.
#[derive(Clone, Debug, PartialEq)]
pub struct ViewSpec {
    pub field: FieldSpec,
    pub layers: LayerSpec,
    pub panes: Vec<PaneSpec>,
}

/// The class guidance asks for, if the data has it: `(class, strength)`.
fn guidance(s: &Settings, inputs: &SpecInputs) -> Option<(usize, f64)> {
    let n = inputs.components?;
    s.guidance_class
        .filter(|k| *k < n)
        .map(|k| (k, s.guidance_scale))
}

/// The guidance of the drawn field, per the field selector.
fn field_guidance(s: &Settings, inputs: &SpecInputs) -> Option<(usize, f64)> {
    guidance(s, inputs).and_then(|(k, g)| match s.guided_field {
        GuidedField::Guided => Some((k, g)),
        GuidedField::Conditional => Some((k, 1.0)),
        GuidedField::Unconditional => None,
    })
}

/// The drawn field.
pub fn field_spec(s: &Settings, inputs: &SpecInputs) -> FieldSpec {
    let exact_guidance = field_guidance(s, inputs);
    let learned = inputs.model.map(|m| LearnedField {
        model_step: m.step,
        cfg: exact_guidance.filter(|_| m.conditional),
    });
    FieldSpec {
        data_version: inputs.data_version,
        view_epoch: inputs.view_epoch,
        level: match (s.follow_level, inputs.sampler_level, s.ddpm_t) {
            (true, Some(level), _) => DrawnLevel::of_sampler(level),
            (_, _, Some(t)) => DrawnLevel::DdpmStep(t),
            _ => DrawnLevel::Sigma(s.sigma),
        },
        follows_sampler: s.follow_level && inputs.sampler_level.is_some(),
        frame_fit_quarters: inputs.frame_fit_quarters.max(4),
        arrow_n: s.arrow_n.clamp(4, 64),
        exact_guidance,
        error_layer: learned.is_some()
            && matches!(s.heatmap, Heatmap::Error | Heatmap::WeightedError),
        fisher_sigmas: if learned.is_some() && inputs.components.is_some() {
            inputs.fisher_sigmas.clone()
        } else {
            Vec::new()
        },
        learned,
    }
}

/// How the layers are drawn.
pub fn layer_spec(s: &Settings) -> LayerSpec {
    LayerSpec {
        heatmap: s.heatmap,
        log_scale: s.log_scale,
        error_max: s.error_max,
        contours: s.show_contours,
        exact_arrows: s.show_exact,
        learned_arrows: s.show_learned,
        tweedie_arrows: s.show_tweedie,
        arrow_scale: s.arrow_scale,
        unit_arrows: s.normalize_arrows,
    }
}

/// The score every sampler pane follows: the learned one when asked for and a model exists
/// (classifier-free guided if it is conditional), else the exact one (classifier-guided).
pub fn pane_score(s: &Settings, inputs: &SpecInputs) -> ScoreSpec {
    let g = guidance(s, inputs);
    match inputs.model {
        Some(m) if s.use_learned => ScoreSpec::Learned {
            cfg: g.filter(|_| m.conditional),
        },
        _ => ScoreSpec::Exact { guidance: g },
    }
}

/// The target weights of a pane following `score`.
pub fn target(score: &ScoreSpec, inputs: &SpecInputs) -> Target {
    if inputs.components.is_none() {
        return Target::None;
    }
    match score {
        ScoreSpec::Exact {
            guidance: Some((k, g)),
        }
        | ScoreSpec::Learned { cfg: Some((k, g)) } => {
            if *g >= 1.0 {
                Target::Class(*k)
            } else if *g > 0.0 {
                Target::Tempered(*k)
            } else {
                Target::MixtureWeights
            }
        }
        _ => Target::MixtureWeights,
    }
}

/// The whole view.
pub fn view_spec(s: &Settings, inputs: &SpecInputs) -> ViewSpec {
    let score = pane_score(s, inputs);
    let kinds = if s.compare {
        vec![s.sampler_a, s.sampler_b]
    } else {
        vec![s.sampler_a]
    };
    ViewSpec {
        field: field_spec(s, inputs),
        layers: layer_spec(s),
        panes: kinds
            .into_iter()
            .map(|sampler| PaneSpec {
                sampler,
                score,
                target: target(&score, inputs),
            })
            .collect(),
    }
}

/// Three significant digits, for titles ("1.00", "20.0", "0.0100").
pub fn sig3(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_significant_digits() {
        assert_eq!(sig3(1.0), "1.00");
        assert_eq!(sig3(20.0), "20.0");
        assert_eq!(sig3(0.01), "0.0100");
        assert_eq!(sig3(123.4), "123");
        assert_eq!(sig3(0.0), "0");
    }
}
