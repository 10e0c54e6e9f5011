//! The figures of a session, for files: one view (density, scores, error, Tweedie, samples) or
//! two sampler panes side by side. The view specification ([`super::spec`]) decides the score
//! each pane follows and what it is measured against, exactly as in the live view.

use super::layers::{FieldRequest, compute};
use super::spec::{self, ModelFacts, PaneSpec, ScoreSpec, SpecInputs, Target, ViewSpec};
use super::{PointLayer, Scene, field_scene};
use crate::data::Dataset;
use crate::metrics::{class_target, mode_report_against};
use crate::nn::ScoreModel;
use crate::sample::{ChosenScore, DataInfo, Plan, SamplerRun, ScoreChoice};
use crate::session::settings::Heatmap;
use crate::session::{Session, Settings};
use std::sync::Arc;

/// Pane colours: sampler A vermillion, sampler B sky blue (the live view's).
pub const PANE_COLOURS: [[u8; 3]; 2] = super::palette::PANE;

/// The heat grid of figures and the live view.
pub const HEAT_N: usize = 256;

/// The spec inputs of a session (its weights stand for a model at step 0).
pub fn session_inputs(data: &Dataset, model: Option<&ScoreModel>) -> SpecInputs {
    SpecInputs {
        data_version: 0,
        view_epoch: 0,
        components: data.mixture().map(|m| m.len()),
        model: model.map(|m| ModelFacts {
            step: 0,
            conditional: m.net.config.n_classes > 0,
        }),
        fisher_sigmas: Vec::new(),
        sampler_level: None,
        frame_fit_quarters: 4,
    }
}

/// The view spec of a session.
pub fn session_spec(session: &Session, data: &Dataset) -> ViewSpec {
    spec::view_spec(
        &session.settings,
        &session_inputs(data, session.model.as_ref()),
    )
}

/// The runtime score for a spec's score (a learned spec needs the model).
pub fn score_choice(score: &ScoreSpec, model: Option<Arc<ScoreModel>>) -> ScoreChoice {
    match (score, model) {
        (ScoreSpec::Learned { cfg }, Some(model)) => ScoreChoice::Learned { model, cfg: *cfg },
        (ScoreSpec::Exact { guidance }, _) => ScoreChoice::Exact {
            guidance: *guidance,
        },
        (ScoreSpec::Learned { .. }, None) => ScoreChoice::Exact { guidance: None },
    }
}

/// The weights a pane's mode report compares with.
pub fn target_weights(target: &Target, data: &Dataset) -> Option<Vec<f64>> {
    let m = data.mixture()?;
    match target {
        Target::Class(k) => Some(class_target(m.len(), *k)),
        Target::MixtureWeights | Target::Tempered(_) => Some(m.weights().to_vec()),
        Target::None => None,
    }
}

/// The views a figure can show: `slide` is what the app shows for the session (its own
/// layers and its sampler panes).
pub const VIEWS: [&str; 8] = [
    "density",
    "score-true",
    "score-model",
    "error",
    "tweedie",
    "samples",
    "compare",
    "slide",
];

/// The scene of one view.
pub fn view_scene(session: &Session, view: &str) -> Result<Scene, String> {
    view_scene_at(session, view, None)
}

/// The scene of one view with the field drawn at a sampler's `level` (or at the session's σ).
pub fn view_scene_at(
    session: &Session,
    view: &str,
    level: Option<crate::dist::NoiseLevel>,
) -> Result<Scene, String> {
    let data = Arc::new(session.dataset()?);
    let mut s = session.settings.clone();
    s.show_exact = false;
    s.show_learned = false;
    s.show_tweedie = false;
    s.heatmap = Heatmap::Density;
    let needs_model = matches!(view, "score-model" | "error");
    // A slide draws the learned layers only when the session carries weights.
    let slide_model = view == "slide" && session.model.is_some();
    if needs_model && session.model.is_none() {
        return Err(format!(
            "view {view} needs a trained model: give a model or a session with weights"
        ));
    }
    match view {
        "density" | "samples" | "compare" => {}
        "slide" => {
            let own = &session.settings;
            s.show_exact = own.show_exact;
            s.show_tweedie = own.show_tweedie;
            s.show_learned = own.show_learned && slide_model;
            s.heatmap = match own.heatmap {
                h @ (Heatmap::None | Heatmap::Density) => h,
                h if slide_model => h,
                _ => Heatmap::Density,
            };
        }
        "score-true" => s.show_exact = true,
        "score-model" => s.show_learned = true,
        "error" => {
            s.heatmap = Heatmap::Error;
            s.show_learned = true;
        }
        "tweedie" => {
            // A readable density of arrows, and the denoised points at their tips.
            s.show_tweedie = true;
            s.arrow_n = s.arrow_n.min(14);
        }
        other => {
            return Err(format!("view '{other}': use {}", VIEWS.join(", ")));
        }
    }
    let model = session.model.clone().filter(|_| needs_model || slide_model);
    let mut inputs = session_inputs(&data, model.as_ref());
    if level.is_some() {
        inputs.sampler_level = level;
        s.follow_level = true;
    }
    let field_spec = spec::field_spec(&s, &inputs);
    let field = compute(&FieldRequest::for_spec(
        &field_spec,
        data.clone(),
        super::view_of(&data),
        HEAT_N,
        model.map(Arc::new),
        0,
    ));
    let label = if session.title.is_empty() {
        s.preset.clone()
    } else {
        session.title.clone()
    };
    let title = if view == "slide" {
        format!("{label} · σ = {}", spec::sig3(field.sigma))
    } else {
        format!("{label} · {view} · σ = {}", spec::sig3(field.sigma))
    };
    let mut scene = field_scene(&field, &spec::layer_spec(&s), &title);
    if view == "tweedie" {
        scene.points.push(PointLayer {
            name: "denoised E[x₀|x]".into(),
            colour: super::palette::TWEEDIE_ARROWS,
            points: field
                .arrow_nodes
                .iter()
                .zip(&field.tweedie)
                .map(|(x, d)| x + d)
                .filter(crate::geom::is_finite)
                .collect(),
        });
    }
    if view == "samples" {
        let pane = session_spec(session, &data).panes.remove(0);
        add_samples(&mut scene, session, &data, &pane, PANE_COLOURS[0])?;
    }
    if view == "slide" && !session.settings.compare {
        // The slide keeps its own title; the sampler's line goes to its legend entry.
        let pane = session_spec(session, &data).panes.remove(0);
        add_samples(&mut scene, session, &data, &pane, PANE_COLOURS[0])?;
        if let Some(points) = scene.points.last_mut() {
            points.name = std::mem::replace(&mut scene.title, title);
        }
    }
    Ok(scene)
}

