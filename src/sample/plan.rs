//! From user settings to a [`Plan`]: defaults of MATH §8, validated parameters, ops.

use super::init::{InitDist, InitSpec};
use super::op::Op;
use super::op_list::OpList;
use super::pc::CorrectorRule;
use super::plan_error::{PlanError, PlanParam};
use super::source::ScoreSource;
use super::vp::{DdpmVariance, TimestepSpacing};
use super::{langevin, pc, smld, ve_sde::VeSchedule, vp};
use crate::budget::MAX_SAMPLER_STEPS;
use crate::data::Dataset;
use crate::dist::noise_level::MAX_SIGMA;
use crate::dist::{DdpmSchedule, NoiseLevel, SigmaSchedule, max_pairwise_distance};
use crate::geom::{Bounds, Point};
use serde::{Deserialize, Serialize};

/// Every sampler of MATH §4, with its command-line name (also its name in session files; an
/// unknown name is an error that lists the known ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", try_from = "String")]
pub enum SamplerKind {
    GradientAscent,
    Langevin,
    Mala,
    AnnealedLangevin,
    Smld,
    VeSde,
    PfOdeEuler,
    PfOdeHeun,
    Ddpm,
    Ddim,
    Pc,
    PcVp,
}

impl SamplerKind {
    pub const ALL: [SamplerKind; 12] = [
        SamplerKind::GradientAscent,
        SamplerKind::Langevin,
        SamplerKind::Mala,
        SamplerKind::AnnealedLangevin,
        SamplerKind::Smld,
        SamplerKind::VeSde,
        SamplerKind::PfOdeEuler,
        SamplerKind::PfOdeHeun,
        SamplerKind::Ddpm,
        SamplerKind::Ddim,
        SamplerKind::Pc,
        SamplerKind::PcVp,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            SamplerKind::GradientAscent => "gradient-ascent",
            SamplerKind::Langevin => "langevin",
            SamplerKind::Mala => "mala",
            SamplerKind::AnnealedLangevin => "annealed-langevin",
            SamplerKind::Smld => "smld",
            SamplerKind::VeSde => "ve-sde",
            SamplerKind::PfOdeEuler => "pf-ode-euler",
            SamplerKind::PfOdeHeun => "pf-ode-heun",
            SamplerKind::Ddpm => "ddpm",
            SamplerKind::Ddim => "ddim",
            SamplerKind::Pc => "pc",
            SamplerKind::PcVp => "pc-vp",
        }
    }

    pub fn parse(name: &str) -> Result<SamplerKind, String> {
        Self::try_from(name.to_string())
    }
}

impl TryFrom<String> for SamplerKind {
    type Error = String;

    fn try_from(name: String) -> Result<SamplerKind, String> {
        SamplerKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = SamplerKind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown sampler '{name}'; known samplers: {}",
                    names.join(", ")
                )
            })
    }
}

impl SamplerKind {
    /// Samplers that sample the VP (DDPM) family and start from `N(0, I)`.
    pub fn is_vp(&self) -> bool {
        matches!(
            self,
            SamplerKind::Ddpm | SamplerKind::Ddim | SamplerKind::PcVp
        )
    }

    /// Samplers at one fixed level (no annealing).
    pub fn is_single_level(&self) -> bool {
        matches!(
            self,
            SamplerKind::GradientAscent | SamplerKind::Langevin | SamplerKind::Mala
        )
    }
}

/// What the user chose; `None` means the MATH §8 default.
#[derive(Clone, Debug, PartialEq)]
pub struct SamplerSettings {
    pub kind: SamplerKind,
    pub eps: Option<f64>,
    /// Steps (single-level samplers, SDE/ODE, DDPM/DDIM) or steps per level (annealed Langevin).
    pub n_steps: Option<usize>,
    pub n_levels: Option<usize>,
    pub sigma_max: Option<f64>,
    pub sigma_min: Option<f64>,
    pub init: Option<InitSpec>,
    /// Predictor-corrector signal-to-noise ratio.
    pub snr: f64,
    /// Half-width of the escape box.
    pub escape: f64,
    /// DDIM's `eta` in [0, 1] (0: deterministic; 1: DDPM with the posterior variance).
    pub ddim_eta: f64,
    /// Which DDPM time steps the VP samplers visit when they take fewer than `T`.
    pub spacing: TimestepSpacing,
    /// DDPM's ancestral noise variance.
    pub ddpm_variance: DdpmVariance,
    /// The VP corrector's step factor.
    pub corrector_rule: CorrectorRule,
    /// A final Tweedie denoising step at the level the sampler ends at (MATH §5).
    pub denoise: bool,
}

