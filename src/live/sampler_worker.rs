//! Samplers stepping off the UI thread. One or two panes (compare mode) start from the same
//! particles with the same seed (common random numbers) and advance in lockstep; after each tick
//! the worker publishes a [`SamplerView`] (latest wins) and wakes the UI.

use super::latest::{self, Latest, Publisher, Wake};
use crate::data::Dataset;
use crate::geom::Point;
use crate::metrics::{ModeReport, mode_report_against};
use crate::nn::ScoreModel;
use crate::sample::{ChosenScore, DataInfo, Plan, SamplerRun, SamplerSettings, ScoreChoice};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Time between ticks while playing.
const TICK: Duration = Duration::from_millis(13);

/// One pane of a (re)start: its sampler and the mode weights its particles should reach.
#[derive(Clone)]
pub struct PaneSetup {
    pub settings: SamplerSettings,
    /// The target of the mode report (the mixture's weights, or a guided class); none for
    /// point sets.
    pub target_weights: Option<Vec<f64>>,
}

/// Everything a (re)start needs.
#[derive(Clone)]
pub struct SamplerSetup {
    pub data: Arc<Dataset>,
    pub panes: Vec<PaneSetup>,
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
    /// Shows recorded frame `i` of the timeline in every pane (and pauses); playing runs on
    /// from there.
    Seek(usize),
    Shutdown,
}

/// One pane's state for drawing.
#[derive(Clone, Debug)]
pub struct PaneView {
    pub label: String,
    /// The score the pane follows ("exact", "learned CFG", ...).
    pub score: String,
    pub positions: Vec<Point>,
    pub alive: Vec<bool>,
    pub cursor: usize,
    pub total: usize,
    /// The noise level of the next step (equivalent sigma).
    pub sigma: f64,
    /// The noise level of the next step.
    pub level: crate::dist::NoiseLevel,
    pub modes: Option<ModeReport>,
    pub score_evals: u64,
}

#[derive(Clone, Debug, Default)]
pub struct SamplerView {
    pub panes: Vec<PaneView>,
    pub playing: bool,
    pub error: Option<String>,
    /// Recorded frames of the run, the frame at the panes' step, and the steps between frames.
    pub frames: usize,
    pub frame: usize,
    pub stride: usize,
}

pub struct SamplerWorker {
    commands: Sender<SamplerCommand>,
    views: Latest<SamplerView>,
    thread: Option<JoinHandle<()>>,
}

impl SamplerWorker {
    pub fn spawn(wake: Wake) -> SamplerWorker {
        let (cmd_tx, cmd_rx) = bounded(64);
        let (publisher, views) = latest::channel(wake);
        let thread = std::thread::Builder::new()
            .name("scorefield-sampler".into())
            .spawn(move || {
                Worker {
                    state: None,
                    playing: false,
                    pending: 0,
                    speed: 10,
                    views: publisher,
                }
                .run(cmd_rx)
            })
            .ok();
        SamplerWorker {
            commands: cmd_tx,
            views,
            thread,
        }
    }

    pub fn send(&self, c: SamplerCommand) {
        let _ = self.commands.send_timeout(c, Duration::from_millis(100));
    }

