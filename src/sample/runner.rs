//! Runs a [`Plan`] on particles: fixed-size chunks in parallel, ops in order, trajectories
//! recorded at a stride. The UI steps a run a few ops per frame; the CLI runs it to the end.

use super::op::{Op, Scratch, StepCtx};
use super::plan::Plan;
use super::source::ScoreSource;
use crate::geom::Point;
use rayon::prelude::*;
use std::time::Instant;

/// Particles per chunk. Fixed, so results never depend on the thread count.
pub const CHUNK: usize = 256;

/// Steps per call when a run goes to its end unrecorded.
const RUN_BLOCK: usize = 4096;

/// The particles still alive (a diverged particle keeps its last position but is not a sample).
pub fn live_points(xs: &[Point], alive: &[bool]) -> Vec<Point> {
    xs.iter()
        .zip(alive)
        .filter(|(_, a)| **a)
        .map(|(p, _)| *p)
        .collect()
}

/// The samples CSV of `sample` and the app's export: `x,y,particle,diverged`, one row per
/// particle in order (a diverged particle at its last finite position, `diverged` 1).
pub fn write_samples_csv(
    w: &mut dyn std::io::Write,
    xs: &[Point],
    alive: &[bool],
) -> std::io::Result<()> {
    writeln!(w, "x,y,particle,diverged")?;
    for (i, (p, a)) in xs.iter().zip(alive).enumerate() {
        writeln!(w, "{},{},{i},{}", p.x, p.y, u8::from(!a))?;
    }
    Ok(())
}

/// Positions of every particle at recorded steps.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trajectories {
    /// `(step, positions, alive)` per recorded frame; step 0 is the initial state.
    pub frames: Vec<(usize, Vec<Point>, Vec<bool>)>,
}

/// A sampler run in progress.
pub struct SamplerRun {
    plan: Plan,
    seed: u64,
    xs: Vec<Point>,
    alive: Vec<bool>,
    cursor: usize,
    score_evals: u64,
    wall_s: f64,
}

impl SamplerRun {
    /// `n_particles` particles drawn from the plan's initial distribution with `seed`.
    pub fn new(plan: Plan, n_particles: usize, seed: u64) -> SamplerRun {
        let xs = plan.init.particles(seed, n_particles);
        SamplerRun::from_particles(plan, xs, seed)
    }

    /// Starts from given particles (to share them between two samplers).
    pub fn from_particles(plan: Plan, xs: Vec<Point>, seed: u64) -> SamplerRun {
        let alive = xs.iter().map(crate::geom::is_finite).collect();
        SamplerRun {
            plan,
            seed,
            xs,
            alive,
            cursor: 0,
            score_evals: 0,
            wall_s: 0.0,
        }
    }

    /// Puts the run back to a recorded state: the particles and alive flags after `cursor`
    /// steps. Noise is keyed by (seed, particle, step), so running on from here repeats the
    /// original run step for step.
    pub fn restore(&mut self, xs: &[Point], alive: &[bool], cursor: usize) {
        self.xs = xs.to_vec();
        self.alive = alive.to_vec();
        self.cursor = cursor.min(self.plan.ops.len());
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    pub fn positions(&self) -> &[Point] {
        &self.xs
    }

    /// `false` for particles that diverged.
    pub fn alive(&self) -> &[bool] {
        &self.alive
    }

    /// Ops applied so far.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn is_done(&self) -> bool {
        self.cursor >= self.plan.ops.len()
    }

    pub fn score_evals(&self) -> u64 {
        self.score_evals
    }

    /// Seconds spent in [`SamplerRun::advance`].
    pub fn wall_s(&self) -> f64 {
        self.wall_s
    }

    pub fn diverged_fraction(&self) -> f64 {
        let dead = self.alive.iter().filter(|a| !**a).count();
        dead as f64 / self.alive.len().max(1) as f64
    }

    /// Adds particles (a click in the app); they join at the current step. Their noise keys are
    /// their new indices, so existing particles keep their noise.
    pub fn inject(&mut self, points: &[Point]) {
        for p in points {
            self.alive.push(crate::geom::is_finite(p));
            self.xs.push(*p);
        }
    }

    /// Applies up to `n_ops` more ops; returns how many were applied.
    pub fn advance(&mut self, source: &dyn ScoreSource, n_ops: usize) -> usize {
        let start = Instant::now();
        let end = self.cursor.saturating_add(n_ops).min(self.plan.ops.len());
        let ops: Vec<Op> = self.plan.ops.range(self.cursor, end).copied().collect();
        let (seed, escape, first_step) = (self.seed, self.plan.escape, self.cursor as u64);
        let evals: u64 = self
            .xs
            .par_chunks_mut(CHUNK)
            .zip(self.alive.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(c, (xs, alive))| {
                let mut scratch = Scratch::sized(xs.len());
                let mut evals = 0;
                for (k, op) in ops.iter().enumerate() {
                    let ctx = StepCtx {
                        source,
                        seed,
                        step: first_step + k as u64,
                        first_particle: (c * CHUNK) as u64,
                        escape,
                    };
                    evals += op.apply(xs, alive, &mut scratch, &ctx);
                }
                evals
            })
            .sum();
        self.score_evals += evals;
        let done = end - self.cursor;
        self.cursor = end;
        self.wall_s += start.elapsed().as_secs_f64();
        done
    }

    /// Runs to the end, recording every `stride` ops (and the first and last state) if asked.
    pub fn run_to_end(&mut self, source: &dyn ScoreSource, stride: Option<usize>) -> Trajectories {
        let mut traj = Trajectories::default();
        let Some(stride) = stride.map(|s| s.max(1)) else {
            // In blocks, so the ops in flight stay few however long the plan.
            while !self.is_done() {
                self.advance(source, RUN_BLOCK);
            }
            return traj;
        };
        traj.frames
            .push((self.cursor, self.xs.clone(), self.alive.clone()));
        while !self.is_done() {
            self.advance(source, stride);
            traj.frames
                .push((self.cursor, self.xs.clone(), self.alive.clone()));
        }
        traj
    }
}
