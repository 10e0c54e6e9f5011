//! The trainer on a named background thread. The UI sends [`TrainerCommand`]s and receives
//! [`TrainerEvent`]s over bounded channels; snapshots (an `Arc` of the parameters and the latest
//! metrics) come at a steady rate while training runs, and every event calls the `wake` hook
//! (the UI's `request_repaint`). Dropping the handle stops and joins the thread.

use super::config::TrainConfig;
use super::trainer::Trainer;
use crate::data::Dataset;
use crate::nn::{Objective, ScoreModel};
use crate::worker_thread::WorkerThread;
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Interval between snapshots while running.
const SNAPSHOT_EVERY: Duration = Duration::from_millis(50);

pub enum TrainerCommand {
    Run,
    Pause,
    /// Runs this many steps, then pauses.
    Step(usize),
    /// Starts over with a new configuration and data set.
    Reset(Box<TrainConfig>, Box<Dataset>),
    SetLr(f64),
    SetBatch(usize),
    SetObjective(Objective),
    /// Continues with the same network on new data.
    SetData(Box<Dataset>),
    Shutdown,
}

/// The latest state of training, shared with the UI.
#[derive(Clone, Debug)]
pub struct TrainSnapshot {
    pub model: Arc<ScoreModel>,
    pub step: u64,
    pub loss: f64,
    pub loss_per_level: Vec<f64>,
    pub steps_per_s: f64,
    pub lr: f64,
    pub running: bool,
}

#[derive(Clone, Debug)]
pub enum TrainerEvent {
    Snapshot(Arc<TrainSnapshot>),
    /// A non-finite loss or gradient was caught at `step`; parameters restored, `lr` halved.
    RolledBack {
        step: u64,
        lr: f64,
    },
    Error(String),
}

pub use crate::worker_thread::Wake;

/// The training thread's handle (see [`WorkerThread`]).
pub type TrainerHandle = WorkerThread<TrainerCommand, TrainerEvent>;

impl WorkerThread<TrainerCommand, TrainerEvent> {
    /// Starts the worker, paused, with `config` on `data`.
    pub fn spawn(config: TrainConfig, data: Dataset, wake: Wake) -> Result<TrainerHandle, String> {
        TrainerHandle::spawn_from(config, data, None, wake)
    }

    /// Starts the worker from given parameters (or fresh ones).
    pub fn spawn_from(
        config: TrainConfig,
        data: Dataset,
        start: Option<&crate::nn::Mlp<f32>>,
        wake: Wake,
    ) -> Result<TrainerHandle, String> {
        let trainer = match start {
            Some(net) => Trainer::from_model(config, data, net)?,
            None => Trainer::new(config, data)?,
        };
        WorkerThread::start(
            "scorefield-trainer",
            "the trainer thread",
            || TrainerCommand::Shutdown,
            move |commands, events| Worker::new(trainer, events, wake).run(commands),
        )
    }
}

struct Worker {
    trainer: Trainer,
    events: Sender<TrainerEvent>,
    wake: Wake,
    running: bool,
    pending_steps: usize,
    last_snapshot: Instant,
    rate_steps: u64,
    rate_since: Instant,
    steps_per_s: f64,
    last_loss: f64,
    last_per_level: Vec<f64>,
}

impl Worker {
    fn new(trainer: Trainer, events: Sender<TrainerEvent>, wake: Wake) -> Worker {
        Worker {
            trainer,
            events,
            wake,
            running: false,
            pending_steps: 0,
            last_snapshot: Instant::now(),
            rate_steps: 0,
            rate_since: Instant::now(),
            steps_per_s: 0.0,
            last_loss: f64::NAN,
            last_per_level: Vec::new(),
        }
    }

    fn run(mut self, commands: Receiver<TrainerCommand>) {
        self.snapshot();
        loop {
            let busy = self.running || self.pending_steps > 0;
            let command = if busy {
                commands.try_recv().ok()
            } else {
                match commands.recv_timeout(Duration::from_millis(200)) {
                    Ok(c) => Some(c),
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            };
            if let Some(c) = command {
                if !self.handle(c) {
                    return;
                }
                continue;
            }
            self.train_one();
        }
    }

    /// Applies a command; `false` to stop.
    fn handle(&mut self, command: TrainerCommand) -> bool {
        match command {
            TrainerCommand::Run => self.running = true,
            TrainerCommand::Pause => {
                self.running = false;
                self.pending_steps = 0;
                self.snapshot();
            }
            TrainerCommand::Step(n) => self.pending_steps += n,
            TrainerCommand::Reset(config, data) => match Trainer::new(*config, *data) {
                Ok(t) => {
                    self.trainer = t;
                    self.pending_steps = 0;
                    self.last_loss = f64::NAN;
                    self.last_per_level.clear();
                    self.snapshot();
                }
                Err(e) => self.send(TrainerEvent::Error(e)),
            },
            TrainerCommand::SetLr(lr) if lr.is_finite() && lr > 0.0 => self.trainer.set_lr(lr),
            TrainerCommand::SetLr(lr) => self.send(TrainerEvent::Error(format!(
                "learning rate must be finite and > 0, got {lr}"
            ))),
            TrainerCommand::SetBatch(b) => self.trainer.set_batch(b),
            TrainerCommand::SetObjective(o) => {
                if let Err(e) = self.trainer.set_objective(o) {
                    self.send(TrainerEvent::Error(e));
                }
            }
            TrainerCommand::SetData(data) => {
                if let Err(e) = self.trainer.set_data(*data) {
                    self.send(TrainerEvent::Error(e));
                }
            }
            TrainerCommand::Shutdown => return false,
        }
        true
    }

    fn train_one(&mut self) {
        let outcome = self.trainer.step();
        self.pending_steps = self.pending_steps.saturating_sub(1);
        self.last_loss = outcome.loss;
        self.last_per_level = outcome.loss_per_level;
        if let Some(lr) = outcome.rolled_back {
            self.send(TrainerEvent::RolledBack {
                step: outcome.step,
                lr,
            });
        }
        self.rate_steps += 1;
        let elapsed = self.rate_since.elapsed().as_secs_f64();
        if elapsed > 0.5 {
            self.steps_per_s = self.rate_steps as f64 / elapsed;
            self.rate_steps = 0;
            self.rate_since = Instant::now();
        }
        let finished_steps = !self.running && self.pending_steps == 0;
        if finished_steps || self.last_snapshot.elapsed() >= SNAPSHOT_EVERY {
            self.snapshot();
        }
    }

    fn snapshot(&mut self) {
        let snap = TrainSnapshot {
            model: Arc::new(self.trainer.model()),
            step: self.trainer.step_count(),
            loss: self.last_loss,
            loss_per_level: self.last_per_level.clone(),
            steps_per_s: self.steps_per_s,
            lr: self.trainer.lr(),
            running: self.running || self.pending_steps > 0,
        };
        self.last_snapshot = Instant::now();
        // Latest wins: if the UI has not drained older snapshots, this one is skipped and the
        // next one (50 ms later) carries newer state.
        match self.events.try_send(TrainerEvent::Snapshot(Arc::new(snap))) {
            Ok(()) | Err(TrySendError::Full(_)) => {}
            Err(TrySendError::Disconnected(_)) => {}
        }
        (self.wake)();
    }

    fn send(&mut self, event: TrainerEvent) {
        let _ = self.events.send_timeout(event, Duration::from_millis(200));
        (self.wake)();
    }
}
