//! Group normalisation with a per-sample shift (`shaders/group_norm.wgsl`): params twin, CPU
//! twins, dispatches. Tensors are `[batch, channels, hw]`.

use crate::gpu::buffers::View;
use crate::gpu::context::Gpu;
use crate::gpu::kernel::Dispatch;
use crate::gpu::kernels::{Family, Kernels};
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

    /// Values of the statistics buffer: (mu, rstd) per (sample, group), and in the register
    /// family the backward pass's (mean(g), mean(g xhat)) after them.
    pub fn stats_len(&self) -> usize {
        4 * self.batch * self.groups
    }

    /// Workgroups of the register family's sums: one invocation per (sample, group), 16 to
    /// a workgroup.
    fn sum_groups(&self) -> [u32; 3] {
        [(self.batch * self.groups).div_ceil(16) as u32, 1, 1]
    }

    /// Workgroups of the register family's element passes: a row of 64 pixels of one
    /// (channel, sample) plane each.
    fn plane_groups(&self) -> [u32; 3] {
        [
            self.hw.div_ceil(64) as u32,
            self.channels as u32,
            self.batch as u32,
        ]
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

/// `y = gamma xhat + beta + shift`; writes `stats` ((mu, rstd) per (sample, group)), in the
/// adapter's family.
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
) -> Vec<Dispatch> {
    gn_forward_on(gpu, k, k.family, sh, [x, gamma, beta, shift, y, stats])
}

/// [`gn_forward`] in a chosen family; `views` is `[x, gamma, beta, shift, y, stats]`:
/// one workgroup per (sample, group) with tree sums, or the register family's two passes.
pub fn gn_forward_on(
    gpu: &Gpu,
    k: &Kernels,
    family: Family,
    sh: GnShape,
    views: [&View; 6],
) -> Vec<Dispatch> {
    let [x, gamma, beta, shift, y, stats] = views;
    let p = sh.params(false);
    match family {
        Family::Workgroup => vec![k.gn_forward.dispatch(
            gpu,
            &p,
            &[
                (1, x),
                (2, gamma),
                (3, beta),
                (4, shift),
                (5, y),
                (6, stats),
            ],
            [(sh.batch * sh.groups) as u32, 1, 1],
        )],
        Family::Registers => vec![
            k.gn_stats_lanes
                .dispatch(gpu, &p, &[(1, x), (6, stats)], sh.sum_groups()),
            k.gn_apply_lanes.dispatch(
                gpu,
                &p,
                &[
                    (1, x),
                    (2, gamma),
                    (3, beta),
                    (4, shift),
                    (5, y),
                    (7, stats),
                ],
                sh.plane_groups(),
            ),
        ],
    }
}

/// `dx (+)=`; per-(sample, channel) parts of dgamma and dbeta (dbeta_part is dshift), in the
/// adapter's family.
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
) -> Vec<Dispatch> {
    let views = [x, gamma, stats, dy, dx, dgamma_part, dbeta_part];
    gn_backward_on(gpu, k, k.family, sh, views, accumulate)
}

/// [`gn_backward`] in a chosen family; `views` is
/// `[x, gamma, stats, dy, dx, dgamma_part, dbeta_part]`.
pub fn gn_backward_on(
    gpu: &Gpu,
    k: &Kernels,
    family: Family,
    sh: GnShape,
    views: [&View; 7],
    accumulate: bool,
) -> Vec<Dispatch> {
    let [x, gamma, stats, dy, dx, dgamma_part, dbeta_part] = views;
    let p = sh.params(accumulate);
    match family {
        Family::Workgroup => vec![k.gn_backward.dispatch(
            gpu,
            &p,
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
        )],
        Family::Registers => vec![
            k.gn_backward_sums_lanes.dispatch(
                gpu,
                &p,
                &[
                    (1, x),
                    (2, gamma),
                    (6, stats),
                    (8, dy),
                    (10, dgamma_part),
                    (11, dbeta_part),
                ],
                sh.sum_groups(),
            ),
            k.gn_backward_apply_lanes.dispatch(
                gpu,
                &p,
                &[(1, x), (2, gamma), (7, stats), (8, dy), (9, dx)],
                sh.plane_groups(),
            ),
        ],
    }
}
