//! Errors (red, until dismissed) and notices (saved files, rollbacks; they fade after a few
//! seconds) shown above the panes. Presenter mode shows neither: nothing transient reaches the
//! slide. The full lists stay for the record.

use std::time::{Duration, Instant};

/// How long a notice stays on screen.
pub const NOTICE_LIFETIME: Duration = Duration::from_secs(8);

#[derive(Debug, Default)]
pub struct Messages {
    pub errors: Vec<String>,
    pub notices: Vec<String>,
    /// When each notice arrived.
    notice_times: Vec<Instant>,
    /// Errors before this index were dismissed.
    errors_dismissed: usize,
    notices_dismissed: usize,
}

impl Messages {
    pub fn error(&mut self, e: impl Into<String>) {
        self.errors.push(e.into());
    }

    pub fn notice(&mut self, n: impl Into<String>) {
        self.notices.push(n.into());
        self.notice_times.push(Instant::now());
    }

    /// Hides everything shown so far.
    pub fn clear(&mut self) {
        self.errors_dismissed = self.errors.len();
        self.notices_dismissed = self.notices.len();
    }

    /// The errors on screen, newest last.
    pub fn visible_errors(&self) -> &[String] {
        &self.errors[self.errors_dismissed.min(self.errors.len())..]
    }

    /// The notices on screen: not dismissed, and younger than [`NOTICE_LIFETIME`].
    pub fn visible_notices(&self) -> Vec<&str> {
        self.notices
            .iter()
            .zip(&self.notice_times)
            .skip(self.notices_dismissed)
            .filter(|(_, t)| t.elapsed() < NOTICE_LIFETIME)
            .map(|(n, _)| n.as_str())
            .collect()
    }
}
