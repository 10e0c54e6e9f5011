//! What the field view draws: the noise level (sigma or DDPM time), the heatmap and its colour
//! scale, contours, arrows, theme and presenter mode.

use super::{Panel, PanelCtx};
use crate::session::settings::Heatmap;

pub struct ViewPanel;

impl Panel for ViewPanel {
    fn title(&self) -> &'static str {
        "View"
    }

    fn ui(&self, ui: &mut egui::Ui, cx: &mut PanelCtx) {
        let s = &mut cx.draft;
        ui.add(
            egui::Slider::new(&mut s.sigma, 0.0..=20.0)
                .logarithmic(true)
                .smallest_positive(0.01)
                .text("sigma"),
        )
        .on_hover_text("Every layer shows q_sigma = p * N(0, sigma^2 I): density, exact score grad log q_sigma, learned s_theta(x, sigma).");
        let mut vp = s.ddpm_t.is_some();
        ui.checkbox(&mut vp, "DDPM time t instead of sigma")
            .on_hover_text("x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, linear betas 1e-4..0.02, T = 1000 (MATH §2.2, §3.6)");
        if vp {
            let ddpm = crate::dist::DdpmSchedule::default_linear();
            let mut t = s.ddpm_t.unwrap_or(100);
            ui.add(egui::Slider::new(&mut t, 1..=ddpm.n_steps()).text("t"));
            ui.label(format!(
                "abar_t = {:.4} · equivalent sigma_t = sqrt((1 - abar_t)/abar_t) = {:.3}",
                ddpm.abar(t),
                ddpm.sigma(t)
            ));
            s.ddpm_t = Some(t);
        } else {
            s.ddpm_t = None;
        }
        egui::ComboBox::from_label("heatmap")
            .selected_text(heatmap_name(s.heatmap))
            .show_ui(ui, |ui| {
                for h in [
                    Heatmap::Density,
                    Heatmap::Error,
                    Heatmap::WeightedError,
                    Heatmap::None,
                ] {
                    ui.selectable_value(&mut s.heatmap, h, heatmap_name(h));
                }
            })
            .response
            .on_hover_text("what the colours show: the density q_σ, or the learned score's error |s_θ − ∇log q_σ| (alone or times q_σ)");
        if matches!(s.heatmap, Heatmap::Error | Heatmap::WeightedError) {
            ui.add(
                egui::Slider::new(&mut s.error_max, 0.0..=20.0)
                    .text("error colour scale max (0 = per field)"),
            )
            .on_hover_text("A fixed top of the colour scale in score units, so the map darkens as the network learns; 0 rescales every field to its own 99th percentile.");
        }
        ui.checkbox(&mut s.log_scale, "log density").on_hover_text(
            "colour log q_σ (over the view's range, at most 12 nats) instead of q_σ / max q_σ",
        );
        ui.checkbox(&mut s.show_caption, "lecture caption")
            .on_hover_text("show the lecture's point and formula above the panes");
        ui.checkbox(&mut s.show_contours, "density contours")
            .on_hover_text("Where q_sigma is 50 %, 10 % and 1 % of its peak");
        ui.checkbox(&mut s.show_exact, "exact score arrows")
            .on_hover_text("grad log q_sigma(x) = sum_k r_k(x) C_k^-1 (mu_k - x) (MATH §2.1); empirical-mixture score for point sets (MATH §2.3)");
        ui.checkbox(&mut s.show_learned, "learned score arrows")
            .on_hover_text("s_θ(x, σ) of the network, in yellow, beside the exact score in white");
        ui.checkbox(&mut s.show_tweedie, "Tweedie arrows x -> E[x0|x]")
            .on_hover_text("E[x0|x] = x + sigma^2 grad log q_sigma(x) (MATH §5)");
        ui.add(egui::Slider::new(&mut s.arrow_n, 8..=64).text("arrows per axis"))
            .on_hover_text("the arrow grid's size");
        ui.add(egui::Slider::new(&mut s.arrow_scale, 0.2..=3.0).text("arrow length"))
            .on_hover_text("length ∝ √|s| relative to the largest arrow, times this factor");
        ui.checkbox(&mut s.normalize_arrows, "unit-length arrows")
            .on_hover_text("every arrow the same length: the direction of the score only");
        ui.horizontal_wrapped(|ui| {
            ui.checkbox(&mut s.dark, "dark theme")
                .on_hover_text("dark or light panels (the plots keep their colours)");
            ui.checkbox(&mut s.presenter, "presenter mode (P)")
                .on_hover_text("hide the panels and enlarge the text; the strip above the panes keeps play, timeline, σ and γ");
        });
    }
}

fn heatmap_name(h: Heatmap) -> &'static str {
    match h {
        Heatmap::Density => "density q_sigma",
        Heatmap::Error => "error |s_theta - grad log q_sigma|",
        Heatmap::WeightedError => "error x q_sigma (low-density pitfall)",
        Heatmap::None => "none",
    }
}
