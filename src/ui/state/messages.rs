//! Errors (red, dismissable) and notices (saved files, rollbacks) shown above the panes.

#[derive(Debug, Default)]
pub struct Messages {
    pub errors: Vec<String>,
    pub notices: Vec<String>,
}

impl Messages {
    pub fn error(&mut self, e: impl Into<String>) {
        self.errors.push(e.into());
    }

    pub fn notice(&mut self, n: impl Into<String>) {
        self.notices.push(n.into());
    }

    pub fn clear(&mut self) {
        self.errors.clear();
        self.notices.clear();
    }
}
