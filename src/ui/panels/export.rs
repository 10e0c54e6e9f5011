//! The Export section: every view of the pane as PNG, SVG, GIF and CSV, and the model.

use super::{Panel, PanelCtx};
use crate::ui::command::AppCommand;
use crate::ui::export::ExportKind;

pub struct ExportPanel;

impl Panel for ExportPanel {
    fn title(&self) -> &'static str {
        "Export"
    }

    fn default_open(&self) -> bool {
        false
    }

    fn ui(&self, ui: &mut egui::Ui, cx: &mut PanelCtx) {
        ui.horizontal(|ui| {
            ui.label("file");
            ui.add(
                egui::TextEdit::singleline(&mut cx.inputs.export_stem)
                    .desired_width(160.0)
                    .hint_text("figures/slide3"),
            )
            .on_hover_text(
                "the path prefix of the exported files: -A / -B per pane, .png, .svg, .pdf, .gif, .csv",
            );
        });
        let buttons: [&[(&str, &str, ExportKind)]; 2] = [
            &[
                (
                    "Export PNG",
                    "Ctrl+E; one file per pane in compare mode",
                    ExportKind::Png,
                ),
                (
                    "Export SVG",
                    "vector, text as outlines in the shipped font, the heatmap one embedded image; one file per pane in compare mode",
                    ExportKind::Svg,
                ),
                (
                    "Export PDF",
                    "vector, selectable text in the shipped font, the heatmap one embedded image; one file per pane in compare mode",
                    ExportKind::Pdf,
                ),
                (
                    "Export samples CSV",
                    "x, y, particle, diverged of each pane",
                    ExportKind::SamplesCsv,
                ),
                (
                    "Export GIF",
                    "sampler A from fresh particles, 40 frames, with the pane's score (the same file `scorefield animate` writes for this session)",
                    ExportKind::Gif,
                ),
            ],
            &[
                (
                    "Export field CSV",
                    "x, y, log q_σ, the exact score and, with a trained model, the learned score and |s_θ − ∇log q_σ| on the heat grid (the columns of `scorefield field`)",
                    ExportKind::FieldCsv,
                ),
                (
                    "Export model (JSON)",
                    "the trained network in scorefield's JSON model format",
                    ExportKind::Model,
                ),
                (
                    "Export model (safetensors)",
                    "the trained network as safetensors: tensors layers.{l}.weight [out, in] and layers.{l}.bias, the config in the metadata; PyTorch and JAX read it",
                    ExportKind::ModelSafetensors,
                ),
            ],
        ];
        for row in buttons {
            ui.horizontal_wrapped(|ui| {
                for (label, tip, kind) in row {
                    if ui.button(*label).on_hover_text(*tip).clicked() {
                        let stem = cx.inputs.export_stem.clone();
                        cx.emit(AppCommand::Export(*kind, stem));
                    }
                }
            });
        }
        for p in cx.app.exporter.in_flight() {
            ui.label(format!("exporting {} ...", p.display()));
        }
    }
}
