//! Scenes to files: PNG and SVG through plotters (text in the font shipped in
//! `assets/fonts/`), every file written atomically.

pub mod animation;
pub mod figure;
pub mod files;

pub use files::{write_png, write_svg};
