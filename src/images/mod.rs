//! Image data for the GPU score network: the embedded MNIST subset, standard IDX files, folders
//! of PNG images, and the held-out split. Pixels are stored as bytes and mean `v / 255` in
//! `[0, 1]` (MATH §1: the image trainer's data lives in R^D, D = width x height).

pub mod classifier;
pub mod dataset;
pub mod grid;
pub mod idx;
pub mod png_dir;
pub mod source;

pub use dataset::ImageSet;
pub use source::DatasetSource;
