//! Samplers stepping off the UI thread. One or two panes (compare mode) start from the same
//! particles with the same seed (common random numbers) and advance in lockstep; after each tick
//! the worker publishes a [`SamplerView`] (latest wins) and wakes the UI.

use crate::data::Dataset;
use crate::dist::NoiseLevel;
use crate::geom::Point;
use crate::metrics::{ModeReport, mode_report};
use crate::nn::ScoreModel;
use crate::sample::{
    DataInfo, EmpiricalScore, ExactMixtureScore, GuidedMixtureScore, LearnedScore, Plan,
    SamplerRun, SamplerSettings, ScoreSource,
};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError, bounded};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Time between ticks while playing.
const TICK: Duration = Duration::from_millis(16);

/// Which score the samplers follow.
#[derive(Clone)]
pub enum ScoreChoice {
    /// The exact (mixture) or empirical (points) score, with optional classifier guidance.
    Exact { guidance: Option<(usize, f64)> },
    /// A trained model, with optional classifier-free guidance `(class, scale)`.
    Learned {
        model: Arc<ScoreModel>,
        cfg: Option<(usize, f64)>,
    },
}

/// Everything a (re)start needs.
#[derive(Clone)]
pub struct SamplerSetup {
    pub data: Arc<Dataset>,
    pub panes: Vec<SamplerSettings>,
    pub particles: usize,
    pub seed: u64,
    pub score: ScoreChoice,
}

pub enum SamplerCommand {
    Setup(Box<SamplerSetup>),
    Play,
    Pause,
    Step(usize),
    /// Ops per tick.
    Speed(usize),
    Inject(Vec<Point>),
    /// A newer model for a learned score.
    SetModel(Arc<ScoreModel>),
    Shutdown,
}

/// One pane's state for drawing.
#[derive(Clone, Debug)]
pub struct PaneView {
    pub label: String,
    pub positions: Vec<Point>,
    pub alive: Vec<bool>,
    pub cursor: usize,
    pub total: usize,
    /// The noise level of the next step (equivalent sigma).
    pub sigma: f64,
    pub modes: Option<ModeReport>,
    pub score_evals: u64,
}

#[derive(Clone, Debug, Default)]
pub struct SamplerView {
    pub panes: Vec<PaneView>,
    pub playing: bool,
    pub error: Option<String>,
}

/// A score source that owns what it needs (the worker outlives any borrow).
struct OwnedSource {
    data: Arc<Dataset>,
    choice: ScoreChoice,
}

impl ScoreSource for OwnedSource {
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
        match self.choice {
            ScoreChoice::Exact { .. } => "exact".into(),
            ScoreChoice::Learned { .. } => "learned".into(),
        }
    }
}

pub struct SamplerWorker {
    commands: Sender<SamplerCommand>,
    views: Receiver<SamplerView>,
    thread: Option<JoinHandle<()>>,
}

impl SamplerWorker {
    pub fn spawn(wake: Arc<dyn Fn() + Send + Sync>) -> SamplerWorker {
        let (cmd_tx, cmd_rx) = bounded(64);
        let (view_tx, view_rx) = bounded(2);
        let oldest = view_rx.clone();
        let thread = std::thread::Builder::new()
            .name("scorefield-sampler".into())
            .spawn(move || {
                Worker {
                    state: None,
                    playing: false,
                    pending: 0,
                    speed: 10,
                    views: view_tx,
                    oldest,
                    wake,
                }
                .run(cmd_rx)
            })
            .ok();
        SamplerWorker {
            commands: cmd_tx,
            views: view_rx,
            thread,
        }
    }

    pub fn send(&self, c: SamplerCommand) {
        let _ = self.commands.send_timeout(c, Duration::from_millis(100));
    }

    /// The newest view, if one came since the last call.
    pub fn latest(&self) -> Option<SamplerView> {
        self.views.try_iter().last()
    }
}

