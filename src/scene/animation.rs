//! Animations of a session, as scenes: a sampler pane's particles every few steps over the
//! density of the drawn field, or the sigma sweep of the field. The app's GIF export and
//! `scorefield animate` both come through here, with the pane's score (exact, learned, guided).

use super::figures::{PANE_COLOURS, pane_run, session_spec, view_scene, view_scene_at};
use super::spec::sig3;
use super::{PointLayer, Scene};
use crate::sample::SamplerKind;
use crate::session::Session;

/// What to animate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Animation {
    /// A sampler pane of the session (default: sampler A) with the session's score.
    Sampler(Option<SamplerKind>),
    /// The field from sampler sigma_max down to sigma_min.
    SigmaSweep,
}

impl Animation {
    /// `sigma-sweep`, a sampler name, or nothing (sampler A).
    pub fn parse(name: Option<&str>) -> Result<Animation, String> {
        match name {
            Some("sigma-sweep") => Ok(Animation::SigmaSweep),
            Some(kind) => Ok(Animation::Sampler(Some(SamplerKind::parse(kind)?))),
            None => Ok(Animation::Sampler(None)),
        }
    }
}

/// The frames of an animation of `session`.
pub fn frames(session: &Session, what: Animation, frames: usize) -> Result<Vec<Scene>, String> {
    match what {
        Animation::SigmaSweep => sigma_sweep(session, frames),
        Animation::Sampler(kind) => sampler_frames(session, kind, frames),
    }
}

/// The field at `frames` levels from sigma_max down to sigma_min.
fn sigma_sweep(session: &Session, frames: usize) -> Result<Vec<Scene>, String> {
    let s = &session.settings;
    let levels = crate::dist::SigmaSchedule::geometric(
        s.sampler_sigma_max,
        s.sampler_sigma_min.min(s.sampler_sigma_max),
        frames.max(1),
    )?;
    levels
        .sigmas()
        .iter()
        .map(|&sigma| {
            let mut one = session.clone();
            one.settings.sigma = sigma;
            one.settings.ddpm_t = None;
            view_scene(&one, "score-true")
        })
        .collect()
}

/// Particles every few steps of a sampler pane over the density at the sampler's current level
/// (annealed: sigma_i; SDE and ODE: sigma(t); DDPM and DDIM: abar_t). Each title names the
/// score, the step and that level.
fn sampler_frames(
    session: &Session,
    kind: Option<SamplerKind>,
    frames: usize,
) -> Result<Vec<Scene>, String> {
    let data = session.dataset()?;
    let mut pane = session_spec(session, &data).panes.remove(0);
    if let Some(kind) = kind {
        pane.sampler = kind;
    }
    let (mut run, source) = pane_run(session, &data, &pane)?;
    let stride = run.plan().ops.len().div_ceil(frames.max(2) - 1).max(1);
    let trajectories = run.run_to_end(&source, Some(stride));
    let plan = run.plan();
    let name = pane.sampler.name();
    let mut quiet = session.clone();
    quiet.settings.show_exact = false;
    // The field behind each frame is at the frame's own noise level; levels repeat (annealing
    // holds each for many steps), so each distinct level is computed once.
    let mut backgrounds: Vec<(u64, Scene)> = Vec::new();
    let mut frames = Vec::new();
    for (step, xs, alive) in &trajectories.frames {
        let level = plan
            .ops
            .get((*step).min(plan.ops.len().saturating_sub(1)))
            .map_or(crate::dist::NoiseLevel::CLEAN, |o| o.level());
        let key = level.equivalent_sigma().to_bits();
        let background = match backgrounds.iter().find(|(k, _)| *k == key) {
            Some((_, scene)) => scene.clone(),
            None => {
                let scene = view_scene_at(&quiet, "density", Some(level))?;
                backgrounds.push((key, scene.clone()));
                scene
            }
        };
        frames.push(sampler_frame(
            background,
            (name, pane.score.label()),
            (*step, plan.ops.len(), level.equivalent_sigma()),
            xs,
            alive,
        ));
    }
    Ok(frames)
}

/// One frame: the particles inside the view over the field at the frame's level. Particles that
/// left the view are counted in the title, not pinned to its edge.
fn sampler_frame(
    mut scene: Scene,
    (name, score): (&str, &str),
    (step, total, sigma): (usize, usize, f64),
    xs: &[crate::geom::Point],
    alive: &[bool],
) -> Scene {
    let b = scene.bounds;
    let live = crate::sample::runner::live_points(xs, alive);
    let inside: Vec<crate::geom::Point> = live
        .iter()
        .copied()
        .filter(|p| p.x >= b.x_min && p.x <= b.x_max && p.y >= b.y_min && p.y <= b.y_max)
        .collect();
    let outside = live.len() - inside.len();
    scene.title = format!(
        "{name} · {score} · step {step}/{total} · σ = {}{}",
        sig3(sigma),
        if outside > 0 {
            format!(" · {outside} outside the view")
        } else {
            String::new()
        }
    );
    scene.points = vec![PointLayer {
        name: name.to_string(),
        colour: PANE_COLOURS[0],
        points: inside,
    }];
    scene
}

/// Writes the animation of a session as a GIF.
pub fn write_animation(
    session: &Session,
    what: Animation,
    n_frames: usize,
    fps: u32,
    size: crate::render::files::FigureSize,
    out: &std::path::Path,
) -> Result<(), String> {
    crate::render::animation::check_gif(n_frames, size.width, size.height, fps)?;
    let scenes = frames(session, what, n_frames)?;
    crate::render::animation::write_gif(&scenes, size, fps, out)
}
