//! The score network: a small MLP with hand-written forward, backward and forward-mode tangent
//! passes (MATH §3), its objectives, and Adam.
//!
//! Layout: activations are feature-major matrices `width x batch` (one column per sample);
//! weights are `out x in`. Every product goes through nalgebra's `gemm`, which hands dynamic
//! matrices to `matrixmultiply` (AVX2/FMA kernels); transposed operands are strided views, so no
//! product copies a matrix.

pub mod activation;
pub mod adam;
pub mod batch;
mod dense_gemm;
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
