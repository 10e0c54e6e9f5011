//! GPU compute with wgpu: the image-scale score network. Every kernel in `shaders/` has a CPU
//! twin in [`kernels`] and a test comparing the two on whatever adapter the machine has
//! (lavapipe in CI). [`context::Gpu::new`] is the only place that can lack an adapter.

pub mod buffers;
pub mod context;
pub mod kernel;
pub mod kernels;
pub mod rng;

pub use buffers::View;
pub use context::Gpu;
pub use kernels::Kernels;
pub mod checkpoint;
pub mod graph;
pub mod models;
pub mod params;
pub mod pixel_prior;
pub mod sampler;
pub mod train_schedule;
pub mod trainer;
pub mod worker;
