//! The app's settings are part of a session: see [`crate::session::settings`].

pub use crate::session::settings::*;
