//! Sessions, playlists and the built-in lectures: the current state as a session, and replacing
//! everything with one. On any error the current session is kept and the error shown.

use super::app::ScorefieldApp;
use crate::session::lectures::LECTURES;
use crate::session::{DataSpec, Session};
use crate::train::TrainSnapshot;
use std::sync::Arc;

impl ScorefieldApp {
    /// The current state as a session (with the latest weights if asked and trained).
    pub fn current_session(&self, with_weights: bool) -> Session {
        Session {
            title: self
                .nav
                .lecture
                .map_or(String::new(), |i| LECTURES[i].title.to_string()),
            data: if self.data.is_preset {
                DataSpec::Preset(self.settings.preset.clone())
            } else {
                DataSpec::Inline((*self.data.data).clone())
            },
            settings: self.settings.clone(),
            model: if with_weights {
                self.training.model().map(|m| (*m).clone())
            } else {
                None
            },
        }
    }

    /// Replaces everything with a session (already validated): settings, data, weights.
    pub fn apply_session(&mut self, session: Session) -> Result<(), String> {
        let data = session.dataset()?;
        self.settings = session.settings;
        self.data.is_preset = matches!(session.data, DataSpec::Preset(_));
        if let DataSpec::Preset(name) = &session.data {
            self.settings.preset = name.clone();
        }
        self.data.set(data, true);
        self.training.reset();
        self.training.loaded_model = session.model.map(Arc::new);
        if let Some(model) = &self.training.loaded_model {
            // Show the loaded weights at once; training continues from them.
            self.training.snapshot = Some(Arc::new(TrainSnapshot {
                model: model.clone(),
                step: 0,
                loss: f64::NAN,
                loss_per_level: Vec::new(),
                steps_per_s: 0.0,
                lr: self.settings.lr,
                running: false,
            }));
        }
        // A new session starts its panes from scratch.
        self.samplers.running = None;
        Ok(())
    }

    pub(crate) fn open_session_now(&mut self, path: &str) {
        match Session::load(std::path::Path::new(path)).and_then(|s| self.apply_session(s)) {
            Ok(()) => {
                self.nav.lecture = None;
                self.nav.remember(path);
            }
            Err(e) => self.messages.error(e),
        }
    }

    pub(crate) fn save_session_now(&mut self, path: &str) {
        match self
            .current_session(self.inputs.save_weights)
            .save(std::path::Path::new(path))
        {
            Ok(()) => {
                self.messages.notice(format!("saved {path}"));
                self.nav.remember(path);
            }
            Err(e) => self.messages.error(e),
        }
    }

    pub(crate) fn open_playlist_now(&mut self, path: &str) {
        match crate::session::playlist::load_playlist(std::path::Path::new(path)) {
            Ok(entries) => {
                self.nav.playlist = Some((entries, 0));
                self.step_lecture_now(0);
            }
            Err(e) => self.messages.error(e),
        }
    }

    /// Steps the open playlist, or the built-in lectures, by `delta`.
    pub(crate) fn step_lecture_now(&mut self, delta: i64) {
        let Some((entries, at)) = &self.nav.playlist else {
            let n = LECTURES.len() as i64;
            let next = match self.nav.lecture {
                Some(i) => (i as i64 + delta).rem_euclid(n),
                None if delta >= 0 => 0,
                None => n - 1,
            };
            self.go_to_lecture(next as usize);
            return;
        };
        let n = entries.len() as i64;
        let next = (*at as i64 + delta).rem_euclid(n) as usize;
        let entry = entries[next].clone();
        match entry.session().and_then(|s| self.apply_session(s)) {
            Ok(()) => {
                self.nav.lecture = None;
                if let Some((_, at)) = &mut self.nav.playlist {
                    *at = next;
                }
                self.messages
                    .notice(format!("playlist {}/{}: {}", next + 1, n, entry.label()));
            }
            Err(e) => self.messages.error(e),
        }
    }

    pub(crate) fn go_to_lecture(&mut self, i: usize) {
        match self.apply_session(LECTURES[i].session()) {
            Ok(()) => self.nav.lecture = Some(i),
            Err(e) => self.messages.error(e),
        }
    }
}
