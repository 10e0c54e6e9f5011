//! Sessions, playlists and the built-in lectures.

use super::{Panel, PanelCtx};
use crate::ui::command::AppCommand;

pub struct SessionPanel;

impl Panel for SessionPanel {
    fn title(&self) -> &'static str {
        "Session and lectures"
    }

    fn default_open(&self) -> bool {
        false
    }

    fn ui(&self, ui: &mut egui::Ui, cx: &mut PanelCtx) {
        ui.horizontal_wrapped(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut cx.inputs.session_path)
                    .desired_width(150.0)
                    .hint_text("demo.session.json"),
            )
            .on_hover_text("the session file to open or save");
            let path = cx.inputs.session_path.clone();
            if ui
                .button("Open session")
                .on_hover_text(
                    "replace everything with the session file (Ctrl+Z brings the current one back)",
                )
                .clicked()
                && !path.is_empty()
            {
                cx.emit(AppCommand::OpenSession(path.clone()));
            }
            if ui
                .button("Save session")
                .on_hover_text(
                    "settings, data and (if ticked) the trained weights, written atomically",
                )
                .clicked()
                && !path.is_empty()
            {
                cx.emit(AppCommand::SaveSession(path));
            }
        });
        ui.checkbox(&mut cx.inputs.save_weights, "save the trained weights too")
            .on_hover_text("store the network in the session file, so opening it shows the trained field at once");
        for p in &cx.app.nav.recent {
            if ui
                .small_button(p)
                .on_hover_text("open this recent session")
                .clicked()
            {
                cx.inputs.session_path = p.clone();
                cx.out.push(AppCommand::OpenSession(p.clone()));
            }
        }
        ui.horizontal_wrapped(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut cx.inputs.playlist_path)
                    .desired_width(150.0)
                    .hint_text("talk.playlist.json"),
            )
            .on_hover_text(
                "a playlist: the sessions of a talk in order (PageUp / PageDown step it)",
            );
            let path = cx.inputs.playlist_path.clone();
            if ui
                .button("Open playlist")
                .on_hover_text("open the playlist and show its first session")
                .clicked()
                && !path.is_empty()
            {
                cx.emit(AppCommand::OpenPlaylist(path));
            }
            if cx.app.nav.playlist.is_some()
                && ui
                    .button("Close playlist")
                    .on_hover_text("PageUp / PageDown step the built-in lectures again")
                    .clicked()
            {
                cx.emit(AppCommand::ClosePlaylist);
            }
        });
        ui.separator();
        ui.label("lecture (PageUp / PageDown)");
        for (i, l) in crate::session::lectures::LECTURES.iter().enumerate() {
            let on = cx.app.nav.lecture == Some(i);
            if ui
                .selectable_label(on, format!("{}. {}", i + 1, l.title))
                .on_hover_text(l.caption)
                .clicked()
            {
                cx.emit(AppCommand::GoToLecture(i));
            }
        }
    }
}
