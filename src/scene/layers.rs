//! The layers of a field view at one noise level, computed from the data (and a model): density
//! of `q`, exact (or empirical) score, learned score, their error, Tweedie denoiser targets,
//! density contours, and the model's relative Fisher divergence per level. The live view computes
//! them on a worker thread; the exporters compute them directly.

use crate::data::Dataset;
use crate::dist::NoiseLevel;
use crate::field::FieldGrid;
use crate::geom::{Bounds, Point};
use crate::metrics::{relative_fisher, relative_fisher_against};
use crate::nn::ScoreModel;
use crate::sample::{LearnedScore, ScoreSource};
use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

/// What to compute.
#[derive(Clone)]
pub struct FieldRequest {
    pub id: u64,
    pub data: Arc<Dataset>,
    pub sigma: f64,
    /// Show the VP (DDPM) level `abar` instead of the VE `sigma`.
    pub vp_abar: Option<f64>,
    pub bounds: Bounds,
    pub heat_n: usize,
    pub arrow_n: usize,
    pub model: Option<Arc<ScoreModel>>,
    /// Classifier guidance `(class, gamma)` of the exact arrows (mixtures).
    pub guidance: Option<(usize, f64)>,
    /// Class and scale for a conditional model (classifier-free guidance); the error map and
    /// the relative Fisher then compare with the exact score under the same guidance.
    pub cfg: Option<(usize, f64)>,
    /// Levels for the relative Fisher report (empty: skip).
    pub fisher_sigmas: Vec<f64>,
    /// Compute the learned score's error on the heat grid (the error heatmaps need it; it is
    /// the costly part of a learned field, one network evaluation per heat cell).
    pub error_layer: bool,
}

/// The computed layers. Grids are row-major from `(x_min, y_min)`.
#[derive(Clone, Debug, Default)]
pub struct FieldResult {
    pub id: u64,
    pub sigma: f64,
    pub bounds: Option<Bounds>,
    pub heat_n: usize,
    /// Arrows per axis.
    pub arrow_n: usize,
    pub log_density: Vec<f64>,
    /// `|s_theta - s_exact|` on the heat grid (with a model).
    pub error: Vec<f64>,
    /// Arrow grid nodes and the exact, learned and Tweedie vectors at them.
    pub arrow_nodes: Vec<Point>,
    pub exact: Vec<Point>,
    pub learned: Vec<Point>,
    /// `E[x0 | x] - x` (MATH §5) from the exact score: `sigma^2 s(x)` (VE), or
    /// `(x + (1 - abar) s(x)) / sqrt(abar) - x` (VP).
    pub tweedie: Vec<Point>,
    pub fisher: Vec<f64>,
    /// Density contours at 50 %, 10 % and 1 % of the peak of `q`.
    pub contours: Vec<Vec<Point>>,
    pub compute_ms: f64,
}

impl FieldRequest {
    /// The request for a field spec over `bounds` (`model` is used only when the spec has
    /// learned layers).
    pub fn for_spec(
        spec: &super::spec::FieldSpec,
        data: Arc<Dataset>,
        bounds: Bounds,
        heat_n: usize,
        model: Option<Arc<ScoreModel>>,
        id: u64,
    ) -> FieldRequest {
        use super::spec::DrawnLevel;
        let (sigma, vp_abar) = match spec.level {
            DrawnLevel::Sigma(sigma) => (sigma, None),
            DrawnLevel::DdpmStep(t) => {
                let ddpm = crate::dist::DdpmSchedule::default_linear();
                (
                    ddpm.sigma(t.clamp(1, ddpm.n_steps())),
                    Some(ddpm.abar(t.clamp(1, ddpm.n_steps()))),
                )
            }
            DrawnLevel::Vp(abar) => (
                crate::dist::NoiseLevel::Vp { abar }.equivalent_sigma(),
                Some(abar),
            ),
        };
        FieldRequest {
            id,
            data,
            sigma,
            vp_abar,
            bounds: bounds.scaled(f64::from(spec.frame_fit_quarters.max(4)) / 4.0),
            heat_n,
            arrow_n: spec.arrow_n,
            model: model.filter(|_| spec.learned.is_some()),
            guidance: spec.exact_guidance,
            cfg: spec.learned.and_then(|l| l.cfg),
            fisher_sigmas: spec.fisher_sigmas.clone(),
            error_layer: spec.error_layer,
        }
    }
}

/// Contour levels as fractions of the peak density.
const CONTOUR_FRACTIONS: [f64; 3] = [0.5, 0.1, 0.01];

/// The score of the data at `level` with optional classifier guidance, for points `xs`.
fn exact_scores(
    data: &Dataset,
    level: NoiseLevel,
    guidance: Option<(usize, f64)>,
    xs: &[Point],
) -> Vec<Point> {
    match (data, guidance) {
        (Dataset::Mixture(m), Some((k, g))) if k < m.len() => {
            let at = m.at_level(level);
            xs.iter().map(|x| at.guided_score(x, k, g)).collect()
        }
        _ => data
            .reference_field(level, xs)
            .into_iter()
            .map(|(_, s)| s)
            .collect(),
    }
}

