//! scorefield: score-based generative models and diffusion, live.
//!
//! The crate is a plain numerical library (`dist`, `data`, `sample`, `field`, `metrics`), the
//! figure description (`scene`, with the pure view specification `scene::spec`) and the live
//! view's workers (`live`), with a headless command line (`cli`) and an egui front end (`ui`) on
//! top. Nothing below `ui` imports egui; `cli` and `ui` do not import each other. Every formula cites the section of the crate's mathematics that it implements, e.g.
//! `MATH §2.1`: the sections are in `src/math.md`, rendered by `cargo doc` as [`math`].

pub mod atomic_file;
pub mod budget;
pub mod cli;
pub mod data;
pub mod dist;
pub mod field;
pub mod geom;
pub mod gpu;
pub mod images;
pub mod live;
pub mod math;
pub mod metrics;
pub mod nn;
pub mod noise;
pub mod render;
pub mod runtime_dir;
pub mod sample;
pub mod scene;
pub mod session;
pub mod simd;
pub mod timing;
pub mod train;
pub mod ui;
pub mod versioned_json;
pub mod worker_thread;
