//! The score network: a small MLP with hand-written forward, backward and forward-mode tangent
//! passes (MATH §3), its objectives, and Adam.
//!
//! Layout: activations are feature-major matrices `width x batch` (one column per sample);
//! weights are `out x in`. The products are in `products` (large ones through the `gemm` crate's
//! runtime-dispatched kernels, transposed operands as strides, so no product copies a matrix);
//! the element-wise steps between them in `activation` and `elementwise`, compiled for the CPU's
//! vector instructions through `crate::simd`.

pub mod activation;
pub mod adam;
pub mod batch;
mod dense_gemm;
mod elementwise;
pub mod embedding;
pub mod mlp;
pub mod objective;
pub mod pass;
pub mod products;
pub mod real;
pub mod safetensors_format;
pub mod serialize;

pub use activation::Activation;
pub use adam::Adam;
pub use embedding::SigmaEmbedding;
pub use mlp::{Mlp, MlpConfig, OutputParam};
pub use objective::{Objective, ProjectionDist};
pub use pass::{Gradients, Workspace};
pub use real::Real;
pub use serialize::{NoiseKind, ScoreModel};
