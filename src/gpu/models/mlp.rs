//! The MLP score network on flattened images:
//! `h1 = silu(W1 c(sigma) x + E1 e + b1)`, `h2 = silu(W2 h1 + E2 e + b2)`, `F = W3 h2 + b3`,
//! `s = (c1(sigma) F + c2_j(sigma) (x - mu)) / sigma`,
//! with `e` the conditioning features of (sigma, class) and `c(sigma) = 1 / sqrt(sigma^2 +
//! sigma_data^2)` scaling the noisy input to about unit variance at every level (without it the
//! large levels saturate the first layer). The skip makes `s` the score of the denoiser
//! `D = mu + c_skip (x - mu) + c_out F` (`x + sigma^2 s = D`), the per-pixel Wiener filter of
//! [`PixelPrior`](crate::gpu::pixel_prior::PixelPrior) plus the network's correction (MATH §3.7):
//! a network narrower than the image cannot pass the noise through a bottleneck, so the identity
//! part goes around it, and pixels that never vary are denoised without it.

use super::{ModelSpec, SIGMA_FREQS};

/// The spread of the data for the input scaling (MNIST pixels: about 0.3; 0.5 is a round bound).
pub const SIGMA_DATA: f32 = 0.5;
use crate::gpu::buffers::View;
use crate::gpu::graph::{Graph, Tensor};
use crate::gpu::kernels::bias_act::Layout;
use crate::gpu::kernels::embed::embed_dim;

pub fn define(
    g: &mut Graph<'_>,
    spec: &ModelSpec,
    hidden: usize,
    x: &Tensor,
    sigma: &View,
    label: &View,
) -> Tensor {
    let d = spec.pixels();
    let edim = embed_dim(SIGMA_FREQS, spec.classes);
    let e = g.embed(sigma, label, SIGMA_FREQS, spec.classes);
    let rows = Layout {
        outer: g.batch,
        channels: hidden,
        inner: 1,
    };
    let xin = g.precondition(x, sigma, SIGMA_DATA);
    let z1 = g.linear("in", &xin, d, hidden, false);
    g.linear_into("in_embed", &e, edim, hidden, &z1, true);
    let h1 = g.bias_silu("in", &z1, rows);
    let z2 = g.linear("hidden", &h1, hidden, hidden, false);
    g.linear_into("hidden_embed", &e, edim, hidden, &z2, true);
    let h2 = g.bias_silu("hidden", &z2, rows);
    let f = g.linear("out", &h2, hidden, d, true);
    let skipped = g.skip(&f, x, sigma, SIGMA_DATA);
    g.div_sigma(&skipped, sigma)
}
