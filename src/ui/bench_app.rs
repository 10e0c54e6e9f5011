//! `scorefield bench app`: the real app state machine without a window, on ring8 with the
//! default settings, training and both sampler panes playing, frames requested at 60 Hz for a
//! fixed time. One JSON object with what a lecturer feels:
//! - `train_steps_per_s` in the app, beside `bench_train_steps_per_s`, the same configuration
//!   trained alone just before, and their ratio;
//! - `field_refreshes_per_s` (new field layers arriving) and `sampler_steps_per_s` (pane steps
//!   per second, both panes together);
//! - `ui_ms_per_frame` (median, min, max: the UI thread's own work per frame, no rasterizer);
//! - `seconds_to_usable_field`: wall time from pressing play until the field worker's relative
//!   Fisher divergence of the learned score, averaged over the training levels, is ≤ 0.1
//!   (`null` if not within the run).

use super::app::ScorefieldApp;
use crate::session::Settings;
use crate::timing::summary;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The frame interval asked for (60 Hz).
const FRAME: Duration = Duration::from_micros(16_667);

/// Steps per second of the app's training configuration trained alone for `seconds`.
fn alone_steps_per_s(settings: &Settings, seconds: f64) -> Result<f64, String> {
    let data = crate::data::preset(&settings.preset)?.dataset();
    let data_state = super::state::DataState::new(data.clone());
    let config = super::state::training::train_config(settings, &data_state)?;
    let mut trainer = crate::train::Trainer::new(config, data)?;
    let start = Instant::now();
    let mut steps = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        trainer.step();
        steps += 1;
    }
    Ok(steps as f64 / start.elapsed().as_secs_f64())
}

pub fn run(seconds: f64) -> Result<Vec<Value>, String> {
    let settings = Settings {
        preset: "ring8".into(),
        ..Settings::default()
    };
    let alone = alone_steps_per_s(&settings, (seconds / 3.0).clamp(1.0, 3.0))?;
    let ctx = egui::Context::default();
    let mut app = ScorefieldApp::new(settings, None);
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1400.0, 900.0),
        )),
        ..Default::default()
    };
    let start = Instant::now();
    app.autoplay();
    let (mut ui_ms, mut refreshes, mut sampler_steps) = (Vec::new(), 0u64, 0u64);
    let mut last_field = None;
    let mut last_cursors: Vec<usize> = Vec::new();
    let mut usable_s = None;
    let mut next = start;
    while start.elapsed().as_secs_f64() < seconds {
        let t = Instant::now();
        ctx.run_ui(input(), |ui| app.frame_ui(ui))
            .textures_delta
            .clear();
        ui_ms.push(t.elapsed().as_secs_f64() * 1e3);
        if let Some(field) = app.field_result()
            && last_field != Some(field.id)
        {
            refreshes += 1;
            last_field = Some(field.id);
            let fisher = &field.fisher;
            let mean = fisher.iter().sum::<f64>() / fisher.len().max(1) as f64;
            if usable_s.is_none() && !fisher.is_empty() && mean <= 0.1 {
                usable_s = Some(start.elapsed().as_secs_f64());
            }
        }
        let cursors: Vec<usize> = app.sampler_view().panes.iter().map(|p| p.cursor).collect();
        for (now, before) in cursors.iter().zip(&last_cursors) {
            sampler_steps += now.saturating_sub(*before) as u64;
        }
        last_cursors = cursors;
        next += FRAME;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let in_app = app.train_step() as f64 / elapsed;
    let frames = ui_ms.len();
    let (median, min, max) = summary(ui_ms);
    Ok(vec![json!({
        "bench": "app",
        "impl": "scorefield",
        "preset": "ring8",
        "seconds": elapsed,
        "frames": frames,
        "train_steps_per_s": in_app,
        "bench_train_steps_per_s": alone,
        "train_ratio": in_app / alone,
        "field_refreshes_per_s": refreshes as f64 / elapsed,
        "sampler_steps_per_s": sampler_steps as f64 / elapsed,
        "ui_ms_per_frame_median": median,
        "ui_ms_per_frame_min": min,
        "ui_ms_per_frame_max": max,
        "seconds_to_usable_field": usable_s,
    })])
}
