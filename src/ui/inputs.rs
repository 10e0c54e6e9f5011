//! What the lecturer is typing: file names in text boxes. Editing them is not an action; the
//! buttons beside them emit commands with their contents.

#[derive(Clone, Debug)]
pub struct TextInputs {
    pub session_path: String,
    pub playlist_path: String,
    pub csv_path: String,
    /// The path prefix of exports (the Export section's "file" box).
    pub export_stem: String,
    /// Save the trained weights with the session.
    pub save_weights: bool,
}

impl Default for TextInputs {
    fn default() -> TextInputs {
        TextInputs {
            session_path: String::new(),
            playlist_path: String::new(),
            csv_path: String::new(),
            export_stem: String::new(),
            save_weights: true,
        }
    }
}
