//! Group normalisation with a per-sample shift (`shaders/group_norm.wgsl`): params twin, CPU
//! twins, dispatches. Tensors are `[batch, channels, hw]`.

use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::Dispatch;
use crate::gpu::kernels::Kernels;
use bytemuck::{Pod, Zeroable};

#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct GroupNormParams {
    pub batch: u32,
    pub channels: u32,
    pub hw: u32,
    pub groups: u32,
    pub eps: f32,
    pub accumulate: u32,
    pub _pad: [u32; 2],
}

const _: () = assert!(std::mem::size_of::<GroupNormParams>() == 32);

pub const EPS: f32 = 1e-5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GnShape {
    pub batch: usize,
    pub channels: usize,
    pub hw: usize,
    pub groups: usize,
}

impl GnShape {
    fn params(&self, accumulate: bool) -> GroupNormParams {
        GroupNormParams {
            batch: self.batch as u32,
            channels: self.channels as u32,
            hw: self.hw as u32,
            groups: self.groups as u32,
            eps: EPS,
            accumulate: accumulate as u32,
            _pad: [0; 2],
        }
    }

    fn block(&self, b: usize, g: usize) -> std::ops::Range<usize> {
        let cpg = self.channels / self.groups;
        let base = (b * self.channels + g * cpg) * self.hw;
        base..base + cpg * self.hw
    }
}

/// (mean, 1 / sqrt(biased variance + EPS)) of one (sample, group) block, in f64.
fn group_stats(x: &[f32]) -> (f64, f64) {
    let n = x.len() as f64;
    let mu = x.iter().map(|&v| v as f64).sum::<f64>() / n;
    let var = x.iter().map(|&v| (v as f64 - mu).powi(2)).sum::<f64>() / n;
    (mu, 1.0 / (var + EPS as f64).sqrt())
}

/// CPU twin of `forward`: `(y, stats)` with stats = (mu, rstd) per (sample, group).
pub fn gn_forward_cpu(
    sh: GnShape,
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    shift: &[f32],
) -> (Vec<f32>, Vec<f32>) {
    let mut y = vec![0.0; x.len()];
    let mut stats = Vec::new();
    for b in 0..sh.batch {
        for g in 0..sh.groups {
            let r = sh.block(b, g);
            let (mu, rstd) = group_stats(&x[r.clone()]);
            for i in r {
                let c = (i / sh.hw) % sh.channels;
                y[i] = gamma[c] * ((x[i] as f64 - mu) * rstd) as f32
                    + beta[c]
                    + shift[b * sh.channels + c];
            }
            stats.extend([mu as f32, rstd as f32]);
        }
    }
    (y, stats)
}

/// CPU twin of `backward` followed by the sums over the batch:
/// `(dx, dgamma, dbeta, dshift)`.
pub fn gn_backward_cpu(
    sh: GnShape,
    x: &[f32],
    gamma: &[f32],
    dy: &[f32],
) -> (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut dx = vec![0.0; x.len()];
    let mut dgamma = vec![0.0; sh.channels];
    let mut dbeta = vec![0.0; sh.channels];
    let mut dshift = vec![0.0; sh.batch * sh.channels];
    for b in 0..sh.batch {
        for g in 0..sh.groups {
            let r = sh.block(b, g);
            let n = r.len() as f64;
            let (mu, rstd) = group_stats(&x[r.clone()]);
            let xhat = |i: usize| (x[i] as f64 - mu) * rstd;
            let gg = |i: usize| dy[i] as f64 * gamma[(i / sh.hw) % sh.channels] as f64;
            let mean_g = r.clone().map(gg).sum::<f64>() / n;
            let mean_gx = r.clone().map(|i| gg(i) * xhat(i)).sum::<f64>() / n;
            for i in r {
                let c = (i / sh.hw) % sh.channels;
                dx[i] = (rstd * (gg(i) - mean_g - xhat(i) * mean_gx)) as f32;
                dgamma[c] += dy[i] * xhat(i) as f32;
                dbeta[c] += dy[i];
                dshift[b * sh.channels + c] += dy[i];
            }
        }
    }
    (dx, dgamma, dbeta, dshift)
}

/// `y = gamma xhat + beta + shift`; writes `stats` (2 per (sample, group)).
#[allow(clippy::too_many_arguments)]
pub fn gn_forward(
    gpu: &Gpu,
    k: &Kernels,
    sh: GnShape,
    x: &View,
    gamma: &View,
    beta: &View,
    shift: &View,
    y: &View,
    stats: &View,
) -> Dispatch {
    k.gn_forward.dispatch(
        gpu,
        &sh.params(false),
        &[
            (1, x),
            (2, gamma),
            (3, beta),
            (4, shift),
            (5, y),
            (6, stats),
        ],
        [(sh.batch * sh.groups) as u32, 1, 1],
    )
}

/// `dx (+)=`; per-(sample, channel) parts of dgamma and dbeta (dbeta_part is dshift).
#[allow(clippy::too_many_arguments)]
pub fn gn_backward(
    gpu: &Gpu,
    k: &Kernels,
    sh: GnShape,
    x: &View,
    gamma: &View,
    stats: &View,
    dy: &View,
    dx: &View,
    dgamma_part: &View,
    dbeta_part: &View,
    accumulate: bool,
) -> Dispatch {
    k.gn_backward.dispatch(
        gpu,
        &sh.params(accumulate),
        &[
            (1, x),
            (2, gamma),
            (7, stats),
            (8, dy),
            (9, dx),
            (10, dgamma_part),
            (11, dbeta_part),
        ],
        [(sh.batch * sh.groups) as u32, 1, 1],
    )
}
