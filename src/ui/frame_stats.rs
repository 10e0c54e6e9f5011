//! `scorefield --measure-frames SECONDS`: the real app, window and renderer included, runs for
//! that long and prints one JSON line — the frame rate (median interval), the UI thread's CPU
//! time per frame (median) and how often a new field arrived — then closes. Under Xvfb with a
//! software renderer this is the frame rate a lecturer without a GPU sees.

use crate::timing::summary;
use std::time::{Duration, Instant};

pub struct FrameStats {
    duration: Duration,
    started: Option<Instant>,
    last_frame: Option<Instant>,
    intervals_ms: Vec<f64>,
    ui_ms: Vec<f64>,
    fields_at_start: u64,
    done: bool,
}

impl FrameStats {
    pub fn new(seconds: f64) -> FrameStats {
        FrameStats {
            duration: Duration::from_secs_f64(seconds.clamp(1.0, 600.0)),
            started: None,
            last_frame: None,
            intervals_ms: Vec::new(),
            ui_ms: Vec::new(),
            fields_at_start: 0,
            done: false,
        }
    }

    /// Records a frame whose UI work took `ui` (after a warm-up of one second); prints the
    /// summary and closes the window when the time is up.
    pub fn frame(&mut self, ctx: &egui::Context, ui: Duration, fields_received: u64) {
        let now = Instant::now();
        let started = *self.started.get_or_insert(now);
        if now - started < Duration::from_secs(1) {
            self.fields_at_start = fields_received;
            self.last_frame = Some(now);
            ctx.request_repaint();
            return;
        }
        if let Some(last) = self.last_frame {
            self.intervals_ms.push((now - last).as_secs_f64() * 1e3);
            self.ui_ms.push(ui.as_secs_f64() * 1e3);
        }
        self.last_frame = Some(now);
        if now - started >= self.duration + Duration::from_secs(1) && !self.done {
            self.done = true;
            let seconds = (now - started).as_secs_f64() - 1.0;
            println!("{}", self.report(fields_received, seconds));
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        ctx.request_repaint();
    }

    fn report(&self, fields_received: u64, seconds: f64) -> serde_json::Value {
        let (interval, _, worst) = summary(self.intervals_ms.clone());
        let (ui, _, ui_max) = summary(self.ui_ms.clone());
        serde_json::json!({
            "bench": "app_frames",
            "frames": self.intervals_ms.len(),
            "fps_median": 1e3 / interval,
            "frame_interval_ms_median": interval,
            "frame_interval_ms_max": worst,
            "ui_ms_per_frame_median": ui,
            "ui_ms_per_frame_max": ui_max,
            "field_refresh_hz": (fields_received - self.fields_at_start) as f64 / seconds,
        })
    }
}
