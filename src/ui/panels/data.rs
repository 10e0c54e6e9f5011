//! The data: presets, mixture editing or the point brush, a component's weight, a points CSV.

use super::{Panel, PanelCtx};
use crate::data::{Dataset, PRESETS};
use crate::live::mixture_edit;
use crate::ui::command::AppCommand;

pub struct DataPanel;

impl Panel for DataPanel {
    fn title(&self) -> &'static str {
        "Data"
    }

    fn ui(&self, ui: &mut egui::Ui, cx: &mut PanelCtx) {
        let current = cx.app.settings.preset.clone();
        egui::ComboBox::from_label("preset")
            .selected_text(current.clone())
            .show_ui(ui, |ui| {
                for (i, p) in PRESETS.iter().enumerate() {
                    let r = ui.selectable_label(current == p.name, format!("{} {}", i + 1, p.name));
                    if r.on_hover_text(p.description).clicked() {
                        cx.emit(AppCommand::LoadPreset(p.name.to_string()));
                    }
                }
            })
            .response
            .on_hover_text("the data set (keys 1-9; Ctrl+Z undoes a switch)");
        let data = &cx.app.data.data;
        if data.mixture().is_some() {
            ui.checkbox(&mut cx.draft.edit_data, "edit mixture")
                .on_hover_text("Click empty space to add a component; drag a mean or an axis handle of its 1-sigma ellipse.");
        } else {
            ui.checkbox(&mut cx.draft.edit_data, "brush points")
                .on_hover_text("Drag on the plot to paint data points; the score shown is the empirical-mixture score (MATH §2.3).");
            if let Dataset::Points(e) = &**data {
                ui.label(format!("{} points", e.points().len()));
            }
        }
        if let (Some(k), Some(m)) = (cx.app.data.selected, data.mixture())
            && k < m.len()
        {
            let mut w = m.weights()[k];
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("component {k}"));
                if ui
                    .add(egui::Slider::new(&mut w, 0.001..=1.0).text("weight"))
                    .changed()
                {
                    let data = Dataset::Mixture(mixture_edit::reweight(m, k, w));
                    cx.emit(AppCommand::EditData { data, done: true });
                }
            });
            if ui.button("Delete component").clicked() {
                cx.emit(AppCommand::DeleteSelected);
            }
        }
        ui.horizontal_wrapped(|ui| {
            ui.label("points CSV");
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut cx.inputs.csv_path)
                        .desired_width(120.0)
                        .hint_text("path.csv"),
                )
                .on_hover_text("a CSV of points x,y (header optional): sample-only data");
            let enter = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui
                .button("Load")
                .on_hover_text(
                    "load the points as the data set (Ctrl+Z brings the current one back)",
                )
                .clicked()
                || enter
            {
                let path = cx.inputs.csv_path.clone();
                cx.emit(AppCommand::LoadPointsCsv(path));
            }
        });
    }
}
