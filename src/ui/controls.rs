//! The control panel: data, model and objective, training, noise schedule, samplers, guidance,
//! view layers. Every control carries a tooltip with its formula.

use super::app::ScorefieldApp;
use super::mixture_edit;
use super::sampler_worker::SamplerCommand;
use super::settings::Heatmap;
use crate::data::{Dataset, PRESETS};
use crate::dist::EmpiricalMixture;
use crate::sample::SamplerKind;
use crate::train::TrainerCommand;

const OBJECTIVES: [(&str, &str); 4] = [
    (
        "ncsn",
        "NCSN DSM: mean over levels of sigma^2 * 1/2 |s(x+sigma z, sigma) + z/sigma|^2 (MATH §3.5)",
    ),
    (
        "ism",
        "ISM: 1/2 |s|^2 + tr(ds/dx), exact trace by forward-mode tangents (MATH §3.2)",
    ),
    (
        "ssm",
        "SSM: 1/2 (v.s)^2 + v.(ds/dx)v, Rademacher v (MATH §3.3)",
    ),
    ("ssm-vr", "SSM-VR: 1/2 |s|^2 + v.(ds/dx)v (MATH §3.3)"),
];

impl ScorefieldApp {
    pub(crate) fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("scorefield");
        if ui
            .button("Images (GPU)…")
            .on_hover_text(
                "The noise-conditional score network on MNIST images, trained on the GPU (key I)",
            )
            .clicked()
        {
            self.images.open = !self.images.open;
        }
        egui::CollapsingHeader::new("Session and lectures")
            .default_open(false)
            .show(ui, |ui| self.session_ui(ui));
        egui::CollapsingHeader::new("Export")
            .default_open(false)
            .show(ui, |ui| self.export_ui(ui));
        egui::CollapsingHeader::new("Data")
            .default_open(true)
            .show(ui, |ui| self.data_ui(ui));
        egui::CollapsingHeader::new("Model and training")
            .default_open(true)
            .show(ui, |ui| self.training_ui(ui));
        egui::CollapsingHeader::new("Samplers")
            .default_open(true)
            .show(ui, |ui| self.samplers_ui(ui));
        egui::CollapsingHeader::new("Guidance")
            .default_open(false)
            .show(ui, |ui| self.guidance_ui(ui));
        egui::CollapsingHeader::new("View")
            .default_open(true)
            .show(ui, |ui| self.view_ui(ui));
    }

    fn session_ui(&mut self, ui: &mut egui::Ui) {
        use crate::session::lectures::LECTURES;
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.session_path)
                    .desired_width(150.0)
                    .hint_text("demo.session.json"),
            );
            let path = self.session_path.clone();
            if ui.button("Open session").clicked() && !path.is_empty() {
                self.open_session(&path);
            }
            if ui.button("Save session").clicked() && !path.is_empty() {
                self.save_session(&path);
            }
        });
        ui.checkbox(&mut self.save_weights, "save the trained weights too");
        let mut open = None;
        for p in &self.recent {
            if ui
                .small_button(p)
                .on_hover_text("open this recent session")
                .clicked()
            {
                open = Some(p.clone());
            }
        }
        if let Some(p) = open {
            self.session_path = p.clone();
            self.open_session(&p);
        }
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.playlist_path)
                    .desired_width(150.0)
                    .hint_text("talk.playlist.json"),
            );
            let path = self.playlist_path.clone();
            if ui.button("Open playlist").clicked() && !path.is_empty() {
                self.open_playlist(&path);
            }
            if self.playlist.is_some() && ui.button("Close playlist").clicked() {
                self.playlist = None;
            }
        });
        ui.separator();
        ui.label("lecture (PageUp / PageDown)");
        let mut chosen = None;
        for (i, l) in LECTURES.iter().enumerate() {
            if ui
                .selectable_label(self.lecture == Some(i), format!("{}. {}", i + 1, l.title))
                .clicked()
            {
                chosen = Some(i);
            }
        }
        if let Some(i) = chosen {
            match self.apply_session(LECTURES[i].session()) {
                Ok(()) => self.lecture = Some(i),
                Err(e) => self.errors.push(e),
            }
        }
    }

    fn data_ui(&mut self, ui: &mut egui::Ui) {
        let mut chosen = None;
        egui::ComboBox::from_label("preset")
            .selected_text(self.settings.preset.clone())
            .show_ui(ui, |ui| {
                for (i, p) in PRESETS.iter().enumerate() {
                    let r = ui.selectable_label(
                        self.settings.preset == p.name,
                        format!("{} {}", i + 1, p.name),
                    );
                    if r.on_hover_text(p.description).clicked() {
                        chosen = Some(p.name);
                    }
                }
            });
        if let Some(name) = chosen {
            self.load_preset(name);
        }
        if self.data.mixture().is_some() {
            ui.checkbox(&mut self.settings.edit_data, "edit mixture")
                .on_hover_text("Click empty space to add a component; drag a mean or an axis handle of its 1-sigma ellipse.");
        } else {
            ui.checkbox(&mut self.settings.edit_data, "brush points")
                .on_hover_text("Drag on the plot to paint data points; the score shown is the empirical-mixture score (MATH §2.3).");
            if let Dataset::Points(e) = &*self.data {
                ui.label(format!("{} points", e.points().len()));
            }
        }
        if let (Some(k), Some(m)) = (self.selected, self.data.mixture().cloned())
            && k < m.len()
        {
            let mut w = m.weights()[k];
            ui.horizontal(|ui| {
                ui.label(format!("component {k}"));
                if ui
                    .add(egui::Slider::new(&mut w, 0.001..=1.0).text("weight"))
                    .changed()
                {
                    let m = mixture_edit::reweight(&m, k, w);
                    self.set_data(Dataset::Mixture(m), false);
                    self.data_edited();
                }
            });
            if ui.button("Delete component").clicked() {
                self.delete_selected();
            }
        }
        ui.horizontal(|ui| {
            ui.label("points CSV");
            let edit = ui.add(
                egui::TextEdit::singleline(&mut self.csv_path)
                    .desired_width(120.0)
                    .hint_text("path.csv"),
            );
            let path = self.csv_path.clone();
            if ui.button("Load").clicked()
                || (edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)))
            {
                match crate::data::points_file::load_points_csv(std::path::Path::new(&path)) {
                    Ok(points) => {
                        self.set_data(Dataset::Points(EmpiricalMixture::new(points)), true);
                        self.data_is_preset = false;
                        self.reset_training();
                        self.reset_samplers();
                    }
                    Err(e) => self.errors.push(e.to_string()),
                }
            }
        });
    }

    fn training_ui(&mut self, ui: &mut egui::Ui) {
        let s = &mut self.settings;
        let mut changed = false;
        egui::ComboBox::from_label("objective")
            .selected_text(s.objective.clone())
            .show_ui(ui, |ui| {
                for (name, tip) in OBJECTIVES {
                    changed |= ui
                        .selectable_value(&mut s.objective, name.to_string(), name)
                        .on_hover_text(tip)
                        .changed();
                }
            });
        changed |= ui
            .add(egui::Slider::new(&mut s.width, 16..=256).text("width"))
            .changed();
        changed |= ui
            .add(egui::Slider::new(&mut s.depth, 1..=5).text("depth"))
            .changed();
        egui::ComboBox::from_label("activation")
            .selected_text(s.activation.clone())
            .show_ui(ui, |ui| {
                for a in ["silu", "softplus", "tanh", "elu"] {
                    changed |= ui
                        .selectable_value(&mut s.activation, a.to_string(), a)
                        .changed();
                }
            });
        let lr = ui
            .add(
                egui::Slider::new(&mut s.lr, 1e-5..=1e-1)
                    .logarithmic(true)
                    .text("learning rate"),
            )
            .on_hover_text("Adam: theta <- theta - lr m_hat / (sqrt(v_hat) + eps)");
        let batch = ui.add(
            egui::Slider::new(&mut s.batch, 16..=4096)
                .logarithmic(true)
                .text("batch"),
        );
        if self.data.mixture().is_some() {
            changed |= ui
                .checkbox(&mut s.conditional, "class-conditional (for CFG)")
                .on_hover_text("Labels are the mixture components, replaced by the null class with probability 0.15 (MATH §3.7). Adding or deleting a component then needs a reset.")
                .changed();
        }
        ui.label("noise schedule (training)");
        changed |= ui
            .add(
                egui::Slider::new(&mut s.train_sigma_min, 0.01..=2.0)
                    .logarithmic(true)
                    .text("sigma_min"),
            )
            .on_hover_text("Small enough that q_sigma_min ~ p_data (MATH §1)")
            .changed();
        changed |= ui
            .add(
                egui::Slider::new(&mut s.train_sigma_max, 0.0..=50.0)
                    .text("sigma_max (0 = heuristic)"),
            )
            .changed();
        changed |= ui
            .add(egui::Slider::new(&mut s.train_levels, 2..=30).text("levels L"))
            .changed();
        let heuristic = self.data_info.sigma_max_heuristic;
        ui.label(format!(
            "max pairwise distance heuristic: sigma_max ~ {heuristic:.2}"
        ))
        .on_hover_text(
            "sigma_i = sigma_max (sigma_min/sigma_max)^(i/(L-1)), largest first (MATH §1)",
        );
        self.levels_plot_ui(ui);
        let (lr_changed, batch_changed) = (lr.changed(), batch.changed());
        let (lr_v, batch_v) = (self.settings.lr, self.settings.batch);
        if lr_changed && self.trainer.is_some() {
            self.train_command(TrainerCommand::SetLr(lr_v));
        }
        if batch_changed && self.trainer.is_some() {
            self.train_command(TrainerCommand::SetBatch(batch_v));
        }
        if changed && self.trainer.is_some() {
            self.notices
                .push("model or schedule changed: press Reset training to apply".into());
        }
        ui.horizontal(|ui| {
            let running = self.snapshot.as_ref().is_some_and(|s| s.running);
            if running {
                if ui.button("Pause training").clicked() {
                    self.train_command(TrainerCommand::Pause);
                }
            } else if ui.button("Run training").on_hover_text("T").clicked() {
                self.train_command(TrainerCommand::Run);
            }
            if ui
                .button("Step training")
                .on_hover_text("10 steps")
                .clicked()
            {
                self.train_command(TrainerCommand::Step(10));
            }
            if ui.button("Reset training").clicked() {
                self.reset_training();
            }
        });
        let (step, sps, lr) = self
            .snapshot
            .as_ref()
            .map_or((0, 0.0, self.settings.lr), |s| {
                (s.step, s.steps_per_s, s.lr)
            });
        ui.label(format!("step {step} · {sps:.0} steps/s · lr {lr:.1e}"));
    }

    /// A small plot of the training levels on a log axis.
    fn levels_plot_ui(&self, ui: &mut egui::Ui) {
        let Ok(config) = self.train_config() else {
            return;
        };
        let sigmas = config.noise.eval_sigmas();
        let points: Vec<[f64; 2]> = sigmas
            .iter()
            .enumerate()
            .map(|(i, s)| [i as f64, s.log10()])
            .collect();
        egui_plot::Plot::new("levels")
            .height(70.0)
            .allow_drag(false)
            .allow_zoom(false)
            .allow_scroll(false)
            .y_axis_label("log10 sigma")
            .show(ui, |p| {
                p.points(egui_plot::Points::new("levels", points).radius(3.0));
            });
    }

    fn samplers_ui(&mut self, ui: &mut egui::Ui) {
        let names: Vec<&str> = SamplerKind::ALL.iter().map(|k| k.name()).collect();
        let s = &mut self.settings;
        ui.checkbox(&mut s.compare, "compare two samplers")
            .on_hover_text(
                "Both panes start from the same particles and see the same noise (MATH §1, §7).",
            );
        for (label, value) in [
            ("sampler A", &mut s.sampler_a),
            ("sampler B", &mut s.sampler_b),
        ] {
            egui::ComboBox::from_label(label)
                .selected_text(value.clone())
                .show_ui(ui, |ui| {
                    for n in &names {
                        ui.selectable_value(value, n.to_string(), *n);
                    }
                });
        }
        ui.checkbox(&mut s.use_learned, "use the learned score");
        ui.add(
            egui::Slider::new(&mut s.particles, 10..=20_000)
                .logarithmic(true)
                .text("particles"),
        );
        ui.add(
            egui::Slider::new(&mut s.eps, 1e-4..=1.0)
                .logarithmic(true)
                .text("eps"),
        )
        .on_hover_text(
            "Langevin: x <- x + (eps/2) s + sqrt(eps) z (= physics form with eta = eps/2)",
        );
        ui.add(egui::Slider::new(&mut s.steps_per_level, 1..=500).text("steps per level T"));
        ui.add(egui::Slider::new(&mut s.levels, 1..=30).text("levels L"));
        ui.add(
            egui::Slider::new(&mut s.sampler_sigma_max, 0.1..=50.0)
                .logarithmic(true)
                .text("sampler sigma_max"),
        );
        ui.add(
            egui::Slider::new(&mut s.sampler_sigma_min, 0.01..=5.0)
                .logarithmic(true)
                .text("sampler sigma_min"),
        );
        ui.add(
            egui::Slider::new(&mut s.init_uniform, 0.0..=20.0)
                .text("init uniform half-width (0 = default)"),
        );
        ui.label(format!(
            "annealed step rule: alpha_i = eps sigma_i^2 / sigma_min^2 = {:.3} ... {:.3}",
            s.eps * (s.sampler_sigma_max / s.sampler_sigma_min).powi(2),
            s.eps
        ));
        if ui
            .add(
                egui::Slider::new(&mut s.speed, 1..=200)
                    .logarithmic(true)
                    .text("steps per tick"),
            )
            .changed()
        {
            let v = s.speed;
            self.sampler_command(SamplerCommand::Speed(v));
        }
        ui.horizontal(|ui| {
            if self.sampler_view.playing {
                if ui.button("Pause samplers").on_hover_text("Space").clicked() {
                    self.sampler_command(SamplerCommand::Pause);
                }
            } else if ui.button("Play samplers").on_hover_text("Space").clicked() {
                self.sampler_command(SamplerCommand::Play);
            }
            if ui.button("Step samplers").on_hover_text("S").clicked() {
                self.sampler_command(SamplerCommand::Step(1));
            }
            if ui.button("Reset samplers").on_hover_text("R").clicked() {
                self.reset_samplers();
            }
        });
    }

    fn guidance_ui(&mut self, ui: &mut egui::Ui) {
        let n = self.data.mixture().map_or(0, |m| m.len());
        if n == 0 {
            ui.label("Guidance needs classes: use a mixture.");
            return;
        }
        let s = &mut self.settings;
        let mut on = s.guidance_class.is_some();
        ui.checkbox(&mut on, "guide towards a class")
            .on_hover_text("s(x|y) = s(x) + gamma grad log p(y|x): exact posterior for the exact score, classifier-free for a conditional model (MATH §4.10)");
        if !on {
            s.guidance_class = None;
            return;
        }
        let mut k = s.guidance_class.unwrap_or(0).min(n - 1);
        ui.add(egui::Slider::new(&mut k, 0..=n - 1).text("class"));
        s.guidance_class = Some(k);
        ui.add(egui::Slider::new(&mut s.guidance_scale, 0.0..=10.0).text("guidance scale gamma"));
        use super::settings::GuidedField;
        ui.horizontal(|ui| {
            ui.label("field shown:");
            ui.selectable_value(&mut s.guided_field, GuidedField::Guided, "guided")
                .on_hover_text("s(x) + gamma (s(x|y) - s(x))");
            ui.selectable_value(&mut s.guided_field, GuidedField::Conditional, "conditional")
                .on_hover_text("s(x|y): gamma = 1");
            ui.selectable_value(
                &mut s.guided_field,
                GuidedField::Unconditional,
                "unconditional",
            )
            .on_hover_text("s(x): gamma = 0");
        });
    }

    fn view_ui(&mut self, ui: &mut egui::Ui) {
        let s = &mut self.settings;
        ui.add(egui::Slider::new(&mut s.sigma, 0.0..=20.0).logarithmic(true).smallest_positive(0.01).text("sigma"))
            .on_hover_text("Every layer shows q_sigma = p * N(0, sigma^2 I): density, exact score grad log q_sigma, learned s_theta(x, sigma).");
        let mut vp = s.ddpm_t.is_some();
        ui.checkbox(&mut vp, "DDPM time t instead of sigma")
            .on_hover_text("x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, linear betas 1e-4..0.02, T = 1000 (MATH §2.2, §3.6)");
        if vp {
            let mut t = s.ddpm_t.unwrap_or(100);
            ui.add(egui::Slider::new(&mut t, 1..=self.ddpm.n_steps()).text("t"));
            ui.label(format!(
                "abar_t = {:.4} · equivalent sigma_t = sqrt((1 - abar_t)/abar_t) = {:.3}",
                self.ddpm.abar(t),
                self.ddpm.sigma(t)
            ));
            s.ddpm_t = Some(t);
        } else {
            s.ddpm_t = None;
        }
        egui::ComboBox::from_label("heatmap")
            .selected_text(format!("{:?}", s.heatmap))
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut s.heatmap, Heatmap::Density, "density q_sigma");
                ui.selectable_value(
                    &mut s.heatmap,
                    Heatmap::Error,
                    "error |s_theta - grad log q_sigma|",
                );
                ui.selectable_value(
                    &mut s.heatmap,
                    Heatmap::WeightedError,
                    "error x q_sigma (low-density pitfall)",
                );
                ui.selectable_value(&mut s.heatmap, Heatmap::None, "none");
            });
        ui.checkbox(&mut s.log_scale, "log density");
        ui.checkbox(&mut s.show_contours, "density contours")
            .on_hover_text("Where q_sigma is 50 %, 10 % and 1 % of its peak");
        ui.checkbox(&mut s.show_exact, "exact score arrows")
            .on_hover_text("grad log q_sigma(x) = sum_k r_k(x) C_k^-1 (mu_k - x) (MATH §2.1); empirical-mixture score for point sets (MATH §2.3)");
        ui.checkbox(&mut s.show_learned, "learned score arrows");
        ui.checkbox(&mut s.show_tweedie, "Tweedie arrows x -> E[x0|x]")
            .on_hover_text("E[x0|x] = x + sigma^2 grad log q_sigma(x) (MATH §5)");
        ui.add(egui::Slider::new(&mut s.arrow_n, 8..=64).text("arrows per axis"));
        ui.add(egui::Slider::new(&mut s.arrow_scale, 0.2..=3.0).text("arrow length"));
        ui.checkbox(&mut s.normalize_arrows, "unit-length arrows");
        ui.horizontal(|ui| {
            ui.checkbox(&mut s.dark, "dark theme");
            ui.checkbox(&mut s.presenter, "presenter mode (P)");
        });
    }
}
