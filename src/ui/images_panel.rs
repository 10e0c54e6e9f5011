//! The image-scale panel: the GPU score network on MNIST-like images, in its own window. The
//! worker thread (and the GPU) start the first time the panel opens; without an adapter the
//! panel explains why and the rest of the app carries on.

use crate::gpu::models::{Arch, ModelSpec};
use crate::gpu::sampler::SampleSpec;
use crate::gpu::trainer::TrainSpec;
use crate::gpu::worker::{ImageCommand, ImageEvent, ImageSnapshot, ImageWorkerHandle};
use crate::images::DatasetSource;
use crate::images::grid::{Tiled, save_png, square_cols, tile};
use std::path::PathBuf;
use std::sync::Arc;

/// Where the worker stands.
#[derive(Clone, Debug, PartialEq)]
pub enum GpuStatus {
    Closed,
    Opening,
    Ready(String),
    NoAdapter(String),
    Stopped(String),
}

/// A picture shown in the panel and the values behind it.
struct Picture {
    texture: egui::TextureHandle,
    tiled: Tiled,
    caption: String,
}

pub struct ImagesPanel {
    pub open: bool,
    /// Build the network and run as soon as the adapter is ready (`--images --autoplay`).
    pub autostart: bool,
    worker: Option<ImageWorkerHandle>,
    pub status: GpuStatus,
    pub dataset: String,
    pub unet: bool,
    pub hidden: usize,
    pub channels: usize,
    pub batch: usize,
    pub lr: f32,
    pub conditional: bool,
    pub snapshot: Option<Arc<ImageSnapshot>>,
    /// (step, training loss, held-out loss) per snapshot since the network was built or loaded.
    pub history: Vec<[f64; 3]>,
    pub steps_per_level: usize,
    pub class: Option<u32>,
    pub cfg_scale: f32,
    pub auto_sample: bool,
    sampling: bool,
    /// When the last sampling request went out and how long the one before took: the live grid
    /// refreshes no more often than every max(5 s, 3 x sampling time), so sampling never
    /// starves training.
    sample_sent: Option<std::time::Instant>,
    sample_took: std::time::Duration,
    sample_seed: u32,
    pub ladder_index: usize,
    pub ckpt_path: String,
    pub export_path: String,
    samples: Option<Picture>,
    ladder: Option<Picture>,
    pub messages: Vec<String>,
    /// Results of PNG exports, which encode and write off the UI thread.
    exports: (
        std::sync::mpsc::Sender<String>,
        std::sync::mpsc::Receiver<String>,
    ),
}

impl Default for ImagesPanel {
    fn default() -> Self {
        ImagesPanel {
            open: false,
            autostart: false,
            worker: None,
            status: GpuStatus::Closed,
            dataset: "mnist5k".into(),
            unet: true,
            hidden: 1024,
            channels: 32,
            batch: 128,
            lr: 1e-3,
            conditional: true,
            snapshot: None,
            history: Vec::new(),
            steps_per_level: 20,
            class: None,
            cfg_scale: 1.0,
            auto_sample: true,
            sampling: false,
            sample_sent: None,
            sample_took: std::time::Duration::ZERO,
            sample_seed: 0,
            ladder_index: 0,
            ckpt_path: "scorefield-images.sfimg".into(),
            export_path: "scorefield-samples.png".into(),
            samples: None,
            ladder: None,
            messages: Vec::new(),
            exports: std::sync::mpsc::channel(),
        }
    }
}

impl ImagesPanel {
    /// Starts the worker the first time the panel is shown.
    fn ensure_worker(&mut self, ctx: &egui::Context) {
        if self.worker.is_some() || !matches!(self.status, GpuStatus::Closed) {
            return;
        }
        let c = ctx.clone();
        match ImageWorkerHandle::spawn(Arc::new(move || c.request_repaint())) {
            Ok(w) => {
                self.worker = Some(w);
                self.status = GpuStatus::Opening;
            }
            Err(e) => self.status = GpuStatus::NoAdapter(e),
        }
    }

