//! Colour maps live with the scene: see [`crate::scene::colormap`].

pub use crate::scene::colormap::*;
