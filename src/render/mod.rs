//! Scenes to files: PNG, SVG and PDF through plotters (text in the font shipped in
//! `assets/fonts/`), GIF animations, every file written atomically.

pub mod animation;
pub mod figure;
pub mod files;
pub mod vector;

pub use files::{FigureFormat, FigureSize, write_figure};
