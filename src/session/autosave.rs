//! The app's autosave: the current session (without weights) and the recent files, written every
//! 30 s and on exit, restored at the next start.
//!
//! Files, in the data folder ([`AutosaveStore::default_dir`]):
//! - `autosave.json`: the newest session;
//! - `autosave.prev.json`: the one before it, kept as a backup;
//! - `recent.json`: the recent files, a JSON list of paths.
//!
//! A save moves a newest file that still parses to the backup, then writes the new one with the
//! atomic writer (temporary file, fsync, rename). So however a save fails (full disk, the app
//! killed mid-write), one of the two files is a whole session, and [`AutosaveStore::load`] falls
//! back to the backup when the newest is missing or does not parse, and says so.

use super::Session;
use crate::atomic_file::write_bytes_atomic;
use std::path::{Path, PathBuf};

/// The largest autosave file read back (a session without weights is a few kB).
const MAX_AUTOSAVE_BYTES: u64 = 64 << 20;

pub struct AutosaveStore {
    dir: PathBuf,
}

/// What [`AutosaveStore::load`] found.
#[derive(Debug, Default)]
pub struct Restored {
    pub session: Option<Session>,
    /// What went wrong on the way (a damaged newest file, a fallback), for the user.
    pub messages: Vec<String>,
}

impl AutosaveStore {
    pub fn new(dir: PathBuf) -> AutosaveStore {
        AutosaveStore { dir }
    }

    /// `$XDG_DATA_HOME/scorefield`, or `~/.local/share/scorefield`, or the temp folder's
    /// `scorefield-data` where neither is known.
    pub fn default_dir() -> PathBuf {
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(d) = env("XDG_DATA_HOME") {
            return d.join("scorefield");
        }
        if let Some(home) = env("HOME") {
            return home.join(".local/share/scorefield");
        }
        std::env::temp_dir().join("scorefield-data")
    }

    pub fn newest_path(&self) -> PathBuf {
        self.dir.join("autosave.json")
    }

    pub fn backup_path(&self) -> PathBuf {
        self.dir.join("autosave.prev.json")
    }

    fn recent_path(&self) -> PathBuf {
        self.dir.join("recent.json")
    }

    /// Saves `session` (already without weights) and the recent files.
    pub fn save(&self, session: &Session, recent: &[String]) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| format!("{}: cannot create: {e}", self.dir.display()))?;
        let newest = self.newest_path();
        if read_session(&newest).is_ok() {
            std::fs::rename(&newest, self.backup_path())
                .map_err(|e| format!("{}: cannot keep as backup: {e}", newest.display()))?;
        }
        write_bytes_atomic(&newest, session.to_json().as_bytes())?;
        let recent = serde_json::to_string(recent).map_err(|e| e.to_string())?;
        write_bytes_atomic(&self.recent_path(), recent.as_bytes())
    }

    /// The newest session that parses, falling back to the backup.
    pub fn load(&self) -> Restored {
        let mut restored = Restored::default();
        let newest = self.newest_path();
        match read_session(&newest) {
            Ok(s) => restored.session = Some(s),
            Err(e) => {
                if newest.exists() {
                    restored.messages.push(e);
                }
                let backup = self.backup_path();
                match read_session(&backup) {
                    Ok(s) => {
                        if newest.exists() {
                            restored.messages.push(format!(
                                "restored the previous autosave, {}",
                                backup.display()
                            ));
                        }
                        restored.session = Some(s);
                    }
                    Err(e) if backup.exists() => restored.messages.push(e),
                    Err(_) => {}
                }
            }
        }
        restored
    }

    /// The recent files, or none when the file is missing or damaged.
    pub fn recent(&self) -> Vec<String> {
        read_capped(&self.recent_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }
}

fn read_capped(path: &Path) -> Result<Vec<u8>, String> {
    crate::budget::read_file_capped(path, MAX_AUTOSAVE_BYTES)
}

fn read_session(path: &Path) -> Result<Session, String> {
    let bytes = read_capped(path)?;
    Session::from_json(&bytes, &path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_damaged_newest_file_falls_back_to_the_backup() {
        let dir = std::env::temp_dir().join(format!("scorefield-autosave-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = AutosaveStore::new(dir.clone());
        assert!(store.load().session.is_none(), "nothing saved yet");
        let session = |seed: u64| Session {
            title: String::new(),
            data: crate::session::DataSpec::Preset("ring8".into()),
            settings: crate::session::Settings {
                seed,
                ..Default::default()
            },
            model: None,
        };
        let (first, second) = (session(1), session(2));
        store.save(&first, &["a.json".into()]).expect("save");
        store.save(&second, &["b.json".into()]).expect("save");
        assert_eq!(store.load().session.map(|s| s.settings.seed), Some(2));
        assert_eq!(store.recent(), vec!["b.json".to_string()]);
        // Cut the newest file mid-string, as a full disk did to the old store.
        let text = std::fs::read(store.newest_path()).expect("newest");
        std::fs::write(store.newest_path(), &text[..text.len() / 2]).expect("cut");
        let restored = store.load();
        assert_eq!(restored.session.map(|s| s.settings.seed), Some(1));
        assert!(
            restored
                .messages
                .iter()
                .any(|m| m.contains("autosave.json"))
        );
        // The next save keeps the good backup rather than the damaged file.
        store.save(&second, &[]).expect("save");
        let backup = std::fs::read(store.backup_path()).expect("backup");
        assert!(Session::from_json(&backup, "backup").is_ok());
        std::fs::remove_dir_all(&dir).ok();
    }
}