impl SamplerSettings {
    pub fn new(kind: SamplerKind) -> SamplerSettings {
        SamplerSettings {
            kind,
            eps: None,
            n_steps: None,
            n_levels: None,
            sigma_max: None,
            sigma_min: None,
            init: None,
            snr: 0.16,
            escape: 1e4,
            ddim_eta: 0.0,
            spacing: TimestepSpacing::Trailing,
            ddpm_variance: DdpmVariance::Beta,
            corrector_rule: CorrectorRule::Abar,
            denoise: false,
        }
    }
}

/// What the defaults need to know about the data.
#[derive(Clone, Debug, PartialEq)]
pub struct DataInfo {
    /// The largest pairwise distance of 1,000 data samples (MATH §1, §8).
    pub sigma_max_heuristic: f64,
    pub mean: Point,
    pub bounds: Bounds,
    /// The smallest component variance, for mixtures.
    pub min_variance: Option<f64>,
}

impl DataInfo {
    /// The default `sigma_max` (MATH §8): the data's largest pairwise distance, which must be
    /// positive: data whose points all coincide has none, and the message says what to do.
    pub fn default_sigma_max(&self) -> Result<f64, String> {
        let h = self.sigma_max_heuristic;
        if h.is_finite() && h > 0.0 {
            Ok(h)
        } else {
            Err(format!(
                "the data has no spread (its points coincide), so the default sigma_max, its \
                 largest pairwise distance, would be {h}; set sigma_max (--sigma-max)"
            ))
        }
    }

    /// Draws 1,000 samples (fixed seed) and measures them.
    pub fn of(data: &Dataset) -> DataInfo {
        let pts = data.sample(1000, 0x5eed);
        let bounds = Bounds::of_points(&pts).unwrap_or(Bounds {
            x_min: -1.0,
            x_max: 1.0,
            y_min: -1.0,
            y_max: 1.0,
        });
        DataInfo {
            sigma_max_heuristic: max_pairwise_distance(&pts),
            mean: data.mean(),
            bounds,
            min_variance: data.mixture().map(|m| m.min_variance()),
        }
    }
}

/// A compiled sampler: initial distribution, ops, and the effective parameters.
#[derive(Clone, Debug)]
pub struct Plan {
    pub kind: SamplerKind,
    pub init: InitDist,
    pub ops: OpList,
    pub escape: f64,
    /// The noise levels visited (sigma for VE, equivalent sigma for VP), largest first.
    pub levels: Vec<f64>,
    /// Effective parameters, for reports.
    pub params: serde_json::Value,
}

fn positive(param: PlanParam, value: f64) -> Result<f64, PlanError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(PlanError::NotPositive { param, value })
    }
}

fn at_least_one(param: PlanParam, v: usize) -> Result<usize, PlanError> {
    if v >= 1 {
        Ok(v)
    } else {
        Err(PlanError::TooFew { param, min: 1 })
    }
}

fn at_most_steps(param: PlanParam, n: usize) -> Result<usize, PlanError> {
    if n as u64 <= MAX_SAMPLER_STEPS {
        Ok(n)
    } else {
        Err(PlanError::OverLimit {
            param,
            value: n as u64,
            limit: MAX_SAMPLER_STEPS,
        })
    }
}

