//! Guidance towards a class (MATH §4.10): the class, its strength, and which field is drawn.

use super::{Panel, PanelCtx};
use crate::session::settings::GuidedField;

pub struct GuidancePanel;

/// How the panes' target weights are chosen under guidance (the mode bars' tooltip).
pub const TARGET_TIP: &str = "Under guidance towards class k with strength >= 1 the target is all mass in component k: exact for gamma = 1 (the conditional p(x|k)), and a stronger push only shrinks the mass outside k. For classifier-free guidance the same class target is used, since with scale w >= 1 the guided model aims at p(x|k) sharpened. For 0 < gamma < 1 the tempered target has no closed-form weights, and TV compares with the unguided weights.";

impl Panel for GuidancePanel {
    fn title(&self) -> &'static str {
        "Guidance"
    }

    fn default_open(&self) -> bool {
        false
    }

    fn ui(&self, ui: &mut egui::Ui, cx: &mut PanelCtx) {
        let n = cx.app.data.components().unwrap_or(0);
        if n == 0 {
            ui.label("Guidance needs classes: use a mixture.");
            return;
        }
        let s = &mut cx.draft;
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
        ui.add(egui::Slider::new(&mut s.guidance_scale, 0.0..=10.0).text("guidance scale gamma"))
            .on_hover_text(TARGET_TIP);
        ui.label("field shown:");
        ui.vertical(|ui| {
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
}
