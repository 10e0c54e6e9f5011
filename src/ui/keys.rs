//! The keyboard, mapped to the same commands as the buttons. Space play/pause samplers, S step,
//! R reset samplers, T train/pause, P presenter mode, I image panel, 1-9 presets, Delete the
//! selected component, PageDown / PageUp the lecture, Ctrl+E export PNG.

use super::command::AppCommand;
use super::export::ExportKind;
use egui::Key;

/// The commands of this frame's key presses (none while a text box has the focus).
pub fn commands(ctx: &egui::Context, export_stem: &str) -> Vec<AppCommand> {
    if ctx.memory(|m| m.focused().is_some()) {
        return Vec::new();
    }
    let pressed = |k| ctx.input(|i| i.key_pressed(k));
    let mut out = Vec::new();
    let simple = [
        (Key::Space, AppCommand::SamplersToggle),
        (Key::S, AppCommand::SamplersStep(1)),
        (Key::R, AppCommand::SamplersReset),
        (Key::T, AppCommand::TrainToggle),
        (Key::P, AppCommand::TogglePresenter),
        (Key::I, AppCommand::ToggleImages),
        (Key::Delete, AppCommand::DeleteSelected),
        (Key::PageDown, AppCommand::StepLecture(1)),
        (Key::PageUp, AppCommand::StepLecture(-1)),
    ];
    for (key, command) in simple {
        if pressed(key) {
            out.push(command);
        }
    }
    if ctx.input(|i| i.modifiers.command && i.key_pressed(Key::E)) {
        out.push(AppCommand::Export(ExportKind::Png, export_stem.to_string()));
    }
    let digits = [
        Key::Num1,
        Key::Num2,
        Key::Num3,
        Key::Num4,
        Key::Num5,
        Key::Num6,
        Key::Num7,
        Key::Num8,
        Key::Num9,
    ];
    for (i, k) in digits.into_iter().enumerate() {
        if pressed(k)
            && let Some(p) = crate::data::PRESETS.get(i)
        {
            out.push(AppCommand::LoadPreset(p.name.to_string()));
        }
    }
    out
}
