//! The sampler panes: the worker, its newest view, the particles' trails, and the key of the
//! run on screen. Whenever the key the settings ask for differs (data, sampler settings,
//! guidance, the panes' score), the panes restart at once from the same seed.

use crate::data::Dataset;
use crate::geom::Point;
use crate::live::latest::Wake;
use crate::live::sampler_worker::{
    PaneSetup, SamplerCommand, SamplerSetup, SamplerView, SamplerWorker,
};
use crate::nn::ScoreModel;
use crate::scene::figures::{score_choice, target_weights};
use crate::scene::spec::PaneSpec;
use crate::session::Settings;
use crate::session::settings::SamplersGroup;
use std::collections::VecDeque;
use std::sync::Arc;

/// Particles whose trails are drawn, and trail length in ticks.
pub const TRAIL_PARTICLES: usize = 60;
pub const TRAIL_LEN: usize = 12;

/// What the panes on screen were started from.
#[derive(Clone, Debug, PartialEq)]
pub struct RunKey {
    pub data_version: u64,
    pub group: SamplersGroup,
    pub panes: Vec<PaneSpec>,
}

pub struct SamplerState {
    worker: SamplerWorker,
    pub view: SamplerView,
    pub trails: Vec<VecDeque<Vec<Point>>>,
    /// The key of the run on screen (`None` until the first start or after Reset).
    pub running: Option<RunKey>,
    /// Training step of the model last handed to the panes.
    model_sent_step: Option<u64>,
}

impl SamplerState {
    pub fn new(wake: Wake) -> SamplerState {
        SamplerState {
            worker: SamplerWorker::spawn(wake),
            view: SamplerView::default(),
            trails: Vec::new(),
            running: None,
            model_sent_step: None,
        }
    }

    pub fn send(&self, c: SamplerCommand) {
        self.worker.send(c);
    }

    /// Starts the panes of `key` from fresh particles (seed from the settings); panes that
    /// were playing keep playing.
    pub fn start(
        &mut self,
        key: RunKey,
        s: &Settings,
        data: &Arc<Dataset>,
        model: Option<Arc<ScoreModel>>,
    ) {
        let score = key
            .panes
            .first()
            .map(|p| score_choice(&p.score, model))
            .unwrap_or(crate::sample::ScoreChoice::Exact { guidance: None });
        let panes = key
            .panes
            .iter()
            .map(|p| PaneSetup {
                settings: s.sampler_settings(p.sampler),
                target_weights: target_weights(&p.target, data),
            })
            .collect::<Vec<_>>();
        self.trails = vec![VecDeque::new(); panes.len()];
        self.worker
            .send(SamplerCommand::Setup(Box::new(SamplerSetup {
                data: data.clone(),
                panes,
                particles: s.particles.max(1),
                seed: s.seed,
                score,
            })));
        self.worker.send(SamplerCommand::Speed(s.speed));
        self.model_sent_step = None;
        self.running = Some(key);
    }

    /// Takes the newest view and extends the trails; returns a worker error, if any.
    pub fn poll(&mut self) -> Option<String> {
        let v = self.worker.latest()?;
        self.trails.resize(v.panes.len(), VecDeque::new());
        for (trail, pane) in self.trails.iter_mut().zip(&v.panes) {
            trail.push_back(
                pane.positions
                    .iter()
                    .take(TRAIL_PARTICLES)
                    .copied()
                    .collect(),
            );
            while trail.len() > TRAIL_LEN {
                trail.pop_front();
            }
        }
        let error = v.error.clone();
        self.view = v;
        error
    }

    /// Hands the panes a newer model when they follow the learned score.
    pub fn offer_model(&mut self, step: u64, model: &Arc<ScoreModel>) {
        let learned = self.running.as_ref().is_some_and(|k| {
            k.panes
                .iter()
                .any(|p| matches!(p.score, crate::scene::spec::ScoreSpec::Learned { .. }))
        });
        if learned && self.model_sent_step != Some(step) {
            self.model_sent_step = Some(step);
            self.worker.send(SamplerCommand::SetModel(model.clone()));
        }
    }
}