    fn send(&mut self, c: ImageCommand) {
        if let Some(w) = &self.worker
            && let Err(e) = w.send(c)
        {
            self.messages.push(e);
        }
    }

    /// Applies the worker's events (every frame, open or not).
    pub fn poll(&mut self, ctx: &egui::Context) {
        self.messages.extend(self.exports.1.try_iter());
        let Some(w) = &self.worker else {
            return;
        };
        let mut autostart = false;
        for e in w.drain_events() {
            match e {
                ImageEvent::Ready { adapter } => {
                    if adapter.contains("Cpu") && self.snapshot.is_none() {
                        // A software adapter runs these shaders at 1-2 GFLOP/s: small defaults
                        // keep the panel live.
                        self.unet = false;
                        self.channels = 8;
                        self.hidden = 256;
                        self.batch = 64;
                        self.steps_per_level = 5;
                        self.messages.push(
                            "software adapter: small defaults (MLP 256, batch 64, 5 steps per level)"
                                .into(),
                        );
                    }
                    self.status = GpuStatus::Ready(adapter);
                    if self.autostart {
                        autostart = true;
                    }
                }
                ImageEvent::NoAdapter(m) => self.status = GpuStatus::NoAdapter(m),
                ImageEvent::Stopped(m) => {
                    self.messages.push(m.clone());
                    self.status = GpuStatus::Stopped(m);
                }
                ImageEvent::Snapshot(s) => {
                    let step = s.step as f64;
                    if self.history.last().is_some_and(|h| h[0] > step) {
                        self.history.clear();
                    }
                    if self.history.last().is_none_or(|h| h[0] < step) {
                        self.history.push([step, s.loss.mean, s.held_out.mean]);
                    }
                    self.snapshot = Some(s);
                }
                ImageEvent::Samples {
                    images,
                    n,
                    width,
                    height,
                    step,
                } => {
                    self.sampling = false;
                    self.sample_took = self.sample_sent.map_or(self.sample_took, |t| t.elapsed());
                    let t = tile(&images, width, height, square_cols(n), 2, 2);
                    let caption = format!("{n} samples at step {step}");
                    self.samples = Some(picture(ctx, "image samples", t, caption));
                }
                ImageEvent::Ladder {
                    noisy,
                    denoised,
                    sigmas,
                    width,
                    height,
                } => {
                    let mut both = noisy.to_vec();
                    both.extend(denoised.iter());
                    let t = tile(&both, width, height, sigmas.len(), 2, 2);
                    let caption = format!(
                        "top: held-out image {} + sigma z, sigma = {:.3} ... {:.3}; bottom: Tweedie x + sigma^2 s(x, sigma)",
                        self.ladder_index,
                        sigmas.first().copied().unwrap_or(0.0),
                        sigmas.last().copied().unwrap_or(0.0)
                    );
                    self.ladder = Some(picture(ctx, "noise ladder", t, caption));
                }
                ImageEvent::Saved(p) => self.messages.push(format!("saved {}", p.display())),
                ImageEvent::Error(e) => {
                    self.sampling = false;
                    self.messages.push(e);
                }
            }
        }
        if autostart {
            self.start();
            self.send(ImageCommand::Run);
        }
        // The live grid: a new batch of samples once the last one is in, training moved on and the
        // refresh interval has passed.
        let interval = (3 * self.sample_took).max(std::time::Duration::from_secs(5));
        if self.auto_sample
            && !self.sampling
            && self.sample_sent.is_none_or(|t| t.elapsed() >= interval)
            && let Some(s) = &self.snapshot
            && s.running
            && self
                .samples
                .as_ref()
                .is_none_or(|p| !p.caption.ends_with(&format!("step {}", s.step)))
        {
            self.request_samples();
        }
    }