impl Plan {
    /// Builds the plan for a score source. Single-level samplers use the clean score where the
    /// source has one (exact mixtures) and sigma_min otherwise (MATH §8); MALA needs a density.
    pub fn build(
        s: &SamplerSettings,
        info: &DataInfo,
        source: &dyn ScoreSource,
    ) -> Result<Plan, PlanError> {
        if s.kind == SamplerKind::Mala && !source.has_density() {
            return Err(PlanError::NoDensity(source.label()));
        }
        let clean_score = source.has_clean_score();
        let sigma_min = positive(PlanParam::SigmaMin, s.sigma_min.unwrap_or(0.01))?;
        let sigma_max = match s.sigma_max {
            Some(v) => positive(PlanParam::SigmaMax, v)?,
            None => info.default_sigma_max()?,
        };
        if sigma_max < sigma_min {
            return Err(PlanError::SigmaOrder {
                max: sigma_max,
                min: sigma_min,
            });
        }
        if sigma_max > MAX_SIGMA {
            return Err(PlanError::TooLarge {
                param: PlanParam::SigmaMax,
                value: sigma_max,
                limit: MAX_SIGMA,
            });
        }
        if !(s.escape.is_finite() && s.escape > 0.0) {
            return Err(format!("escape box must be finite and > 0, got {}", s.escape).into());
        }
        let steps = |default: usize| {
            let n = at_least_one(PlanParam::Steps, s.n_steps.unwrap_or(default))?;
            at_most_steps(PlanParam::Steps, n)
        };
        let mut params = serde_json::json!({ "sampler": s.kind.name() });
        let (mut ops, levels) = match s.kind {
            k if k.is_single_level() => {
                let level = if clean_score {
                    NoiseLevel::CLEAN
                } else {
                    NoiseLevel::Ve { sigma: sigma_min }
                };
                let eps = positive(
                    PlanParam::Eps,
                    s.eps.unwrap_or(match info.min_variance {
                        Some(v) => 0.1 * v,
                        None => 0.01,
                    }),
                )?;
                let n = steps(1000)?;
                params["eps"] = eps.into();
                params["steps"] = n.into();
                params["sigma"] = level.equivalent_sigma().into();
                let ops = match k {
                    SamplerKind::GradientAscent => langevin::ascent_ops(eps, level, n),
                    SamplerKind::Langevin => langevin::langevin_ops(eps, level, n),
                    _ => langevin::repeated(Op::Mala { eps, level }, n),
                };
                (ops, vec![level.equivalent_sigma()])
            }
            SamplerKind::AnnealedLangevin => {
                let n_levels = at_least_one(PlanParam::Levels, s.n_levels.unwrap_or(10))?;
                let n = steps(100)?;
                let total = (n_levels as u64).saturating_mul(n as u64);
                if total > MAX_SAMPLER_STEPS {
                    return Err(PlanError::TooManySteps {
                        value: total,
                        limit: MAX_SAMPLER_STEPS,
                    });
                }
                let schedule = SigmaSchedule::geometric(sigma_max, sigma_min, n_levels)?;
                let eps = positive(PlanParam::Eps, s.eps.unwrap_or(0.2 * sigma_min * sigma_min))?;
                params["eps"] = eps.into();
                params["steps_per_level"] = n.into();
                params["sigmas"] = schedule.sigmas().to_vec().into();
                (
                    langevin::annealed_ops(eps, &schedule, n),
                    schedule.sigmas().to_vec(),
                )
            }
            SamplerKind::Smld => {
                let n_levels = s.n_levels.unwrap_or(1000);
                if n_levels < 2 {
                    return Err(PlanError::TooFew {
                        param: PlanParam::Levels,
                        min: 2,
                    });
                }
                at_most_steps(PlanParam::Levels, n_levels)?;
                let schedule = SigmaSchedule::geometric(sigma_max, sigma_min, n_levels)?;
                params["levels"] = n_levels.into();
                (smld::smld_ops(&schedule).into(), schedule.sigmas().to_vec())
            }
            SamplerKind::VeSde
            | SamplerKind::PfOdeEuler
            | SamplerKind::PfOdeHeun
            | SamplerKind::Pc => {
                let ve = VeSchedule {
                    sigma_min,
                    sigma_max,
                };
                let n = steps(if s.kind == SamplerKind::PfOdeHeun {
                    200
                } else {
                    1000
                })?;
                params["steps"] = n.into();
                let ops: OpList = match s.kind {
                    SamplerKind::VeSde => ve.reverse_sde_ops(n),
                    SamplerKind::PfOdeEuler => ve.pf_ode_euler_ops(n),
                    SamplerKind::PfOdeHeun => ve.pf_ode_heun_ops(n),
                    _ => {
                        params["snr"] = s.snr.into();
                        let arrivals: Vec<(NoiseLevel, f64)> = (1..=n)
                            .map(|i| {
                                let sigma = ve.sigma(1.0 - i as f64 / n as f64);
                                (NoiseLevel::Ve { sigma }, 1.0)
                            })
                            .collect();
                        pc::pc_ops(
                            ve.reverse_sde_ops(n),
                            &arrivals,
                            1,
                            positive(PlanParam::Snr, s.snr)?,
                        )
                    }
                }
                .into();
                let levels = ops.iter().map(|o| o.level().equivalent_sigma()).collect();
                (ops, levels)
            }
            SamplerKind::Ddpm | SamplerKind::Ddim | SamplerKind::PcVp => {
                let schedule = DdpmSchedule::default_linear();
                let n = steps(if s.kind == SamplerKind::Ddim {
                    100
                } else {
                    1000
                })?;
                let ts = vp::time_steps(&schedule, n, s.spacing);
                params["steps"] = (ts.len() - 1).into();
                params["ddpm_T"] = schedule.n_steps().into();
                params["spacing"] = s.spacing.name().into();
                let ops: OpList = match s.kind {
                    SamplerKind::Ddim => {
                        if !(0.0..=1.0).contains(&s.ddim_eta) {
                            return Err(PlanError::Eta(s.ddim_eta));
                        }
                        params["eta"] = s.ddim_eta.into();
                        vp::ddim_ops(&schedule, &ts, s.ddim_eta)
                    }
                    SamplerKind::Ddpm => {
                        params["variance"] = s.ddpm_variance.name().into();
                        vp::ddpm_ops(&schedule, &ts, s.ddpm_variance)
                    }
                    _ => {
                        params["snr"] = s.snr.into();
                        params["variance"] = s.ddpm_variance.name().into();
                        params["corrector_rule"] = s.corrector_rule.name().into();
                        let arrivals: Vec<(NoiseLevel, f64)> = ts[1..]
                            .iter()
                            .map(|&t| {
                                let abar = schedule.abar(t).min(1.0 - 1e-12);
                                let alpha = match s.corrector_rule {
                                    CorrectorRule::Abar => abar,
                                    CorrectorRule::OneMinusBeta if t > 0 => 1.0 - schedule.beta(t),
                                    CorrectorRule::OneMinusBeta => 1.0,
                                };
                                (NoiseLevel::Vp { abar }, alpha)
                            })
                            .collect();
                        let mut predictors = vp::ddpm_ops(&schedule, &ts, s.ddpm_variance);
                        let last = predictors.len() - 1;
                        // The last arrival is abar = 1 (t = 0): no corrector there.
                        let correctors = pc::pc_ops(
                            predictors.drain(..last).collect(),
                            &arrivals,
                            1,
                            positive(PlanParam::Snr, s.snr)?,
                        );
                        correctors.into_iter().chain(predictors).collect()
                    }
                }
                .into();
                let levels = ops.iter().map(|o| o.level().equivalent_sigma()).collect();
                (ops, levels)
            }
            _ => unreachable!("every sampler kind is handled above"),
        };
        if !s.kind.is_vp() && !s.kind.is_single_level() {
            params["sigma_max"] = sigma_max.into();
            params["sigma_min"] = sigma_min.into();
        }
        params["denoise"] = s.denoise.into();
        if s.denoise {
            let level = final_level(s.kind, &ops, sigma_min);
            params["denoise_sigma"] = level.equivalent_sigma().into();
            // At zero noise Tweedie's estimate is the point itself: no step.
            if level.noise_var() > 0.0 {
                ops.push(Op::Denoise { level });
            }
        }
        let init = resolve_init(s, info, sigma_max);
        params["init"] = format!("{init:?}").into();
        Ok(Plan {
            kind: s.kind,
            init,
            ops,
            escape: s.escape,
            levels,
            params,
        })
    }
}

