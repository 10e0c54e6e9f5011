//! Sessions, playlists and the built-in lectures: where the lecture is, what was opened
//! recently, where the app autosaves, and what Ctrl+Z can bring back.

use crate::session::autosave::AutosaveStore;
use crate::session::playlist::Entry;

#[derive(Default)]
pub struct Navigation {
    pub recent: Vec<String>,
    /// The built-in lecture on screen.
    pub lecture: Option<usize>,
    /// An opened playlist and the position in it (PageUp / PageDown step it when present).
    pub playlist: Option<(Vec<Entry>, usize)>,
    /// Where the session is autosaved (none in screenshot runs and tests).
    pub autosave: Option<AutosaveStore>,
    /// What the last switches and resets threw away (Ctrl+Z).
    pub undo: super::UndoStack,
}

impl Navigation {
    /// Puts `path` first among the recent files (at most 8).
    pub fn remember(&mut self, path: &str) {
        self.recent.retain(|p| p != path);
        self.recent.insert(0, path.to_string());
        self.recent.truncate(8);
    }
}
