//! The window around the app: the egui context the workers wake, the theme and zoom of
//! presenter mode, where the field plot is on screen, and the "save a screenshot and close"
//! request of `--screenshot`.

use crate::live::latest::Wake;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A pending "save a screenshot and close" request.
struct ScreenshotRequest {
    path: PathBuf,
    not_before: Instant,
    frames_left: u32,
    requested: bool,
    done: Arc<Mutex<Option<Result<(), String>>>>,
}

#[derive(Default)]
pub struct Shell {
    ctx: Arc<OnceLock<egui::Context>>,
    screenshot: Option<ScreenshotRequest>,
    applied_theme: Option<(bool, bool)>,
    /// The left field plot's transform after the last frame (data ↔ screen).
    pub plot_transform: Option<egui_plot::PlotTransform>,
    /// Where the control panel was in the last frame (keys are off while the pointer is there).
    pub controls_rect: Option<egui::Rect>,
    /// Where the metrics strip was in the last frame.
    pub metrics_rect: Option<egui::Rect>,
    /// `--measure-frames`: frame statistics, printed at the end.
    pub frame_stats: Option<super::frame_stats::FrameStats>,
}

impl Shell {
    pub fn new(screenshot: Option<PathBuf>) -> Shell {
        Shell {
            screenshot: screenshot.map(|path| ScreenshotRequest {
                path,
                not_before: Instant::now(),
                frames_left: 8,
                requested: false,
                done: Arc::new(Mutex::new(None)),
            }),
            ..Shell::default()
        }
    }

    /// A repaint request for the workers (a no-op until the first frame).
    pub fn wake(&self) -> Wake {
        let ctx = self.ctx.clone();
        Arc::new(move || {
            if let Some(c) = ctx.get() {
                c.request_repaint();
            }
        })
    }

    /// Remembers the context (first frame) and applies the theme and presenter zoom.
    pub fn begin_frame(&mut self, ctx: &egui::Context, dark: bool, presenter: bool) {
        if self.ctx.set(ctx.clone()).is_ok() {
            super::fonts::install(ctx);
        }
        if self.applied_theme != Some((dark, presenter)) {
            ctx.set_visuals(if dark {
                egui::Visuals::dark()
            } else {
                egui::Visuals::light()
            });
            ctx.set_zoom_factor(if presenter { 1.6 } else { 1.0 });
            self.applied_theme = Some((dark, presenter));
        }
    }

    /// Takes the pending screenshot no sooner than `seconds` from now.
    pub fn delay_screenshot(&mut self, seconds: f64) {
        if let Some(r) = &mut self.screenshot {
            r.not_before = Instant::now() + Duration::from_secs_f64(seconds.clamp(0.0, 600.0));
        }
    }

    /// Whether the pointer is over the control panel.
    pub fn pointer_over_controls(&self, ctx: &egui::Context) -> bool {
        let pointer = ctx.input(|i| i.pointer.hover_pos());
        matches!((pointer, self.controls_rect), (Some(p), Some(r)) if r.contains(p))
    }

    /// How much wider than the data's square the heat grid must be to fill the field plot, in
    /// quarters (`ceil(4 max(w/h, h/w))`, at least 4).
    pub fn frame_fit_quarters(&self) -> u32 {
        let Some(t) = &self.plot_transform else {
            return 4;
        };
        let f = t.frame();
        let aspect = f64::from(f.width() / f.height().max(1.0));
        let fit = aspect.max(1.0 / aspect.max(1e-3));
        ((4.0 * fit).ceil() as u32).clamp(4, 16)
    }

    /// Drives a pending screenshot once the field is drawn: wait a few frames, request it,
    /// close once it is saved.
    pub fn screenshot_step(&mut self, ctx: &egui::Context, field_drawn: bool) {
        let Some(req) = &mut self.screenshot else {
            return;
        };
        let outcome = req.done.lock().map(|mut d| d.take()).unwrap_or(None);
        if let Some(result) = outcome {
            match result {
                Ok(()) => println!("screenshot saved to {}", req.path.display()),
                Err(e) => eprintln!("error: {e}"),
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if !field_drawn || Instant::now() < req.not_before {
            ctx.request_repaint_after(Duration::from_millis(20));
            return;
        }
        if req.frames_left > 0 {
            req.frames_left -= 1;
        } else if !req.requested {
            req.requested = true;
            let (path, done) = (req.path.clone(), req.done.clone());
            ctx.request_screenshot(move |image| {
                let result = super::screenshot::save_png(&image, &path);
                if let Ok(mut d) = done.lock() {
                    *d = Some(result);
                }
            });
        }
        ctx.request_repaint();
    }
}
