//! A small convolutional U-Net score network at two resolutions (H x W and H/2 x W/2):
//!
//! ```text
//! h0 = B(c(sigma) x, 1 -> C)  h1 = B(h0, C -> C)                  (full resolution)
//! m0 = B(pool(h1), C -> 2C)   m1 = B(m0, 2C -> 2C)                (half resolution)
//! u0 = B(up(m1), 2C -> C)     u1 = B(u0 + h1, C -> C)             (skip connection)
//! F  = conv(u1, C -> 1) + b,   s = (c1(sigma) F + c2_j(sigma) (x - mu)) / sigma
//! ```
//!
//! The input scaling `c(sigma)` and the skip are the MLP's (see `mlp.rs`): `s` is the score of
//! the denoiser `mu + c_skip (x - mu) + c_out F`, so at the large levels, where the score is
//! nearly `-(x - mean) / sigma^2`, the network only learns a correction.
//!
//! with the block `B(x) = silu(GN(conv3x3(x)) + P e)`: group norm's per-sample shift carries
//! the projection `P e` of the conditioning features into every block.

use super::mlp::SIGMA_DATA;
use super::{ModelSpec, SIGMA_FREQS};
use crate::gpu::buffers::View;
use crate::gpu::graph::{Graph, Tensor};
use crate::gpu::kernels::bias_act::Layout;
use crate::gpu::kernels::embed::embed_dim;

/// Groups for group norm: 8, 4 or 2 groups of at least two channels.
pub fn groups(channels: usize) -> usize {
    [8, 4, 2]
        .into_iter()
        .find(|g| channels.is_multiple_of(*g) && channels / g >= 2)
        .unwrap_or(1)
}

struct Ctx<'a> {
    e: &'a Tensor,
    edim: usize,
}

#[allow(clippy::too_many_arguments)]
fn block(
    g: &mut Graph<'_>,
    c: &Ctx<'_>,
    name: &str,
    x: &Tensor,
    cin: usize,
    cout: usize,
    h: usize,
    w: usize,
) -> Tensor {
    let conv = g.conv(name, x, cin, cout, h, w);
    let shift = g.linear(&format!("{name}.embed"), c.e, c.edim, cout, false);
    let n = g.group_norm(
        &format!("{name}.gn"),
        &conv,
        &shift,
        cout,
        h * w,
        groups(cout),
    );
    let layout = Layout {
        outer: g.batch,
        channels: cout,
        inner: h * w,
    };
    g.silu(name, &n, layout)
}

pub fn define(
    g: &mut Graph<'_>,
    spec: &ModelSpec,
    ch: usize,
    x: &Tensor,
    sigma: &View,
    label: &View,
) -> Tensor {
    let (h, w) = (spec.height, spec.width);
    let (h2, w2) = (h / 2, w / 2);
    let e = g.embed(sigma, label, SIGMA_FREQS, spec.classes);
    let c = Ctx {
        e: &e,
        edim: embed_dim(SIGMA_FREQS, spec.classes),
    };
    let xin = g.precondition(x, sigma, SIGMA_DATA);
    let h0 = block(g, &c, "down0", &xin, 1, ch, h, w);
    let h1 = block(g, &c, "down1", &h0, ch, ch, h, w);
    let d = g.pool(&h1, ch, h2, w2);
    let m0 = block(g, &c, "mid0", &d, ch, 2 * ch, h2, w2);
    let m1 = block(g, &c, "mid1", &m0, 2 * ch, 2 * ch, h2, w2);
    let u = g.up(&m1, 2 * ch, h2, w2);
    let u0 = block(g, &c, "up0", &u, 2 * ch, ch, h, w);
    let skip = g.add(&u0, &h1);
    let u1 = block(g, &c, "up1", &skip, ch, ch, h, w);
    let f = g.conv("out", &u1, ch, 1, h, w);
    g.add_bias(
        "out",
        &f,
        Layout {
            outer: g.batch,
            channels: 1,
            inner: h * w,
        },
    );
    let skipped = g.skip(&f, x, sigma, SIGMA_DATA);
    g.div_sigma(&skipped, sigma)
}
