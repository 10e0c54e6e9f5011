//! The image panel's window: network setup, training progress, the sample grid, the noise
//! ladder, checkpoints and PNG export.

use super::*;

/// What a software adapter means for speed, and where long runs belong.
pub const SOFTWARE_NOTE: &str = "Software adapter: the shaders run on the CPU, at a speed that \
     depends on its vector width. For the MLP 256 at batch 128 on two cores, expect about 330 \
     images/s with AVX2 and 4,800 with AVX-512 (MLP 1024: about 110 and 870; U-Net 32: about 55 \
     with AVX-512), \
     less while the app also draws; the panel shows the measured rate once training runs. For \
     runs of thousands of steps use the command line, then load the checkpoint here: scorefield \
     images train --arch mlp --hidden 256 --steps 4000 --batch 128 --lr 2e-3 --conditional --out \
     digits.sfimg";

/// The left column's width: the setup rows, the two loss plots side by side, the ladder.
const LEFT_WIDTH: f32 = 590.0;
/// Each loss plot's width (two of them, with spacing, fill the left column).
const PLOT_WIDTH: f32 = 285.0;
/// The widest the sample grid is drawn.
const GRID_WIDTH: f32 = 420.0;
/// Below this inner width the panel is one column (samples before the ladder and the files).
const TWO_COLUMNS_FROM: f32 = LEFT_WIDTH + 24.0 + GRID_WIDTH;