/// The scenes of a view: two panes (samplers A and B from the same particles and noise) for
/// `compare`, one otherwise.
pub fn view_scenes(session: &Session, view: &str) -> Result<Vec<Scene>, String> {
    let slide_compare = view == "slide" && session.settings.compare;
    if view != "compare" && !slide_compare {
        return Ok(vec![view_scene(session, view)?]);
    }
    let data = session.dataset()?;
    let base = view_scene(session, if slide_compare { "slide" } else { "density" })?;
    let mut compare = session.clone();
    compare.settings.compare = true;
    let panes = session_spec(&compare, &data).panes;
    let mut scenes = Vec::new();
    for (pane, colour) in panes.iter().zip(PANE_COLOURS) {
        let mut scene = base.clone();
        add_samples(&mut scene, session, &data, pane, colour)?;
        scenes.push(scene);
    }
    Ok(scenes)
}

/// Runs a pane's sampler to the end and adds its final particles and, for mixtures, its mode
/// bars and TV against the pane's target.
fn add_samples(
    scene: &mut Scene,
    session: &Session,
    data: &Dataset,
    pane: &PaneSpec,
    colour: [u8; 3],
) -> Result<(), String> {
    let (points, report) = run_pane(session, data, pane)?;
    let kind = pane.sampler.name();
    scene.title = format!(
        "{kind} · {}{}",
        pane.score.label(),
        report
            .as_ref()
            .map_or(String::new(), |r| format!(" · TV {:.3}", r.tv))
    );
    scene.modes = report.map(|r| super::ModeBars {
        colour,
        fractions: r.mode_fractions,
        targets: r.true_weights,
        tv: r.tv,
    });
    scene.points.push(PointLayer {
        name: kind.to_string(),
        colour,
        points,
    });
    Ok(())
}

/// The plan and score source of a pane of a session.
pub fn pane_run(
    session: &Session,
    data: &Dataset,
    pane: &PaneSpec,
) -> Result<(SamplerRun, ChosenScore), String> {
    let s = &session.settings;
    let source = ChosenScore {
        data: Arc::new(data.clone()),
        choice: score_choice(&pane.score, session.model.clone().map(Arc::new)),
    };
    let plan = Plan::build(
        &s.sampler_settings(pane.sampler),
        &DataInfo::of(data),
        &source,
    )?;
    check_run_budget(s, &plan)?;
    Ok((SamplerRun::new(plan, s.particles, s.seed), source))
}

/// Runs a pane to the end: the live particles and, for mixtures, the mode report against its
/// target.
fn run_pane(
    session: &Session,
    data: &Dataset,
    pane: &PaneSpec,
) -> Result<(Vec<crate::geom::Point>, Option<crate::metrics::ModeReport>), String> {
    let (mut run, source) = pane_run(session, data, pane)?;
    run.run_to_end(&source, None);
    let report = data
        .mixture()
        .zip(target_weights(&pane.target, data))
        .map(|(m, t)| mode_report_against(m, &t, run.positions(), run.alive()));
    Ok((
        crate::sample::runner::live_points(run.positions(), run.alive()),
        report,
    ))
}

/// A headless sampler run must stay within the work budget (the app steps its runs per frame
/// and stays responsive, so it takes any session; a figure must finish).
fn check_run_budget(s: &Settings, plan: &Plan) -> Result<(), String> {
    crate::budget::check_product(
        "settings.particles × sampler steps",
        &[s.particles as u64, plan.ops.len() as u64],
        crate::budget::MAX_PARTICLE_STEPS,
    )
}
