//! The keyboard, mapped to the same commands as the buttons. Space play/pause samplers, S step,
//! R reset samplers, T train/pause, P presenter mode, I image panel, 1-9 presets, Delete the
//! selected component, PageDown / PageUp the lecture, Up / Down sigma, + / - guidance strength,
//! Ctrl+E export PNG, Ctrl+Z undo the last switch or reset.
//!
//! Keys cannot destroy work by accident: none acts while a text or number box has the focus or
//! the pointer is over the control panel (where every number box is), and every switch that
//! throws a trained model or a run away can be undone with Ctrl+Z.

use super::command::AppCommand;
use super::export::ExportKind;
use egui::Key;

/// The commands of this frame's key presses; `over_controls` says the pointer is over the
/// control panel.
pub fn commands(ctx: &egui::Context, export_stem: &str, over_controls: bool) -> Vec<AppCommand> {
    if ctx.memory(|m| m.focused().is_some()) || ctx.egui_wants_keyboard_input() || over_controls {
        return Vec::new();
    }
    let pressed = |k| ctx.input(|i| i.key_pressed(k));
    let command = ctx.input(|i| i.modifiers.command);
    let mut out = Vec::new();
    if command {
        if pressed(Key::E) {
            out.push(AppCommand::Export(ExportKind::Png, export_stem.to_string()));
        }
        if pressed(Key::Z) {
            out.push(AppCommand::Undo);
        }
        return out;
    }
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
        (Key::ArrowUp, AppCommand::ScaleSigma(1.25)),
        (Key::ArrowDown, AppCommand::ScaleSigma(0.8)),
        (Key::Plus, AppCommand::NudgeGuidance(0.5)),
        (Key::Equals, AppCommand::NudgeGuidance(0.5)),
        (Key::Minus, AppCommand::NudgeGuidance(-0.5)),
    ];
    for (key, command) in simple {
        if pressed(key) {
            out.push(command);
        }
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