impl ImagesPanel {
    /// The panel's window (when open): at 1280×720 and up it opens wide enough for two columns,
    /// so the controls, the loss curve and the sample grid all show without scrolling.
    pub fn window(&mut self, ctx: &egui::Context) {
        if !self.open {
            return;
        }
        self.ensure_worker(ctx);
        let screen = ctx.content_rect();
        let size = [
            (TWO_COLUMNS_FROM + 60.0).min(screen.width() - 40.0),
            660.0f32.min(screen.height() - 40.0),
        ];
        let mut open = self.open;
        egui::Window::new("Images: score network on the GPU")
            .open(&mut open)
            .default_size(size)
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
                if adapter.contains("Cpu") {
                    ui.colored_label(egui::Color32::from_rgb(230, 180, 60), SOFTWARE_NOTE);
                }
            }
        }
        if ui.available_width() >= TWO_COLUMNS_FROM {
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.set_width(LEFT_WIDTH);
                    self.setup_ui(ui);
                    ui.separator();
                    self.progress_ui(ui);
                    ui.separator();
                    self.files_ui(ui);
                    ui.separator();
                    self.ladder_ui(ui, LEFT_WIDTH);
                });
                ui.separator();
                ui.vertical(|ui| self.samples_ui(ui));
            });
        } else {
            self.setup_ui(ui);
            ui.separator();
            self.progress_ui(ui);
            ui.separator();
            self.samples_ui(ui);
            ui.separator();
            self.ladder_ui(ui, ui.available_width());
            ui.separator();
            self.files_ui(ui);
        }
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
            ui.add(egui::TextEdit::singleline(&mut self.setup.dataset).desired_width(220.0))
                .on_hover_text("mnist5k (built in), idx:PATH (an idx3 images file), pngdir:PATH");
        });
        ui.horizontal(|ui| {
            ui.label("Architecture");
            ui.radio_value(&mut self.setup.unet, false, "MLP");
            ui.radio_value(&mut self.setup.unet, true, "U-Net");
            if self.setup.unet {
                ui.add(egui::Slider::new(&mut self.setup.channels, 4..=64).text("channels"));
            } else {
                ui.add(
                    egui::Slider::new(&mut self.setup.hidden, 64..=2048)
                        .logarithmic(true)
                        .text("hidden"),
                );
            }
        });
        ui.horizontal(|ui| {
            ui.add(
                egui::Slider::new(&mut self.setup.batch, 8..=512)
                    .logarithmic(true)
                    .text("batch"),
            );
            ui.add(
                egui::Slider::new(&mut self.setup.lr, 1e-5..=1e-2)
                    .logarithmic(true)
                    .text("lr"),
            );
            ui.checkbox(
                &mut self.setup.conditional,
                "class-conditional (p_uncond 0.15)",
            );
        });
        ui.horizontal(|ui| {
            if ui.button("New network").clicked() {
                self.start();
            }
            let running = self.training.snapshot.as_ref().is_some_and(|s| s.running);
            let ready =
                self.training.snapshot.is_some() && !matches!(self.status, GpuStatus::Stopped(_));
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
        let Some(s) = self.training.snapshot.clone() else {
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
        ui.label(progress_line(&s));
        ui.horizontal(|ui| {
            self.loss_curve_ui(ui);
            self.level_bars_ui(ui, &s);
        });
    }

    /// Training and held-out loss against the step, the held-out loss for the trained weights
    /// and for their moving average (the weights sampled): the logged records only (a
    /// checkpoint brings its own), nothing drawn before the first.
    fn loss_curve_ui(&self, ui: &mut egui::Ui) {
        let history = self
            .training
            .snapshot
            .as_ref()
            .map(|s| s.history.clone())
            .unwrap_or_default();
        let training: egui_plot::PlotPoints<'_> =
            history.iter().map(|r| [r.step as f64, r.loss]).collect();
        let held_out: egui_plot::PlotPoints<'_> = history
            .iter()
            .filter_map(|r| r.held_out.map(|h| [r.step as f64, h]))
            .collect();
        let held_out_averaged: egui_plot::PlotPoints<'_> = history
            .iter()
            .filter_map(|r| r.held_out_averaged.map(|h| [r.step as f64, h]))
            .collect();
        egui_plot::Plot::new("image loss curve")
            .height(110.0)
            .width(PLOT_WIDTH)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .x_axis_label("step")
            .y_axis_label("loss")
            .legend(egui_plot::Legend::default().position(egui_plot::Corner::RightTop))
            .show(ui, |p| {
                p.line(egui_plot::Line::new("training", training));
                p.line(egui_plot::Line::new("held-out", held_out));
                p.line(egui_plot::Line::new(
                    "held-out, averaged",
                    held_out_averaged,
                ));
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
            .width(PLOT_WIDTH)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .x_axis_label("level (sigma_max … sigma_min)")
            .y_axis_label("held-out loss")
            .show(ui, |p| {
                p.bar_chart(egui_plot::BarChart::new("held-out loss", bars))
            });
    }

    /// The sample controls (three short rows, to fit a column) and the grid.
    fn samples_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let can = self.training.snapshot.is_some() && !self.sampling.busy;
            if ui
                .add_enabled(can, egui::Button::new("Draw samples"))
                .on_hover_text(
                    "64 images in 8 x 8, or for each class in turn 70 (10 x 7, a column per class)",
                )
                .clicked()
            {
                self.request_samples();
            }
            if self.sampling.busy {
                ui.spinner();
            }
            ui.add(
                egui::Slider::new(&mut self.sampling.steps_per_level, 1..=200)
                    .text("Langevin steps per level"),
            );
        });
        ui.horizontal(|ui| {
            if let Some(snap) = self.training.snapshot.clone() {
                self.stop_ui(ui, &snap.sigmas);
            }
            ui.checkbox(&mut self.sampling.auto_sample, "refresh while training");
        });
        let classes = self.training.snapshot.as_ref().map_or(0, |s| s.classes);
        ui.horizontal(|ui| {
            if classes > 0 {
                self.class_ui(ui, classes);
                ui.add_enabled(
                    self.sampling.class.is_some() || self.sampling.every_class,
                    egui::Slider::new(&mut self.sampling.cfg_scale, 0.0..=8.0).text("guidance"),
                );
            }
        });
        if let Some(p) = &self.pictures.samples {
            ui.label(&p.caption);
            show(ui, p, GRID_WIDTH.min(ui.available_width()), "sample grid");
        }
    }

    /// The class a conditional model's grid is drawn for: none (the null class), one digit, or
    /// every class in turn (row by row, 0, 1, 2, …).
    fn class_ui(&mut self, ui: &mut egui::Ui, classes: usize) {
        let (class, every) = (self.sampling.class, self.sampling.every_class);
        let shown = match (class, every) {
            (Some(c), _) => c.to_string(),
            (None, true) => "each in turn".to_string(),
            (None, false) => "none (unguided)".to_string(),
        };
        let mut choice = (class, every && class.is_none());
        egui::ComboBox::from_label("class")
            .selected_text(shown)
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut choice, (None, false), "none (unguided)");
                ui.selectable_value(&mut choice, (None, true), "each in turn");
                for c in 0..classes as u32 {
                    ui.selectable_value(&mut choice, (Some(c), false), c.to_string());
                }
            })
            .response
            .on_hover_text(
                "none: the network's unconditional score (the null class); each in turn:                  image i drawn for class i mod the number of classes, a sample of the whole                  data distribution from the class scores; a digit: every image drawn for it",
            );
        (self.sampling.class, self.sampling.every_class) = choice;
    }

    /// Which level sampling stops at (and denoises from): all levels, or down to one of them.
    fn stop_ui(&mut self, ui: &mut egui::Ui, sigmas: &[f32]) {
        let label = |stop: f32| match sigmas.iter().take_while(|&&s| s >= stop).last() {
            Some(s) if stop > 0.0 => format!("down to sigma {s:.3}"),
            _ => "all levels".to_owned(),
        };
        egui::ComboBox::from_label("sampling stops at")
            .selected_text(label(self.sampling.stop_sigma))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut self.sampling.stop_sigma, 0.0, "all levels");
                for &s in sigmas {
                    ui.selectable_value(&mut self.sampling.stop_sigma, s, label(s));
                }
            })
            .response
            .on_hover_text(
                "Langevin runs the levels down to this one and denoises there: a network \
                 that has not yet learned the smallest levels leaves their noise otherwise",
            );
    }

    /// The noise ladder, at most `width` points wide.
    fn ladder_ui(&mut self, ui: &mut egui::Ui, width: f32) {
        ui.horizontal(|ui| {
            ui.add(
                egui::DragValue::new(&mut self.sampling.ladder_index)
                    .range(0..=499)
                    .prefix("held-out image "),
            );
            if ui
                .add_enabled(
                    self.training.snapshot.is_some(),
                    egui::Button::new("Noise ladder"),
                )
                .clicked()
            {
                self.request_ladder();
            }
        });
        if let Some(p) = &self.pictures.ladder {
            ui.label(&p.caption);
            show(ui, p, width, "noise ladder");
        }
    }

    fn files_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.label("Checkpoint");
            ui.add(egui::TextEdit::singleline(&mut self.files.ckpt_path).desired_width(220.0));
            if ui
                .add_enabled(
                    self.training.snapshot.is_some(),
                    egui::Button::new("Save checkpoint"),
                )
                .clicked()
            {
                let p = PathBuf::from(self.files.ckpt_path.trim());
                self.send(ImageCommand::Save(p));
            }
            if ui.button("Load checkpoint").clicked() {
                self.load_checkpoint();
            }
        });
        ui.horizontal(|ui| {
            ui.label("Sample grid");
            ui.add(egui::TextEdit::singleline(&mut self.files.export_path).desired_width(220.0));
            if ui
                .add_enabled(
                    self.pictures.samples.is_some(),
                    egui::Button::new("Export PNG"),
                )
                .clicked()
                && let Some(p) = &self.pictures.samples
            {
                let path = PathBuf::from(self.files.export_path.trim());
                let (tiled, done) = (p.tiled.clone(), self.files.exports.0.clone());
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

/// The picture scaled to `width` points at most, keeping its aspect; `name` is its accessible
/// label.
fn show(ui: &mut egui::Ui, p: &Picture, width: f32, name: &str) {
    let w = (p.tiled.width as f32).min(width);
    let h = w * p.tiled.height as f32 / p.tiled.width.max(1) as f32;
    ui.add(
        egui::Image::new(&p.texture)
            .fit_to_exact_size(egui::vec2(w, h))
            .alt_text(name),
    );
}

/// "step · images/s · loss · held-out loss", with "—" for what has not been measured on this
/// network yet; right after a checkpoint loads, the loss is its last logged one, said so.
pub fn progress_line(s: &ImageSnapshot) -> String {
    let rate = s
        .images_per_s
        .map_or("—".to_string(), |r| format!("{r:.0}"));
    let loss = match (&s.loss, s.history.last()) {
        (Some(l), _) => format!("{:.2}", l.mean),
        (None, Some(r)) => format!("{:.2} (logged at step {})", r.loss, r.step),
        (None, None) => "—".to_string(),
    };
    let held_out = if s.held_out.per_level.is_empty() {
        "—".to_string()
    } else {
        format!("{:.2}", s.held_out.mean)
    };
    format!(
        "step {} · {rate} images/s · loss {loss} · held-out loss {held_out}",
        s.step
    )
}
