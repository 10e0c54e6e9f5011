//! Data sets: mixture presets, sample-only shapes, mixture files, point CSV files.

pub mod dataset;
pub mod mixture_file;
pub mod points_file;
pub mod presets;
pub mod shapes;

pub use dataset::Dataset;
pub use presets::{PRESETS, Preset, preset};