/// The relative Fisher divergence per level of `source` against the exact score, or, under
/// guidance `(k, gamma)`, against the exact guided score on draws of class `k` (MATH §6).
fn fisher(
    source: &dyn ScoreSource,
    m: &crate::dist::GaussianMixture,
    cfg: Option<(usize, f64)>,
    sigmas: &[f64],
) -> Vec<f64> {
    match cfg {
        Some((class, gamma)) if class < m.len() => {
            let reference = crate::sample::GuidedMixtureScore {
                mixture: m,
                class,
                gamma,
            };
            let component = crate::dist::GaussianMixture::new(vec![m.components()[class]], &[1.0]);
            relative_fisher_against(source, &reference, &component, sigmas, 500, 3)
        }
        _ => relative_fisher(source, m, sigmas, 500, 3),
    }
}

/// Computes every layer of a request.
pub fn compute(req: &FieldRequest) -> FieldResult {
    let start = Instant::now();
    let floor = if req.data.mixture().is_some() {
        0.0
    } else {
        1e-3
    };
    let level = match req.vp_abar {
        Some(abar) => NoiseLevel::Vp {
            abar: abar.min(1.0 - floor * floor),
        },
        None => NoiseLevel::Ve {
            sigma: req.sigma.max(floor),
        },
    };
    let heat = FieldGrid::reference(&req.data, level, req.heat_n, req.bounds);
    let peak = heat
        .log_density
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let contours = CONTOUR_FRACTIONS
        .iter()
        .flat_map(|f| {
            crate::field::contour_lines(&heat.log_density, req.heat_n, &req.bounds, peak + f.ln())
        })
        .collect();
    let arrow_nodes = FieldGrid::nodes(req.arrow_n, &req.bounds);
    let exact: Vec<Point> = arrow_nodes
        .par_chunks(256)
        .flat_map_iter(|c| exact_scores(&req.data, level, req.guidance, c))
        .collect();
    let tweedie = arrow_nodes
        .iter()
        .zip(&exact)
        .map(|(x, s)| match level {
            NoiseLevel::Ve { sigma } => s * (sigma * sigma),
            NoiseLevel::Vp { abar } => (x + s * (1.0 - abar)) / abar.sqrt() - x,
        })
        .collect();
    let mut result = FieldResult {
        id: req.id,
        sigma: level.equivalent_sigma(),
        bounds: Some(req.bounds),
        heat_n: req.heat_n,
        arrow_n: req.arrow_n,
        log_density: heat.log_density,
        arrow_nodes,
        exact,
        tweedie,
        contours,
        ..FieldResult::default()
    };
    if let Some(model) = &req.model {
        let source = LearnedScore {
            model: model.clone(),
            class: req.cfg.map(|c| c.0),
            cfg_scale: req.cfg.map_or(1.0, |c| c.1),
        };
        let learned = |xs: &[Point]| -> Vec<Point> {
            xs.par_chunks(256)
                .flat_map_iter(|c| {
                    let mut out = vec![Point::zeros(); c.len()];
                    source.score_batch(level, c, &mut out);
                    out
                })
                .collect()
        };
        result.learned = learned(&result.arrow_nodes);
        let heat_learned = if req.error_layer {
            learned(&heat.points)
        } else {
            Vec::new()
        };
        // Like with like: a guided model is compared with the exact score under the same
        // guidance.
        let guided_reference = req
            .cfg
            .filter(|_| req.data.mixture().is_some())
            .map(|g| exact_scores(&req.data, level, Some(g), &heat.points));
        result.error = heat_learned
            .iter()
            .zip(guided_reference.as_ref().unwrap_or(&heat.score))
            .map(|(a, b)| (a - b).norm())
            .collect();
        if let Some(m) = req.data.mixture()
            && !req.fisher_sigmas.is_empty()
        {
            result.fisher = fisher(&source, m, req.cfg, &req.fisher_sigmas);
        }
    }
    result.compute_ms = start.elapsed().as_secs_f64() * 1e3;
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dist::{Gaussian2, GaussianMixture};

    /// For x0 ~ N(mu, s2 I) and x_t = sqrt(a) x0 + sqrt(1 - a) eps:
    /// E[x0 | x_t] = mu + sqrt(a) s2 / (a s2 + 1 - a) (x_t - sqrt(a) mu); VE: a = 1, 1 - a -> sigma^2.
    #[test]
    fn tweedie_arrows_match_the_gaussian_posterior_mean() {
        let (mu, s2) = (Point::new(1.0, -2.0), 0.7);
        let data = Arc::new(Dataset::Mixture(GaussianMixture::new(
            vec![Gaussian2::isotropic(mu, s2)],
            &[1.0],
        )));
        for (vp_abar, sigma) in [(None, 0.8), (Some(0.3), 0.0)] {
            let req = FieldRequest {
                id: 1,
                data: data.clone(),
                sigma,
                vp_abar,
                bounds: Bounds {
                    x_min: -3.0,
                    x_max: 3.0,
                    y_min: -3.0,
                    y_max: 3.0,
                },
                heat_n: 4,
                arrow_n: 5,
                model: None,
                guidance: None,
                cfg: None,
                fisher_sigmas: Vec::new(),
                error_layer: false,
            };
            let r = compute(&req);
            let (a, v) = match vp_abar {
                Some(a) => (a, 1.0 - a),
                None => (1.0, sigma * sigma),
            };
            for (x, d) in r.arrow_nodes.iter().zip(&r.tweedie) {
                let posterior = mu + (x - mu * a.sqrt()) * (a.sqrt() * s2 / (a * s2 + v));
                assert!((x + d - posterior).norm() < 1e-9, "{vp_abar:?} at {x:?}");
            }
        }
    }
}