    /// The newest view, if one came since the last call.
    pub fn latest(&self) -> Option<SamplerView> {
        self.views.latest()
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
    source: ChosenScore,
    runs: Vec<SamplerRun>,
    timeline: super::timeline::Timeline,
    labels: Vec<String>,
    targets: Vec<Option<Vec<f64>>>,
}

struct Worker {
    state: Option<Running>,
    playing: bool,
    pending: usize,
    speed: usize,
    views: Publisher<SamplerView>,
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
            SamplerCommand::Setup(setup) => {
                match start(*setup) {
                    Ok(r) => {
                        self.state = Some(r);
                        self.pending = 0;
                        // Panes that were playing keep playing from the fresh start.
                        self.publish(None);
                    }
                    Err(e) => {
                        self.state = None;
                        self.playing = false;
                        self.publish(Some(e));
                    }
                }
            }
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
            SamplerCommand::Seek(i) => {
                if let Some(st) = &mut self.state
                    && let Some(frame) = st.timeline.get(i).cloned()
                {
                    for (r, (xs, alive)) in st.runs.iter_mut().zip(&frame.panes) {
                        r.restore(xs, alive, frame.cursor);
                    }
                    self.playing = false;
                    self.pending = 0;
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

    /// Advances every pane by `n` steps, recording the timeline's frames on the way.
    fn advance(&mut self, n: usize) {
        if let Some(st) = &mut self.state {
            let mut left = n;
            while left > 0 && !st.runs.iter().all(SamplerRun::is_done) {
                let cursor = st.runs.first().map_or(0, SamplerRun::cursor);
                let piece = left.min(st.timeline.steps_to_next(cursor));
                for r in &mut st.runs {
                    r.advance(&st.source, piece);
                }
                st.timeline.record(&st.runs);
                left -= piece;
            }
            if st.runs.iter().all(SamplerRun::is_done) {
                self.playing = false;
                self.pending = 0;
            }
        }
    }

    fn publish(&mut self, error: Option<String>) {
        let panes = self.state.as_ref().map_or_else(Vec::new, pane_views);
        let (frames, frame, stride) = self.state.as_ref().map_or((0, 0, 1), |st| {
            let cursor = st.runs.first().map_or(0, SamplerRun::cursor);
            (
                st.timeline.len(),
                st.timeline.index_at(cursor),
                st.timeline.stride(),
            )
        });
        self.views.publish(SamplerView {
            panes,
            playing: self.playing || self.pending > 0,
            error,
            frames,
            frame,
            stride,
        });
    }
}

fn pane_views(st: &Running) -> Vec<PaneView> {
    st.runs
        .iter()
        .zip(&st.labels)
        .zip(&st.targets)
        .map(|((r, label), target)| {
            let ops = &r.plan().ops;
            let level = ops
                .get(r.cursor().min(ops.len().saturating_sub(1)))
                .map_or(crate::dist::NoiseLevel::CLEAN, |op| op.level());
            PaneView {
                label: label.clone(),
                score: st.source.choice.label().to_string(),
                positions: r.positions().to_vec(),
                alive: r.alive().to_vec(),
                cursor: r.cursor(),
                total: ops.len(),
                sigma: level.equivalent_sigma(),
                level,
                modes: st
                    .source
                    .data
                    .mixture()
                    .zip(target.as_deref())
                    .map(|(m, t)| mode_report_against(m, t, r.positions(), r.alive())),
                score_evals: r.score_evals(),
            }
        })
        .collect()
}

/// Builds the panes: every plan from the same data, every run from the first plan's initial
/// particles and the same seed.
fn start(setup: SamplerSetup) -> Result<Running, String> {
    let source = ChosenScore {
        data: setup.data.clone(),
        choice: setup.score,
    };
    let info = DataInfo::of(&setup.data);
    let plans: Vec<Plan> = setup
        .panes
        .iter()
        .map(|p| Plan::build(&p.settings, &info, &source))
        .collect::<Result<_, _>>()
        .map_err(|e| e.in_app())?;
    let first = plans.first().ok_or("no sampler pane")?;
    let particles = first.init.particles(setup.seed, setup.particles.max(1));
    let labels = plans.iter().map(|p| p.kind.name().to_string()).collect();
    let runs: Vec<SamplerRun> = plans
        .into_iter()
        .map(|p| SamplerRun::from_particles(p, particles.clone(), setup.seed))
        .collect();
    let longest = runs.iter().map(|r| r.plan().ops.len()).max().unwrap_or(0);
    let mut timeline = super::timeline::Timeline::new(longest, particles.len(), runs.len());
    timeline.record(&runs);
    Ok(Running {
        source,
        timeline,
        runs,
        labels,
        targets: setup.panes.into_iter().map(|p| p.target_weights).collect(),
    })
}
