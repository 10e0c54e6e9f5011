//! Sessions: everything that reproduces a demo (data, settings, seeds, optionally the trained
//! weights) in one versioned JSON file, and the built-in lecture presets.

pub mod autosave;
pub mod file;
pub mod lectures;
pub mod playlist;
pub mod settings;

pub use file::{DataSpec, Session};
pub use settings::Settings;
