//! Everything the lecturer sets: part of a session file, and persisted between runs. Missing
//! fields take their defaults (older files still load); unknown fields are an error that names
//! them (nothing is silently dropped).

use crate::sample::SamplerKind;
use serde::{Deserialize, Serialize};

/// Which field guidance shows: the guided score, the conditional one (gamma = 1), or the
/// unconditional one (MATH §4.10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GuidedField {
    Guided,
    Conditional,
    Unconditional,
}

/// The 2D training objective (MATH §3): kebab-case names in files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrainObjective {
    /// Multi-level denoising score matching (NCSN, MATH §3.5).
    Ncsn,
    /// Implicit score matching (MATH §3.2).
    Ism,
    /// Sliced score matching (MATH §3.3).
    Ssm,
    /// Sliced score matching, variance reduced (MATH §3.3).
    SsmVr,
}

impl TrainObjective {
    pub const ALL: [TrainObjective; 4] = [
        TrainObjective::Ncsn,
        TrainObjective::Ism,
        TrainObjective::Ssm,
        TrainObjective::SsmVr,
    ];

    /// The name in files and on the command line.
    pub fn name(&self) -> &'static str {
        match self {
            TrainObjective::Ncsn => "ncsn",
            TrainObjective::Ism => "ism",
            TrainObjective::Ssm => "ssm",
            TrainObjective::SsmVr => "ssm-vr",
        }
    }

    /// The network objective it trains.
    pub fn objective(&self) -> crate::nn::Objective {
        use crate::nn::{Objective, ProjectionDist};
        let ssm = |variance_reduced| Objective::Ssm {
            projections: 1,
            dist: ProjectionDist::Rademacher,
            variance_reduced,
        };
        match self {
            TrainObjective::Ncsn => Objective::Dsm,
            TrainObjective::Ism => Objective::Ism,
            TrainObjective::Ssm => ssm(false),
            TrainObjective::SsmVr => ssm(true),
        }
    }
}

/// Which heatmap the field view shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Heatmap {
    None,
    Density,
    Error,
    /// `|s_theta - s| q(x)`: the error where the data is (the low-density pitfall).
    WeightedError,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub preset: String,
    // View.
    pub sigma: f64,
    /// DDPM time step shown instead of sigma (VP level `abar_t`); `None` shows sigma.
    pub ddpm_t: Option<usize>,
    /// The drawn field follows sampler A's current noise level (annealed: sigma_i; SDE and
    /// ODE: sigma(t); DDPM and DDIM: abar_t) instead of `sigma` / `ddpm_t`.
    pub follow_level: bool,
    /// Show the lecture's caption (its point and formula) above the panes.
    pub show_caption: bool,
    pub heatmap: Heatmap,
    /// The top of the error heatmap's colour scale in score units; 0 rescales every field to
    /// its own 99th percentile (then the colours cannot show the error falling).
    pub error_max: f64,
    pub log_scale: bool,
    pub show_contours: bool,
    pub show_exact: bool,
    pub show_learned: bool,
    pub show_tweedie: bool,
    pub arrow_n: usize,
    pub arrow_scale: f32,
    pub normalize_arrows: bool,
    pub dark: bool,
    pub presenter: bool,
    pub edit_data: bool,
    // Training.
    pub objective: TrainObjective,
    pub width: usize,
    pub depth: usize,
    pub activation: crate::nn::Activation,
    pub lr: f64,
    pub batch: usize,
    pub train_sigma_min: f64,
    /// 0 means the max-pairwise-distance heuristic.
    pub train_sigma_max: f64,
    pub train_levels: usize,
    pub threads: usize,
    /// Class-conditional training with label dropout, for classifier-free guidance.
    pub conditional: bool,
    // Samplers.
    pub sampler_a: SamplerKind,
    pub sampler_b: SamplerKind,
    pub compare: bool,
    pub particles: usize,
    pub eps: f64,
    pub steps_per_level: usize,
    pub levels: usize,
    pub sampler_sigma_max: f64,
    pub sampler_sigma_min: f64,
    pub init_uniform: f64,
    pub speed: usize,
    pub use_learned: bool,
    pub seed: u64,
    // Guidance.
    pub guidance_class: Option<usize>,
    pub guidance_scale: f64,
    pub guided_field: GuidedField,
}