/// The noise level the samples have after the last op: the single level of the fixed-level
/// samplers, `sigma_min` for the annealed and VE samplers, and `abar = 1` for the VP samplers
/// (where the final denoising step is then the identity).
fn final_level(kind: SamplerKind, ops: &OpList, sigma_min: f64) -> NoiseLevel {
    if kind.is_single_level() {
        ops.first().map_or(NoiseLevel::CLEAN, Op::level)
    } else if kind.is_vp() {
        NoiseLevel::Vp { abar: 1.0 }
    } else {
        NoiseLevel::Ve { sigma: sigma_min }
    }
}

/// The initial distribution: the user's, or the MATH §8 default for the sampler's family.
fn resolve_init(s: &SamplerSettings, info: &DataInfo, sigma_max: f64) -> InitDist {
    let center = if s.kind.is_vp() {
        Point::zeros()
    } else {
        info.mean
    };
    match s.init {
        Some(InitSpec::Uniform { lo, hi }) => InitDist::Uniform(Bounds {
            x_min: lo,
            x_max: hi,
            y_min: lo,
            y_max: hi,
        }),
        Some(InitSpec::Gaussian { std }) => InitDist::Gaussian { center, std },
        None if s.kind.is_vp() => InitDist::Gaussian { center, std: 1.0 },
        None if s.kind.is_single_level() => InitDist::Uniform(info.bounds.padded(0.1)),
        None => InitDist::Gaussian {
            center,
            std: sigma_max,
        },
    }
}