    fn request_samples(&mut self) {
        let mut spec = SampleSpec::new(64);
        spec.steps_per_level = self.steps_per_level.max(1);
        spec.class = self.class;
        spec.cfg_scale = self.cfg_scale;
        self.sample_seed = self.sample_seed.wrapping_add(1);
        spec.seed = self.sample_seed;
        self.sampling = true;
        self.sample_sent = Some(std::time::Instant::now());
        self.send(ImageCommand::Sample(Box::new(spec)));
    }

    /// The caption of the sample grid shown, if any.
    pub fn samples_caption(&self) -> Option<&str> {
        self.samples.as_ref().map(|p| p.caption.as_str())
    }

    pub fn has_ladder(&self) -> bool {
        self.ladder.is_some()
    }

    fn start(&mut self) {
        let source = match DatasetSource::parse(self.dataset.trim()) {
            Ok(s) => s,
            Err(e) => {
                self.messages.push(e);
                return;
            }
        };
        let arch = if self.unet {
            Arch::Unet {
                channels: self.channels,
            }
        } else {
            Arch::Mlp {
                hidden: self.hidden,
            }
        };
        // The worker fixes the size and class count from the data.
        let model = ModelSpec {
            arch,
            width: 28,
            height: 28,
            classes: self.conditional as usize,
        };
        let mut spec = TrainSpec::new(model);
        spec.batch = self.batch.max(1);
        spec.lr = self.lr;
        self.samples = None;
        self.ladder = None;
        self.send(ImageCommand::Start {
            source,
            spec: Box::new(spec),
        });
    }

    /// The panel's window (when open).
    pub fn window(&mut self, ctx: &egui::Context) {
        if !self.open {
            return;
        }
        self.ensure_worker(ctx);
        let mut open = self.open;
        egui::Window::new("Images: score network on the GPU")
            .open(&mut open)
            .default_size([720.0, 640.0])
            .vscroll(true)
            .show(ctx, |ui| self.contents(ui));
        self.open = open;
    }

