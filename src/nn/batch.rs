//! A training batch and the batch loss with its parameter gradients.
//!
//! `loss = 1/B sum_b weight_b * l_b(s_b, ds_b)` (MATH §3: the loss is the batch mean). A batch can
//! be evaluated in parts (one per thread): each part adds its share of the loss and gradient.

use super::mlp::Mlp;
use super::objective::Objective;
use super::pass::{Gradients, Workspace, backward, forward, set_output_scale};
use super::real::Real;
use crate::geom::Point;
use nalgebra::DMatrix;
use std::ops::Range;

/// One batch, sample-major; `dirs` holds `K` tangent directions per sample, direction-major
/// (`dirs[k * B + b]`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// Network input points (perturbed data for DSM/NCSN/DDPM, data for ESM/ISM/SSM).
    pub x: Vec<Point>,
    /// Noise level per sample: the embedding input and, for `s = F / sigma`, the output scale.
    pub sigma: Vec<f64>,
    /// Class per sample; `None` is the null class (or an unconditional network).
    pub class: Vec<Option<usize>>,
    /// Loss weight `lambda` per sample.
    pub weight: Vec<f64>,
    /// Regression target per sample (ESM: exact score, DSM: -z/sigma, DDPM: eps).
    pub target: Vec<Point>,
    pub dirs: Vec<Point>,
    /// Noise-level index per sample, for the loss per level (0 when there is one level).
    pub level: Vec<usize>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.x.len()
    }

    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    pub fn clear(&mut self) {
        self.x.clear();
        self.sigma.clear();
        self.class.clear();
        self.weight.clear();
        self.target.clear();
        self.dirs.clear();
        self.level.clear();
    }
}

/// Writes the network input of samples `range` into the workspace: `[x, y, embed(sigma),
/// onehot(class or null)]`, tangent directions in rows 0 and 1, and the output scale.
pub fn fill_inputs<T: Real>(
    net: &Mlp<T>,
    ws: &mut Workspace<T>,
    batch: &Batch,
    range: Range<usize>,
) {
    let cfg = &net.config;
    let emb_dim = cfg.embedding.dim();
    let mut emb = vec![0.0; emb_dim];
    let input = ws.input_mut();
    input.fill(T::zero());
    for (j, b) in range.clone().enumerate() {
        input[(0, j)] = T::of(batch.x[b].x);
        input[(1, j)] = T::of(batch.x[b].y);
        cfg.embedding.write(batch.sigma[b], &mut emb);
        for (i, e) in emb.iter().enumerate() {
            input[(2 + i, j)] = T::of(*e);
        }
        if cfg.n_classes > 0 {
            let c = batch.class[b].unwrap_or(cfg.n_classes);
            input[(2 + emb_dim + c, j)] = T::one();
        }
    }
    let n = range.len();
    let k_total = ws.n_tangents();
    let total = batch.len();
    if k_total > 0 {
        let dinput = ws.tangent_input_mut();
        dinput.fill(T::zero());
        for k in 0..k_total {
            for (j, b) in range.clone().enumerate() {
                let v = batch.dirs[k * total + b];
                dinput[(0, k * n + j)] = T::of(v.x);
                dinput[(1, k * n + j)] = T::of(v.y);
            }
        }
    }
    set_output_scale(net, ws, &batch.sigma[range]);
}

/// Buffers for one part of a batch: the workspace and the loss gradients `dl/ds`, `dl/d(ds)`.
#[derive(Clone, Debug)]
pub struct LossWorkspace<T: Real> {
    pub ws: Workspace<T>,
    g_score: DMatrix<T>,
    g_tangent: DMatrix<T>,
}

impl<T: Real> LossWorkspace<T> {
    pub fn new(net: &Mlp<T>, part: usize, n_tangents: usize) -> LossWorkspace<T> {
        LossWorkspace {
            ws: Workspace::new(net, part, n_tangents),
            g_score: DMatrix::zeros(2, part),
            g_tangent: DMatrix::zeros(2, part * n_tangents),
        }
    }
}

/// The loss of samples `range` of `batch` (their share of the mean over `total` samples: a
/// part of a larger batch passes the whole batch's size), adding the parameter gradients into
/// `grads` and each sample's weighted loss into `per_level[level]`.
#[allow(clippy::too_many_arguments)]
pub fn part_loss<T: Real>(
    net: &Mlp<T>,
    objective: &Objective,
    batch: &Batch,
    range: Range<usize>,
    total: usize,
    lw: &mut LossWorkspace<T>,
    grads: &mut Gradients<T>,
    per_level: &mut [f64],
) -> f64 {
    let n = range.len();
    assert_eq!(lw.ws.batch(), n, "workspace sized for the part");
    fill_inputs(net, &mut lw.ws, batch, range.clone());
    forward(net, &mut lw.ws);
    let (total, k_total) = (total as f64, objective.n_tangents());
    let mut loss = 0.0;
    let mut ds = [Point::zeros(); super::objective::MAX_TANGENTS];
    let mut dirs = [Point::zeros(); super::objective::MAX_TANGENTS];
    for (j, b) in range.enumerate() {
        let s = lw.ws.score(j);
        let s = Point::new(s[0].f64(), s[1].f64());
        for k in 0..k_total {
            let t = lw.ws.score_tangent(k, j);
            ds[k] = Point::new(t[0].f64(), t[1].f64());
            dirs[k] = batch.dirs[k * batch.len() + b];
        }
        let target = batch.target.get(b).copied().unwrap_or_default();
        let (l, g_s, g_ds) = objective.sample_loss(s, &ds[..k_total], &dirs[..k_total], target);
        let w = batch.weight[b];
        loss += w * l / total;
        if let Some(slot) = per_level.get_mut(batch.level[b]) {
            *slot += w * l;
        }
        let c = w / total;
        lw.g_score[(0, j)] = T::of(g_s.x * c);
        lw.g_score[(1, j)] = T::of(g_s.y * c);
        for (k, g) in g_ds.as_slice().iter().enumerate() {
            lw.g_tangent[(0, k * n + j)] = T::of(g.x * c);
            lw.g_tangent[(1, k * n + j)] = T::of(g.y * c);
        }
    }
    let g_tangent = (k_total > 0).then_some(&lw.g_tangent);
    backward(net, &mut lw.ws, &lw.g_score, g_tangent, grads);
    loss
}

/// The whole batch's loss and gradient in one part (for tests and small batches).
pub fn batch_loss<T: Real>(
    net: &Mlp<T>,
    objective: &Objective,
    batch: &Batch,
) -> (f64, Gradients<T>) {
    let mut lw = LossWorkspace::new(net, batch.len(), objective.n_tangents());
    let mut grads = Gradients::zeros_like(net);
    let mut per_level = [0.0; 0];
    let loss = part_loss(
        net,
        objective,
        batch,
        0..batch.len(),
        batch.len(),
        &mut lw,
        &mut grads,
        &mut per_level,
    );
    (loss, grads)
}

/// Scores `s(x_j, sigma_j, class_j)` for a batch with no loss (inference).
pub fn scores<T: Real>(
    net: &Mlp<T>,
    ws: &mut Workspace<T>,
    batch: &Batch,
    range: Range<usize>,
    out: &mut [Point],
) {
    fill_inputs(net, ws, batch, range);
    forward(net, ws);
    for (j, o) in out.iter_mut().enumerate() {
        let s = ws.score(j);
        *o = Point::new(s[0].f64(), s[1].f64());
    }
}
