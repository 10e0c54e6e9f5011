//! Playlists: an ordered list of sessions for a talk, stepped with PageUp / PageDown.
//!
//! File format (JSON, version 1):
//! `{"format": "scorefield-playlist", "version": 1, "sessions": ["intro.json", "lecture:langevin", ...]}`.
//! An entry is a session file (relative paths are relative to the playlist's folder) or
//! `lecture:NAME`, a built-in lecture preset. Every entry is checked when the playlist opens, so
//! a bad entry is reported before the talk, naming the entry.

use super::file::Session;
use super::lectures::lecture;
use serde::Deserialize;
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "scorefield-playlist";
pub const VERSION: u32 = 1;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlaylistJson {
    format: String,
    version: u32,
    sessions: Vec<String>,
}

/// One step of a playlist.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    File(PathBuf),
    Lecture(&'static str),
}

impl Entry {
    /// The session of this step (files are read again, so edits made before the talk count).
    pub fn session(&self) -> Result<Session, String> {
        match self {
            Entry::File(path) => Session::load(path),
            Entry::Lecture(name) => lecture(name)
                .map(|l| l.session())
                .ok_or_else(|| format!("unknown lecture '{name}'")),
        }
    }

    pub fn label(&self) -> String {
        match self {
            Entry::File(path) => path.display().to_string(),
            Entry::Lecture(name) => format!("lecture:{name}"),
        }
    }
}

/// Reads and checks a playlist file.
pub fn load_playlist(path: &Path) -> Result<Vec<Entry>, String> {
    let name = path.display().to_string();
    let bytes = crate::budget::read_file_capped(path, crate::budget::MAX_PLAYLIST_BYTES)?;
    let doc: PlaylistJson =
        crate::versioned_json::parse(&bytes, &name, "playlist", FORMAT, VERSION)?;
    if doc.sessions.is_empty() {
        return Err(format!("{name}: sessions: the playlist is empty"));
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    doc.sessions
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let entry = match s.strip_prefix("lecture:") {
                Some(l) => Entry::Lecture(
                    lecture(l)
                        .map(|l| l.name)
                        .ok_or_else(|| format!("{name}: sessions[{i}]: unknown lecture '{l}'"))?,
                ),
                None => Entry::File(folder.join(s)),
            };
            entry
                .session()
                .map_err(|e| format!("{name}: sessions[{i}]: {e}"))?;
            Ok(entry)
        })
        .collect()
}

impl crate::versioned_json::Versioned for PlaylistJson {
    fn format(&self) -> &str {
        &self.format
    }

    fn version(&self) -> u32 {
        self.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playlists_resolve_files_and_lectures_and_name_bad_entries() {
        let dir = std::env::temp_dir().join(format!("scorefield-playlist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let session = lecture("tweedie").expect("lecture").session();
        session.save(&dir.join("one.json")).expect("save");
        let list = dir.join("talk.json");
        std::fs::write(&list, r#"{"format":"scorefield-playlist","version":1,"sessions":["one.json","lecture:langevin-vs-annealed"]}"#).expect("write");
        let entries = load_playlist(&list).expect("playlist");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].session().expect("session"), session);
        assert_eq!(entries[1], Entry::Lecture("langevin-vs-annealed"));
        std::fs::write(&list, r#"{"format":"scorefield-playlist","version":1,"sessions":["one.json","missing.json"]}"#).expect("write");
        let err = load_playlist(&list).expect_err("missing entry");
        assert!(
            err.contains("talk.json: sessions[1]") && err.contains("missing.json: cannot read"),
            "{err}"
        );
        std::fs::write(
            &list,
            r#"{"format":"scorefield-playlist","version":1,"sessions":["lecture:nope"]}"#,
        )
        .expect("write");
        assert!(
            load_playlist(&list)
                .expect_err("bad lecture")
                .contains("unknown lecture 'nope'")
        );
    }
}