    fn contents(&mut self, ui: &mut egui::Ui) {
        match self.status.clone() {
            GpuStatus::Closed | GpuStatus::Opening => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Opening the GPU adapter and compiling the shaders…");
                });
                return;
            }
            GpuStatus::NoAdapter(m) => {
                ui.colored_label(egui::Color32::from_rgb(230, 120, 80), "No GPU adapter");
                ui.label(format!(
                    "{m}\n\nThe image trainer runs WGSL compute shaders through wgpu and needs an adapter: \
                     a Vulkan, Metal or DX12 GPU driver, or Mesa's software Vulkan driver \
                     (Debian/Ubuntu: apt install mesa-vulkan-drivers). The 2D part of scorefield \
                     does not need it and keeps working."
                ));
                return;
            }
            GpuStatus::Stopped(m) => {
                ui.colored_label(egui::Color32::from_rgb(230, 80, 80), m);
            }
            GpuStatus::Ready(adapter) => {
                ui.label(format!("Adapter: {adapter}"));
            }
        }
        self.setup_ui(ui);
        ui.separator();
        self.progress_ui(ui);
        ui.separator();
        self.files_ui(ui);
        ui.separator();
        self.ladder_ui(ui);
        ui.separator();
        self.samples_ui(ui);
        if !self.messages.is_empty() {
            ui.separator();
            for m in self.messages.iter().rev().take(3) {
                ui.colored_label(egui::Color32::from_rgb(230, 180, 60), m);
            }
            if ui.small_button("dismiss").clicked() {
                self.messages.clear();
            }
        }
    }

    fn setup_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("Data set");
            ui.add(egui::TextEdit::singleline(&mut self.dataset).desired_width(220.0))
                .on_hover_text("mnist5k (built in), idx:PATH (an idx3 images file), pngdir:PATH");
        });
        ui.horizontal(|ui| {
            ui.label("Architecture");
            ui.radio_value(&mut self.unet, false, "MLP");
            ui.radio_value(&mut self.unet, true, "U-Net");
            if self.unet {
                ui.add(egui::Slider::new(&mut self.channels, 4..=64).text("channels"));
            } else {
                ui.add(
                    egui::Slider::new(&mut self.hidden, 64..=2048)
                        .logarithmic(true)
                        .text("hidden"),
                );
            }
        });
        ui.horizontal(|ui| {
            ui.add(
                egui::Slider::new(&mut self.batch, 8..=512)
                    .logarithmic(true)
                    .text("batch"),
            );
            ui.add(
                egui::Slider::new(&mut self.lr, 1e-5..=1e-2)
                    .logarithmic(true)
                    .text("lr"),
            );
            ui.checkbox(&mut self.conditional, "class-conditional (p_uncond 0.15)");
        });
        ui.horizontal(|ui| {
            if ui.button("New network").clicked() {
                self.start();
            }
            let running = self.snapshot.as_ref().is_some_and(|s| s.running);
            let ready = self.snapshot.is_some() && !matches!(self.status, GpuStatus::Stopped(_));
            if ui
                .add_enabled(
                    ready,
                    egui::Button::new(if running { "Pause" } else { "Run" }),
                )
                .clicked()
            {
                self.send(if running {
                    ImageCommand::Pause
                } else {
                    ImageCommand::Run
                });
            }
            if ui
                .add_enabled(ready && !running, egui::Button::new("Step 10"))
                .clicked()
            {
                self.send(ImageCommand::Step(10));
            }
        });
    }

    fn progress_ui(&mut self, ui: &mut egui::Ui) {
        let Some(s) = self.snapshot.clone() else {
            ui.label("Press “New network” to load the data and build the model.");
            return;
        };
        ui.label(format!(
            "{} · {} parameters · {} ({}x{}{})",
            s.model,
            s.parameters,
            s.data,
            s.width,
            s.height,
            if s.classes > 0 {
                format!(", {} classes", s.classes)
            } else {
                String::new()
            }
        ));
        ui.label(format!(
            "step {} · {:.0} images/s · loss {:.2} · held-out loss {:.2}",
            s.step, s.images_per_s, s.loss.mean, s.held_out.mean
        ));
        ui.horizontal(|ui| {
            self.loss_curve_ui(ui);
            self.level_bars_ui(ui, &s);
        });
    }

    /// Training and held-out loss against the step.
    fn loss_curve_ui(&self, ui: &mut egui::Ui) {
        let points = |i: usize| -> egui_plot::PlotPoints<'_> {
            self.history
                .iter()
                .filter(|h| h[i].is_finite())
                .map(|h| [h[0], h[i]])
                .collect()
        };
        egui_plot::Plot::new("image loss curve")
            .height(110.0)
            .width(300.0)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .x_axis_label("step")
            .legend(egui_plot::Legend::default())
            .show(ui, |p| {
                p.line(egui_plot::Line::new("training loss", points(1)));
                p.line(egui_plot::Line::new("held-out loss", points(2)));
            });
    }

    fn level_bars_ui(&self, ui: &mut egui::Ui, s: &ImageSnapshot) {
        let bars: Vec<egui_plot::Bar> = s
            .held_out
            .per_level
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| egui_plot::Bar::new(i as f64, *v).width(0.7))
            .collect();
        egui_plot::Plot::new("image loss per level")
            .height(110.0)
            .width(300.0)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .x_axis_label("level (sigma_max … sigma_min)")
            .y_axis_label("held-out loss")
            .show(ui, |p| {
                p.bar_chart(egui_plot::BarChart::new("held-out loss", bars))
            });
    }

    fn samples_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.add(
                egui::Slider::new(&mut self.steps_per_level, 1..=200)
                    .text("Langevin steps per level"),
            );
            ui.checkbox(&mut self.auto_sample, "refresh while training");
        });
        let classes = self.snapshot.as_ref().map_or(0, |s| s.classes);
        ui.horizontal(|ui| {
            if classes > 0 {
                egui::ComboBox::from_label("class")
                    .selected_text(self.class.map_or("any".into(), |c| c.to_string()))
                    .show_ui(ui, |ui| {
                        ui.selectable_value(&mut self.class, None, "any");
                        for c in 0..classes as u32 {
                            ui.selectable_value(&mut self.class, Some(c), c.to_string());
                        }
                    });
                ui.add_enabled(
                    self.class.is_some(),
                    egui::Slider::new(&mut self.cfg_scale, 0.0..=8.0).text("guidance"),
                );
            } else {
                self.class = None;
            }
            let can = self.snapshot.is_some() && !self.sampling;
            if ui
                .add_enabled(can, egui::Button::new("Sample 8x8"))
                .clicked()
            {
                self.request_samples();
            }
            if self.sampling {
                ui.spinner();
            }
        });
        if let Some(p) = &self.samples {
            ui.label(&p.caption);
            show(ui, p, 420.0);
        }
    }

    fn ladder_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.add(
                egui::DragValue::new(&mut self.ladder_index)
                    .range(0..=499)
                    .prefix("held-out image "),
            );
            if ui
                .add_enabled(self.snapshot.is_some(), egui::Button::new("Noise ladder"))
                .clicked()
            {
                let index = self.ladder_index;
                self.send(ImageCommand::Ladder { index, seed: 7 });
            }
        });
        if let Some(p) = &self.ladder {
            ui.label(&p.caption);
            show(ui, p, 680.0);
        }
    }

    fn files_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("Checkpoint");
            ui.add(egui::TextEdit::singleline(&mut self.ckpt_path).desired_width(220.0));
            if ui
                .add_enabled(self.snapshot.is_some(), egui::Button::new("Save"))
                .clicked()
            {
                let p = PathBuf::from(self.ckpt_path.trim());
                self.send(ImageCommand::Save(p));
            }
            if ui.button("Load").clicked() {
                match DatasetSource::parse(self.dataset.trim()) {
                    Ok(source) => {
                        let path = PathBuf::from(self.ckpt_path.trim());
                        self.send(ImageCommand::Load { path, source });
                    }
                    Err(e) => self.messages.push(e),
                }
            }
        });
        ui.horizontal(|ui| {
            ui.label("Sample grid");
            ui.add(egui::TextEdit::singleline(&mut self.export_path).desired_width(220.0));
            if ui
                .add_enabled(self.samples.is_some(), egui::Button::new("Export PNG"))
                .clicked()
                && let Some(p) = &self.samples
            {
                let path = PathBuf::from(self.export_path.trim());
                let (tiled, done) = (p.tiled.clone(), self.exports.0.clone());
                let ctx = ui.ctx().clone();
                std::thread::spawn(move || {
                    let msg = match save_png(&tiled, &path) {
                        Ok(()) => format!("wrote {}", path.display()),
                        Err(e) => e,
                    };
                    let _ = done.send(msg);
                    ctx.request_repaint();
                });
            }
        });
    }
}

/// The picture scaled to `width` points at most, keeping its aspect.
fn show(ui: &mut egui::Ui, p: &Picture, width: f32) {
    let w = (p.tiled.width as f32).min(width);
    let h = w * p.tiled.height as f32 / p.tiled.width.max(1) as f32;
    ui.add(egui::Image::new(&p.texture).fit_to_exact_size(egui::vec2(w, h)));
}

fn picture(ctx: &egui::Context, name: &str, tiled: Tiled, caption: String) -> Picture {
    let image = egui::ColorImage::from_rgba_unmultiplied([tiled.width, tiled.height], &tiled.rgba);
    let texture = ctx.load_texture(name, image, egui::TextureOptions::NEAREST);
    Picture {
        texture,
        tiled,
        caption,
    }
}
