//! `scorefield bench frame`: the CPU work behind one frame while a model trains, in three parts.
//! - `ui_frame`: the UI thread's frame of the real app, headless (poll workers, rebuild the
//!   heatmap texture from the newest field, build every plot item, lay out every panel);
//! - `field_refresh`: one recomputation of the field layers at 256x256 (density, contours) with
//!   32x32 exact and learned arrows and the relative Fisher at ten levels, and again with the
//!   learned error on the heat grid (the error heatmaps). The field worker does this off the UI
//!   thread, at most every 100 ms while training runs;
//! - `sampler_step`: one annealed Langevin step of 5,000 particles with the learned score (on the
//!   sampler thread).
//!
//! A trainer (NCSN DSM, 3-128-128-128-2, batch 512, one thread) runs throughout.

use super::app::ScorefieldApp;
use crate::data::preset;
use crate::dist::NoiseLevel;
use crate::geom::Point;
use crate::live::field_worker::{FieldRequest, compute};
use crate::sample::{LearnedScore, ScoreSource};
use crate::session::Settings;
use crate::timing::{summary, time_ms};
use crate::train::{TrainConfig, Trainer};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

fn line(bench: &str, ms: Vec<f64>, extra: Value) -> Value {
    let (median, min, max) = summary(ms);
    let mut v = json!({
        "bench": bench,
        "impl": "scorefield",
        "threads": 2,
        "ms_per_frame_median": median,
        "ms_per_frame_min": min,
        "ms_per_frame_max": max,
    });
    if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
        m.extend(e);
    }
    v
}

pub fn run(frames: usize) -> Result<Vec<Value>, String> {
    let data = preset("ring8")?.dataset();
    let config = TrainConfig::ncsn_default(crate::dist::SigmaSchedule::geometric(8.0, 0.1, 10)?);
    let mut trainer = Trainer::new(config, data.clone())?;
    for _ in 0..50 {
        trainer.step();
    }
    let model = Arc::new(trainer.model());
    // Keep training in the background while measuring.
    let stop = Arc::new(AtomicBool::new(false));
    let trainer = Arc::new(Mutex::new(trainer));
    let background = {
        let (stop, trainer) = (stop.clone(), trainer.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(mut t) = trainer.lock() {
                    t.step();
                }
            }
        })
    };
    let data = Arc::new(data);
    let view = crate::scene::view_of(&data);
    // The live view's refresh while training: density and contours on the 256x256 grid,
    // exact and learned arrows on 32x32, the relative Fisher at ten levels.
    let request = FieldRequest {
        id: 1,
        data: data.clone(),
        sigma: 0.5,
        vp_abar: None,
        bounds: view,
        heat_n: 256,
        arrow_n: 32,
        model: Some(model.clone()),
        guidance: None,
        cfg: None,
        fisher_sigmas: crate::dist::SigmaSchedule::geometric(8.0, 0.1, 10)?
            .sigmas()
            .to_vec(),
        error_layer: false,
    };
    let field_ms = time_ms(frames.min(30), || {
        compute(&request);
    });
    // With the error heatmap: one network evaluation per heat cell as well.
    let with_error = FieldRequest {
        error_layer: true,
        ..request.clone()
    };
    let error_ms = time_ms(frames.min(15), || {
        compute(&with_error);
    });
    let source = LearnedScore::new(model.clone());
    let particles: Vec<Point> = data.sample(5000, 3);
    let step_ms = time_ms(frames, || {
        let mut out = vec![Point::zeros(); particles.len()];
        use rayon::prelude::*;
        particles
            .par_chunks(256)
            .zip(out.par_chunks_mut(256))
            .for_each(|(x, o)| source.score_batch(NoiseLevel::Ve { sigma: 0.5 }, x, o));
    });
    let ui_ms = ui_frames(frames)?;
    stop.store(true, Ordering::Relaxed);
    let _ = background.join();
    Ok(vec![
        line(
            "frame",
            ui_ms,
            json!({"part": "ui_frame", "heatmap": 256, "arrows": 32, "panes": 2, "particles": 1280, "window": "1400x900"}),
        ),
        line(
            "frame",
            field_ms,
            json!({"part": "field_refresh", "heatmap": 256, "arrows": 32, "error_layer": false, "fisher_levels": 10, "model": "3-128-128-128-2"}),
        ),
        line(
            "frame",
            error_ms,
            json!({"part": "field_refresh", "heatmap": 256, "arrows": 32, "error_layer": true, "fisher_levels": 10, "model": "3-128-128-128-2"}),
        ),
        line(
            "frame",
            step_ms,
            json!({"part": "sampler_step", "particles": 5000, "model": "3-128-128-128-2"}),
        ),
    ])
}

/// One headless frame; its texture updates are discarded (there is no GPU to apply them to).
fn frame(ctx: &egui::Context, input: egui::RawInput, app: &mut ScorefieldApp) {
    ctx.run_ui(input, |ui| app.frame_ui(ui))
        .textures_delta
        .clear();
}

/// Median-able times of the real app's frames in a headless egui context (no GPU).
fn ui_frames(frames: usize) -> Result<Vec<f64>, String> {
    let ctx = egui::Context::default();
    let mut app = ScorefieldApp::new(
        Settings {
            speed: 1,
            arrow_n: 32,
            ..Settings::default()
        },
        None,
    );
    let input = || egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1400.0, 900.0),
        )),
        ..Default::default()
    };
    let deadline = Instant::now() + std::time::Duration::from_secs(30);
    app.autoplay();
    while app.field_result().is_none() || app.sampler_view().panes.is_empty() {
        if Instant::now() > deadline {
            return Err("the app produced no field within 30 s".into());
        }
        frame(&ctx, input(), &mut app);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    Ok(time_ms(frames, || {
        app.invalidate_scene(); // rebuild the scene and texture every frame, as if a new field arrived
        frame(&ctx, input(), &mut app);
    }))
}
