//! GPU compute with wgpu (the image trainer's foundation). Every kernel in `shaders/` has a CPU
//! twin here and a test comparing the two on whatever adapter the machine has (lavapipe in CI).
//! [`context::Gpu::new`] is the only place that can lack an adapter.

pub mod context;
pub mod rng;

pub use context::Gpu;
