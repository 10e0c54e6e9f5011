//! The frames of a sampler run, kept so a slider can scrub it back and forth: every pane's
//! particles and alive flags every `stride` steps (and at the start and the end), in bounded
//! memory. Restoring a frame and running on repeats the original run, since the noise is keyed
//! by (seed, particle, step).

use crate::geom::Point;
use crate::sample::SamplerRun;

/// At most this many frames per run.
pub const MAX_FRAMES: usize = 300;
/// At most this many particle positions held over all frames and panes (about 70 MB).
pub const MAX_POINTS: usize = 4_000_000;

/// One recorded state: the step reached and each pane's particles.
#[derive(Clone, Debug)]
pub struct TimelineFrame {
    pub cursor: usize,
    pub panes: Vec<(Vec<Point>, Vec<bool>)>,
}

#[derive(Clone, Debug, Default)]
pub struct Timeline {
    stride: usize,
    frames: Vec<TimelineFrame>,
}

impl Timeline {
    /// A timeline for runs of `total_steps` steps, `particles` each, over `panes` panes.
    pub fn new(total_steps: usize, particles: usize, panes: usize) -> Timeline {
        let by_frames = total_steps.div_ceil(MAX_FRAMES);
        let by_memory = (total_steps
            .saturating_mul(particles)
            .saturating_mul(panes.max(1)))
        .div_ceil(MAX_POINTS);
        Timeline {
            stride: by_frames.max(by_memory).max(1),
            frames: Vec::new(),
        }
    }

    /// Steps between frames.
    pub fn stride(&self) -> usize {
        self.stride
    }

    pub fn len(&self) -> usize {
        self.frames.len()
    }

    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&TimelineFrame> {
        self.frames.get(i)
    }

    /// Steps from `cursor` to the next frame boundary.
    pub fn steps_to_next(&self, cursor: usize) -> usize {
        self.stride - cursor % self.stride
    }

    /// Records the runs' state if it is on a frame boundary (or the end) and is newer than the
    /// last frame; a frame at an earlier step drops the frames after it (the run was scrubbed
    /// back and runs on).
    pub fn record(&mut self, runs: &[SamplerRun]) {
        let Some(first) = runs.first() else {
            return;
        };
        let cursor = first.cursor();
        if cursor % self.stride != 0 && !first.is_done() {
            return;
        }
        self.frames.retain(|f| f.cursor < cursor);
        self.frames.push(TimelineFrame {
            cursor,
            panes: runs
                .iter()
                .map(|r| (r.positions().to_vec(), r.alive().to_vec()))
                .collect(),
        });
    }

    /// The frame at or just before `cursor`.
    pub fn index_at(&self, cursor: usize) -> usize {
        self.frames
            .iter()
            .rposition(|f| f.cursor <= cursor)
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stride_bounds_frames_and_memory() {
        assert_eq!(Timeline::new(1000, 1280, 2).stride(), 4);
        assert_eq!(Timeline::new(100, 10, 1).stride(), 1);
        // 1e6 steps of 20,000 particles in two panes: memory decides.
        let t = Timeline::new(1_000_000, 20_000, 2);
        assert!(1_000_000 / t.stride() * 40_000 <= MAX_POINTS + 40_000);
    }
}