impl Drop for SamplerWorker {
    fn drop(&mut self) {
        let _ = self.commands.send(SamplerCommand::Shutdown);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

struct Running {
    source: OwnedSource,
    runs: Vec<SamplerRun>,
    labels: Vec<String>,
}

struct Worker {
    state: Option<Running>,
    playing: bool,
    pending: usize,
    speed: usize,
    views: Sender<SamplerView>,
    oldest: Receiver<SamplerView>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl Worker {
    fn run(mut self, commands: Receiver<SamplerCommand>) {
        loop {
            let busy = (self.playing || self.pending > 0) && self.state.is_some();
            let wait = if busy {
                Duration::ZERO
            } else {
                Duration::from_millis(200)
            };
            match commands.recv_timeout(wait) {
                Ok(SamplerCommand::Shutdown) | Err(RecvTimeoutError::Disconnected) => return,
                Ok(c) => {
                    self.handle(c);
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if busy {
                let tick = Instant::now();
                let n = if self.pending > 0 {
                    self.pending.min(self.speed.max(1))
                } else {
                    self.speed.max(1)
                };
                self.pending = self.pending.saturating_sub(n);
                self.advance(n);
                self.publish(None);
                if let Some(rest) = TICK.checked_sub(tick.elapsed()) {
                    std::thread::sleep(rest);
                }
            }
        }
    }

    fn handle(&mut self, c: SamplerCommand) {
        match c {
            SamplerCommand::Setup(setup) => match start(*setup) {
                Ok(r) => {
                    self.state = Some(r);
                    self.pending = 0;
                    self.publish(None);
                }
                Err(e) => self.publish(Some(e)),
            },
            SamplerCommand::Play => self.playing = true,
            SamplerCommand::Pause => {
                self.playing = false;
                self.publish(None);
            }
            SamplerCommand::Step(n) => self.pending += n,
            SamplerCommand::Speed(s) => self.speed = s.max(1),
            SamplerCommand::Inject(points) => {
                if let Some(st) = &mut self.state {
                    st.runs.iter_mut().for_each(|r| r.inject(&points));
                    self.publish(None);
                }
            }
            SamplerCommand::SetModel(model) => {
                if let Some(st) = &mut self.state
                    && let ScoreChoice::Learned { cfg, .. } = st.source.choice
                {
                    st.source.choice = ScoreChoice::Learned { model, cfg };
                }
            }
            SamplerCommand::Shutdown => {}
        }
    }

    fn advance(&mut self, n: usize) {
        if let Some(st) = &mut self.state {
            for r in &mut st.runs {
                r.advance(&st.source, n);
            }
            if st.runs.iter().all(SamplerRun::is_done) {
                self.playing = false;
                self.pending = 0;
            }
        }
    }

    fn publish(&mut self, error: Option<String>) {
        let panes = self.state.as_ref().map_or_else(Vec::new, |st| {
            st.runs
                .iter()
                .zip(&st.labels)
                .map(|(r, label)| PaneView {
                    label: label.clone(),
                    positions: r.positions().to_vec(),
                    alive: r.alive().to_vec(),
                    cursor: r.cursor(),
                    total: r.plan().ops.len(),
                    sigma: r
                        .plan()
                        .ops
                        .get(r.cursor().min(r.plan().ops.len().saturating_sub(1)))
                        .map_or(0.0, |op| op.level().equivalent_sigma()),
                    modes: st
                        .source
                        .data
                        .mixture()
                        .map(|m| mode_report(m, r.positions(), r.alive())),
                    score_evals: r.score_evals(),
                })
                .collect()
        });
        let mut view = SamplerView {
            panes,
            playing: self.playing || self.pending > 0,
            error,
        };
        while let Err(e) = self.views.try_send(view) {
            match e {
                TrySendError::Full(v) => {
                    let _ = self.oldest.try_recv();
                    view = v;
                }
                TrySendError::Disconnected(_) => return,
            }
        }
        (self.wake)();
    }
}

/// Builds the panes: every plan from the same data, every run from the first plan's initial
/// particles and the same seed.
fn start(setup: SamplerSetup) -> Result<Running, String> {
    let source = OwnedSource {
        data: setup.data.clone(),
        choice: setup.score,
    };
    let info = DataInfo::of(&setup.data);
    let plans: Vec<Plan> = setup
        .panes
        .iter()
        .map(|s| Plan::build(s, &info, &source))
        .collect::<Result<_, _>>()?;
    let first = plans.first().ok_or("no sampler pane")?;
    let particles = first.init.particles(setup.seed, setup.particles.max(1));
    let labels = plans.iter().map(|p| p.kind.name().to_string()).collect();
    let runs = plans
        .into_iter()
        .map(|p| SamplerRun::from_particles(p, particles.clone(), setup.seed))
        .collect();
    Ok(Running {
        source,
        runs,
        labels,
    })
}