impl Default for Settings {
    /// The MATH §7 story: ncsn-two-modes, Langevin beside annealed Langevin.
    fn default() -> Settings {
        Settings {
            preset: "ncsn-two-modes".into(),
            sigma: 1.0,
            ddpm_t: None,
            follow_level: false,
            show_caption: true,
            heatmap: Heatmap::Density,
            error_max: 2.0,
            log_scale: true,
            show_contours: true,
            show_exact: true,
            show_learned: true,
            show_tweedie: false,
            arrow_n: 24,
            arrow_scale: 1.0,
            normalize_arrows: false,
            dark: true,
            presenter: false,
            edit_data: false,
            objective: TrainObjective::Ncsn,
            width: 128,
            depth: 3,
            activation: crate::nn::Activation::Silu,
            lr: 3e-3,
            batch: 512,
            train_sigma_min: 0.1,
            train_sigma_max: 0.0,
            train_levels: 10,
            threads: 2,
            conditional: false,
            sampler_a: SamplerKind::Langevin,
            sampler_b: SamplerKind::AnnealedLangevin,
            compare: true,
            particles: 1280,
            eps: 0.1,
            steps_per_level: 100,
            levels: 10,
            sampler_sigma_max: 20.0,
            sampler_sigma_min: 1.0,
            init_uniform: 8.0,
            speed: 1,
            use_learned: false,
            seed: 0,
            guidance_class: None,
            guidance_scale: 1.0,
            guided_field: GuidedField::Guided,
        }
    }
}

impl Settings {
    /// The settings of one sampler pane. Single-level samplers take `levels x steps_per_level`
    /// steps, so in compare mode both panes end together.
    pub fn sampler_settings(&self, kind: SamplerKind) -> crate::sample::SamplerSettings {
        use crate::sample::{InitSpec, SamplerSettings};
        let mut p = SamplerSettings::new(kind);
        p.eps = (self.eps > 0.0).then_some(self.eps);
        p.sigma_max = Some(self.sampler_sigma_max);
        p.sigma_min = Some(self.sampler_sigma_min);
        p.init = (self.init_uniform > 0.0).then_some(InitSpec::Uniform {
            lo: -self.init_uniform,
            hi: self.init_uniform,
        });
        match kind {
            k if k.is_single_level() => p.n_steps = Some(self.steps_per_level * self.levels),
            SamplerKind::AnnealedLangevin => {
                p.n_steps = Some(self.steps_per_level);
                p.n_levels = Some(self.levels);
            }
            _ => {}
        }
        p
    }

    /// Checks every value is usable; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        let finite_pos = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(format!("settings.{name}: must be finite and > 0, got {v}"))
            }
        };
        let finite_nonneg = |name: &str, v: f64| {
            if v.is_finite() && v >= 0.0 {
                Ok(())
            } else {
                Err(format!("settings.{name}: must be finite and >= 0, got {v}"))
            }
        };
        let in_range = |name: &str, v: usize, lo: usize, hi: usize| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("settings.{name}: must be in {lo}..={hi}, got {v}"))
            }
        };
        finite_nonneg("sigma", self.sigma)?;
        crate::dist::NoiseLevel::Ve { sigma: self.sigma }
            .validate()
            .map_err(|e| format!("settings.sigma: {e}"))?;
        finite_pos("lr", self.lr)?;
        finite_pos("train_sigma_min", self.train_sigma_min)?;
        finite_nonneg("train_sigma_max", self.train_sigma_max)?;
        finite_nonneg("eps", self.eps)?;
        finite_pos("sampler_sigma_max", self.sampler_sigma_max)?;
        finite_pos("sampler_sigma_min", self.sampler_sigma_min)?;
        finite_nonneg("init_uniform", self.init_uniform)?;
        if self.init_uniform > crate::geom::MAX_COORDINATE {
            return Err(format!(
                "settings.init_uniform: must be at most {:e}, got {}",
                crate::geom::MAX_COORDINATE,
                self.init_uniform
            ));
        }
        finite_nonneg("guidance_scale", self.guidance_scale)?;
        finite_nonneg("error_max", self.error_max)?;
        if !self.arrow_scale.is_finite() || self.arrow_scale <= 0.0 {
            return Err(format!(
                "settings.arrow_scale: must be finite and > 0, got {}",
                self.arrow_scale
            ));
        }
        in_range("arrow_n", self.arrow_n, 4, 64)?;
        in_range("width", self.width, 1, 1024)?;
        in_range("depth", self.depth, 1, 8)?;
        in_range("batch", self.batch, 1, 65_536)?;
        in_range("train_levels", self.train_levels, 1, 1000)?;
        in_range("threads", self.threads, 1, 64)?;
        in_range("particles", self.particles, 1, 1_000_000)?;
        in_range("steps_per_level", self.steps_per_level, 1, 100_000)?;
        in_range("levels", self.levels, 1, 1000)?;
        in_range("speed", self.speed, 1, 100_000)?;
        if let Some(t) = self.ddpm_t {
            in_range("ddpm_t", t, 1, 1000)?;
        }
        if self.sampler_sigma_max > crate::dist::noise_level::MAX_SIGMA {
            return Err(format!(
                "settings.sampler_sigma_max: must be at most {:e}, got {}",
                crate::dist::noise_level::MAX_SIGMA,
                self.sampler_sigma_max
            ));
        }
        if self.sampler_sigma_max < self.sampler_sigma_min {
            return Err(format!(
                "settings.sampler_sigma_max ({}) must be >= settings.sampler_sigma_min ({})",
                self.sampler_sigma_max, self.sampler_sigma_min
            ));
        }
        crate::budget::check_product(
            "settings.levels × settings.steps_per_level",
            &[self.levels as u64, self.steps_per_level as u64],
            crate::budget::MAX_SAMPLER_STEPS,
        )
    }
}

