//! The samplers: two side by side on the same particles and noise, their step sizes, schedule
//! and particles. Any change restarts the panes at once (same seed). Play, step, reset and the
//! speed are on the strip above the panes.

use super::{Panel, PanelCtx};
use crate::sample::SamplerKind;

pub struct SamplersPanel;

/// What a sampler does, for its tooltip (MATH §4).
fn sampler_tip(k: SamplerKind) -> &'static str {
    match k {
        SamplerKind::GradientAscent => "x ← x + (ε/2) ∇log p: climbs to the modes (MATH §4.1)",
        SamplerKind::Langevin => "x ← x + (ε/2) ∇log p + √ε z (MATH §4.2)",
        SamplerKind::Mala => "Langevin with a Metropolis accept step; needs a density (MATH §4.3)",
        SamplerKind::AnnealedLangevin => {
            "Langevin at σ₁ > … > σ_L with αᵢ = ε σᵢ²/σ_L² (MATH §4.4)"
        }
        SamplerKind::Smld => "ancestral sampling down the NCSN levels (MATH §4.5)",
        SamplerKind::VeSde => "Euler–Maruyama on the reverse VE SDE (MATH §4.6)",
        SamplerKind::PfOdeEuler => "the probability-flow ODE, Euler steps (MATH §4.7)",
        SamplerKind::PfOdeHeun => "the probability-flow ODE, Heun steps (MATH §4.7)",
        SamplerKind::Ddpm => "DDPM ancestral sampling, linear βₜ (MATH §4.8)",
        SamplerKind::Ddim => "DDIM, deterministic for η = 0 (MATH §4.8)",
        SamplerKind::Pc => "predictor-corrector on the VE SDE (MATH §4.9)",
        SamplerKind::PcVp => "predictor-corrector on the VP SDE (MATH §4.9)",
    }
}

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
                        ui.selectable_value(value, k, k.name())
                            .on_hover_text(sampler_tip(k));
                    }
                })
                .response
                .on_hover_text(sampler_tip(*value));
        }
        let tip = if s.use_learned && app.training.snapshot.is_none() {
            "no trained model yet: the panes follow the exact score until training starts"
        } else {
            "the panes follow s_θ(x, σ) of the network instead of the exact score"
        };
        ui.checkbox(&mut s.use_learned, "use the learned score")
            .on_hover_text(tip);
        ui.add(
            egui::Slider::new(&mut s.particles, 10..=20_000)
                .logarithmic(true)
                .text("particles"),
        )
        .on_hover_text("particles per pane; both panes start from the same ones");
        ui.add(
            egui::Slider::new(&mut s.eps, 1e-4..=1.0)
                .logarithmic(true)
                .text("eps"),
        )
        .on_hover_text(
            "Langevin: x <- x + (eps/2) s + sqrt(eps) z (= physics form with eta = eps/2)",
        );
        ui.add(egui::Slider::new(&mut s.steps_per_level, 1..=500).text("steps per level T"))
            .on_hover_text(
                "T Langevin steps at each level σᵢ; single-level samplers take L·T steps",
            );
        ui.add(egui::Slider::new(&mut s.levels, 1..=30).text("levels L"))
            .on_hover_text("σᵢ = σ_max (σ_min/σ_max)^(i/(L−1)), i = 0 … L−1 (MATH §1)");
        ui.add(
            egui::Slider::new(&mut s.sampler_sigma_max, 0.1..=50.0)
                .logarithmic(true)
                .text("sampler sigma_max"),
        )
        .on_hover_text(
            "the first level σ₁: about the largest distance between data points (MATH §1)",
        );
        ui.add(
            egui::Slider::new(&mut s.sampler_sigma_min, 0.01..=5.0)
                .logarithmic(true)
                .text("sampler sigma_min"),
        )
        .on_hover_text("the last level σ_L: small enough that q_σ_L ≈ p (MATH §1)");
        ui.add(
            egui::Slider::new(&mut s.init_uniform, 0.0..=20.0)
                .text("init half-width (0 = default)"),
        )
        .on_hover_text("start uniform on [−h, h]²; 0 uses each sampler's default (its prior)");
        ui.label(format!(
            "annealed step rule: alpha_i = eps sigma_i^2 / sigma_min^2 = {:.3} ... {:.3}",
            s.eps * (s.sampler_sigma_max / s.sampler_sigma_min).powi(2),
            s.eps
        ));
        ui.label("play, step, reset and speed: the strip above the panes");
    }
}
