//! The samplers: two side by side on the same particles and noise, their step sizes, schedule
//! and particles. Any change restarts the panes at once (same seed). Play, step, reset and the
//! speed are on the strip above the panes.

use super::{Panel, PanelCtx};
use crate::sample::SamplerKind;

pub struct SamplersPanel;

impl Panel for SamplersPanel {
    fn title(&self) -> &'static str {
        "Samplers"
    }

    fn ui(&self, ui: &mut egui::Ui, cx: &mut PanelCtx) {
        let app = cx.app;
        let s = &mut cx.draft;
        ui.checkbox(&mut s.compare, "compare two samplers")
            .on_hover_text(
                "Both panes start from the same particles and see the same noise (MATH §1, §7).",
            );
        for (label, value) in [
            ("sampler A", &mut s.sampler_a),
            ("sampler B", &mut s.sampler_b),
        ] {
            egui::ComboBox::from_label(label)
                .selected_text(value.name())
                .show_ui(ui, |ui| {
                    for k in SamplerKind::ALL {
                        ui.selectable_value(value, k, k.name());
                    }
                });
        }
        let learned = ui.checkbox(&mut s.use_learned, "use the learned score");
        if s.use_learned && app.training.snapshot.is_none() {
            learned.on_hover_text(
                "no trained model yet: the panes follow the exact score until training starts",
            );
        }
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
        ui.label("play, step, reset and speed: the strip above the panes");
    }
}