/// What the trained network depends on: a change needs a new network (Reset training).
/// Learning rate and batch apply to a running trainer and are not part of it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingGroup {
    pub objective: TrainObjective,
    pub width: usize,
    pub depth: usize,
    pub activation: crate::nn::Activation,
    pub train_sigma_min: f64,
    pub train_sigma_max: f64,
    pub train_levels: usize,
    pub threads: usize,
    pub conditional: bool,
    pub seed: u64,
}

/// What the sampler panes depend on: a change restarts them (same seed, same particles).
#[derive(Clone, Debug, PartialEq)]
pub struct SamplersGroup {
    pub sampler_a: SamplerKind,
    pub sampler_b: SamplerKind,
    pub compare: bool,
    pub particles: usize,
    pub eps: f64,
    pub steps_per_level: usize,
    pub levels: usize,
    pub sampler_sigma_max: f64,
    pub sampler_sigma_min: f64,
    pub init_uniform: f64,
    pub use_learned: bool,
    pub seed: u64,
}

/// Guidance towards a class (MATH §4.10); it changes the samplers and the drawn field.
#[derive(Clone, Debug, PartialEq)]
pub struct GuidanceGroup {
    pub guidance_class: Option<usize>,
    pub guidance_scale: f64,
    pub guided_field: GuidedField,
}

impl Settings {
    /// The training group (see [`TrainingGroup`]).
    pub fn training_group(&self) -> TrainingGroup {
        TrainingGroup {
            objective: self.objective,
            width: self.width,
            depth: self.depth,
            activation: self.activation,
            train_sigma_min: self.train_sigma_min,
            train_sigma_max: self.train_sigma_max,
            train_levels: self.train_levels,
            threads: self.threads,
            conditional: self.conditional,
            seed: self.seed,
        }
    }

    /// The samplers group (see [`SamplersGroup`]).
    pub fn samplers_group(&self) -> SamplersGroup {
        SamplersGroup {
            sampler_a: self.sampler_a,
            sampler_b: self.sampler_b,
            compare: self.compare,
            particles: self.particles,
            eps: self.eps,
            steps_per_level: self.steps_per_level,
            levels: self.levels,
            sampler_sigma_max: self.sampler_sigma_max,
            sampler_sigma_min: self.sampler_sigma_min,
            init_uniform: self.init_uniform,
            use_learned: self.use_learned,
            seed: self.seed,
        }
    }

    /// The guidance group (see [`GuidanceGroup`]).
    pub fn guidance_group(&self) -> GuidanceGroup {
        GuidanceGroup {
            guidance_class: self.guidance_class,
            guidance_scale: self.guidance_scale,
            guided_field: self.guided_field,
        }
    }
}
