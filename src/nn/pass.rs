//! Forward, forward-mode tangent and backward passes of the MLP, batched.
//!
//! Shapes (B = batch, K = tangent directions per sample, blocks of B columns per direction):
//! ```text
//! forward                               backward (mirrors it, derivative beside each line)
//! h_0 = input             (in  x B)
//! z_l = W_l h_{l-1} + b_l (w_l x B)     gz_l  = gh_l .* f'(z_l) + sum_k gdh_lk .* f''(z_l) .* dz_lk
//! h_l = f(z_l)                          gdz_l = gdh_l .* f'(z_l)
//! F   = W_L h_{L-1} + b_L (2 x B)       gW_l += gz_l h_{l-1}^T + gdz_l dh_{l-1}^T,  gb_l += rowsum gz_l
//! s   = F .* scale        (scale = 1/sigma or 1, per column)
//! tangents: dh_0 = [v; 0] (in x KB), dz_l = W_l dh_{l-1}, dh_l = f'(z_l) .* dz_l, ds = (W_L dh_{L-1}) .* scale
//! gh_{l-1} = W_l^T gz_l,  gdh_{l-1} = W_l^T gdz_l
//! ```
//! `ds` for direction `v` is the Jacobian-vector product `(d s / d x) v` (MATH §3.2, §3.3).

use super::elementwise::{activation_backward, tangent_forward};
use super::mlp::{Mlp, OutputParam};
use super::products::{gemm_nn, gemm_nt, gemm_tn};
use super::real::Real;
use nalgebra::{DMatrix, DVector};

/// Gradients with the shapes of the parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradients<T: Real> {
    pub weights: Vec<DMatrix<T>>,
    pub biases: Vec<DVector<T>>,
}

impl<T: Real> Gradients<T> {
    pub fn zeros_like(net: &Mlp<T>) -> Gradients<T> {
        Gradients {
            weights: net
                .weights
                .iter()
                .map(|w| DMatrix::zeros(w.nrows(), w.ncols()))
                .collect(),
            biases: net.biases.iter().map(|b| DVector::zeros(b.len())).collect(),
        }
    }

    pub fn fill_zero(&mut self) {
        self.weights
            .iter_mut()
            .for_each(|w| w.as_mut_slice().fill(T::zero()));
        self.biases
            .iter_mut()
            .for_each(|b| b.as_mut_slice().fill(T::zero()));
    }

    /// `self += other`.
    pub fn add(&mut self, other: &Gradients<T>) {
        for (a, b) in self.weights.iter_mut().zip(&other.weights) {
            *a += b;
        }
        for (a, b) in self.biases.iter_mut().zip(&other.biases) {
            *a += b;
        }
    }

    /// Every entry in [`Mlp::flat`]'s order.
    pub fn flat(&self) -> Vec<T> {
        let mut out = Vec::new();
        for (w, b) in self.weights.iter().zip(&self.biases) {
            out.extend(w.iter().copied());
            out.extend(b.iter().copied());
        }
        out
    }

    /// `sqrt(sum of squares)`.
    pub fn norm(&self) -> f64 {
        self.weights
            .iter()
            .map(|w| w.iter().map(|v| v.f64() * v.f64()).sum::<f64>())
            .chain(
                self.biases
                    .iter()
                    .map(|b| b.iter().map(|v| v.f64() * v.f64()).sum()),
            )
            .sum::<f64>()
            .sqrt()
    }

    pub fn is_finite(&self) -> bool {
        self.weights
            .iter()
            .all(|w| super::real::all_finite(w.as_slice()))
            && self
                .biases
                .iter()
                .all(|b| super::real::all_finite(b.as_slice()))
    }

    /// `self *= factor`.
    pub fn scale(&mut self, factor: T) {
        self.weights.iter_mut().for_each(|w| *w *= factor);
        self.biases.iter_mut().for_each(|b| *b *= factor);
    }
}

/// The forward cache and backward buffers for one batch size; reused across steps so a training
/// step allocates nothing once the sizes are set.
#[derive(Clone, Debug)]
pub struct Workspace<T: Real> {
    batch: usize,
    n_tangents: usize,
    /// Whether the forward pass caches `f'(z)` for a backward pass (not needed for inference).
    for_training: bool,
    /// `h[0]` is the input; `h[l]` the output of hidden layer `l` (1-based).
    h: Vec<DMatrix<T>>,
    /// Pre-activations of the hidden layers, `z[l]` for hidden layer `l + 1`.
    z: Vec<DMatrix<T>>,
    /// `f'(z)` and `f''(z)`, cached in the forward pass.
    df: Vec<DMatrix<T>>,
    d2f: Vec<DMatrix<T>>,
    /// Tangents: `dh[0]` the input directions, `dz[l]`, `dh[l]` as in the forward pass.
    dh: Vec<DMatrix<T>>,
    dz: Vec<DMatrix<T>>,
    /// Output `F` and its tangent.
    out: DMatrix<T>,
    dout: DMatrix<T>,
    /// Per-column output scale (`1/sigma` or 1).
    scale: Vec<T>,
    /// Backward buffers.
    gh: Vec<DMatrix<T>>,
    gdh: Vec<DMatrix<T>>,
    gout: DMatrix<T>,
    gdout: DMatrix<T>,
}

impl<T: Real> Workspace<T> {
    /// Buffers for `batch` samples and `n_tangents` directions per sample.
    pub fn new(net: &Mlp<T>, batch: usize, n_tangents: usize) -> Workspace<T> {
        let widths = net.config.widths();
        let n_hidden = widths.len() - 2;
        let kb = batch * n_tangents;
        let hidden = |cols: usize| -> Vec<DMatrix<T>> {
            (0..n_hidden)
                .map(|l| DMatrix::zeros(widths[l + 1], cols))
                .collect()
        };
        let mut h = vec![DMatrix::zeros(widths[0], batch)];
        h.extend(hidden(batch));
        let mut dh = vec![DMatrix::zeros(widths[0], kb)];
        dh.extend(hidden(kb));
        Workspace {
            batch,
            n_tangents,
            for_training: true,
            h,
            z: hidden(batch),
            df: hidden(batch),
            d2f: hidden(batch),
            dh,
            dz: hidden(kb),
            out: DMatrix::zeros(2, batch),
            dout: DMatrix::zeros(2, kb),
            scale: vec![T::one(); batch],
            gh: hidden(batch),
            gdh: hidden(kb),
            gout: DMatrix::zeros(2, batch),
            gdout: DMatrix::zeros(2, kb),
        }
    }

    /// Buffers for inference only: the inputs, pre-activations, activations and output. The
    /// derivative and backward buffers stay empty (the forward pass skips the derivatives), so
    /// an inference workspace is a third of a training one.
    pub fn inference(net: &Mlp<T>, batch: usize) -> Workspace<T> {
        let mut ws = Workspace::new(net, 0, 0);
        let widths = net.config.widths();
        ws.batch = batch;
        ws.for_training = false;
        ws.h = widths[..widths.len() - 1]
            .iter()
            .map(|w| DMatrix::zeros(*w, batch))
            .collect();
        ws.z = widths[1..widths.len() - 1]
            .iter()
            .map(|w| DMatrix::zeros(*w, batch))
            .collect();
        ws.out = DMatrix::zeros(2, batch);
        ws.scale = vec![T::one(); batch];
        ws
    }

    /// Whether this is an inference workspace for `net`'s layer widths and `batch` columns (so
    /// it can be reused: every buffer is rewritten by the next pass).
    pub fn fits_inference(&self, net: &Mlp<T>, batch: usize) -> bool {
        let widths = net.config.widths();
        !self.for_training
            && self.batch == batch
            && self.h.len() == widths.len() - 1
            && self.h.iter().zip(&widths).all(|(h, w)| h.nrows() == *w)
    }

    pub fn batch(&self) -> usize {
        self.batch
    }

    pub fn n_tangents(&self) -> usize {
        self.n_tangents
    }

    /// The input matrix to fill (`in x B`): rows `[x, y, embed(sigma), onehot]`.
    pub fn input_mut(&mut self) -> &mut DMatrix<T> {
        &mut self.h[0]
    }

    /// The tangent input directions to fill (`in x KB`; only rows 0 and 1 are used).
    pub fn tangent_input_mut(&mut self) -> &mut DMatrix<T> {
        &mut self.dh[0]
    }

    /// Per-column output scale to fill (`1/sigma` for [`OutputParam::DivideBySigma`]).
    pub fn scale_mut(&mut self) -> &mut [T] {
        &mut self.scale
    }

    /// The score `s` of column `j` after [`forward`].
    pub fn score(&self, j: usize) -> [T; 2] {
        let c = self.scale[j];
        [self.out[(0, j)] * c, self.out[(1, j)] * c]
    }

    /// The tangent `ds` of column `j`, direction `k` after [`forward`].
    pub fn score_tangent(&self, k: usize, j: usize) -> [T; 2] {
        let c = self.scale[j];
        let col = k * self.batch + j;
        [self.dout[(0, col)] * c, self.dout[(1, col)] * c]
    }
}

/// Fills `scale` for the output parametrisation from per-column sigmas.
pub fn set_output_scale<T: Real>(net: &Mlp<T>, ws: &mut Workspace<T>, sigmas: &[f64]) {
    for (c, s) in ws.scale.iter_mut().zip(sigmas) {
        *c = match net.config.output {
            OutputParam::DivideBySigma => T::of(1.0 / s),
            OutputParam::Raw => T::one(),
        };
    }
}

/// `out = W h + b`.
fn affine<T: Real>(w: &DMatrix<T>, b: &DVector<T>, h: &DMatrix<T>, out: &mut DMatrix<T>) {
    gemm_nn(out, w, h, T::zero());
    add_bias(out, b);
}

/// `z[:, j] += b` for every column.
fn add_bias<T: Real>(z: &mut DMatrix<T>, b: &DVector<T>) {
    let rows = z.nrows();
    for col in z.as_mut_slice().chunks_mut(rows) {
        col.iter_mut().zip(b.as_slice()).for_each(|(z, b)| *z += *b);
    }
}

/// The forward pass, with tangents when the workspace has any. Reads `input`, `tangent input`
/// and `scale` from the workspace; leaves every cache in it for [`backward`].
pub fn forward<T: Real>(net: &Mlp<T>, ws: &mut Workspace<T>) {
    let act = net.config.activation;
    let n_hidden = net.n_layers() - 1;
    let with_tangents = ws.n_tangents > 0;
    for l in 0..n_hidden {
        let (lower, upper) = ws.h.split_at_mut(l + 1);
        gemm_nn(&mut ws.z[l], &net.weights[l], &lower[l], T::zero());
        let (z, h_next) = (&mut ws.z[l], &mut upper[0]);
        let (df, d2f) = (&mut ws.df[l], &mut ws.d2f[l]);
        let (rows, b) = (z.nrows(), net.biases[l].as_slice());
        let (z, h_next) = (z.as_mut_slice(), h_next.as_mut_slice());
        match (ws.for_training, with_tangents) {
            (false, _) => act.apply(z, b, rows, h_next),
            (true, false) => act.apply_df(z, b, rows, h_next, df.as_mut_slice()),
            (true, true) => {
                act.apply_df_d2f(z, b, rows, h_next, df.as_mut_slice(), d2f.as_mut_slice())
            }
        }
        if with_tangents {
            let (lower, upper) = ws.dh.split_at_mut(l + 1);
            gemm_nn(&mut ws.dz[l], &net.weights[l], &lower[l], T::zero());
            let (dz, dh_next, df) = (&ws.dz[l], &mut upper[0], &ws.df[l]);
            tangent_forward(df.as_slice(), dz.as_slice(), dh_next.as_mut_slice());
        }
    }
    affine(
        &net.weights[n_hidden],
        &net.biases[n_hidden],
        &ws.h[n_hidden],
        &mut ws.out,
    );
    if with_tangents {
        // Two output rows: the thin kernel (nalgebra's own loop would take this shape).
        gemm_nn(
            &mut ws.dout,
            &net.weights[n_hidden],
            &ws.dh[n_hidden],
            T::zero(),
        );
    }
}

/// The backward pass. `g_score` (2 x B) is dLoss/ds, `g_tangent` (2 x KB) is dLoss/d(ds).
/// Accumulates (adds) parameter gradients into `grads`.
pub fn backward<T: Real>(
    net: &Mlp<T>,
    ws: &mut Workspace<T>,
    g_score: &DMatrix<T>,
    g_tangent: Option<&DMatrix<T>>,
    grads: &mut Gradients<T>,
) {
    let n_hidden = net.n_layers() - 1;
    let (batch, kb) = (ws.batch, ws.batch * ws.n_tangents);
    // s = F .* scale  =>  gF = gs .* scale (same for the tangents).
    for j in 0..batch {
        for r in 0..2 {
            ws.gout[(r, j)] = g_score[(r, j)] * ws.scale[j];
        }
    }
    let tangents = g_tangent.filter(|_| ws.n_tangents > 0);
    if let Some(gt) = tangents {
        for c in 0..kb {
            for r in 0..2 {
                ws.gdout[(r, c)] = gt[(r, c)] * ws.scale[c % batch];
            }
        }
    }
    // Output layer: F = W h + b, dF = W dh.
    let l = n_hidden;
    gemm_nt(&mut grads.weights[l], &ws.gout, &ws.h[l], T::one());
    add_row_sums(&mut grads.biases[l], &ws.gout);
    if tangents.is_some() {
        gemm_nt(&mut grads.weights[l], &ws.gdout, &ws.dh[l], T::one());
    }
    if n_hidden == 0 {
        return;
    }
    gemm_tn(&mut ws.gh[l - 1], &net.weights[l], &ws.gout, T::zero());
    if tangents.is_some() {
        gemm_tn(&mut ws.gdh[l - 1], &net.weights[l], &ws.gdout, T::zero());
    }
    for l in (0..n_hidden).rev() {
        // h = f(z), dh = f'(z) dz:
        //   gz  = gh .* f'(z) + sum_k gdh_k .* f''(z) .* dz_k
        //   gdz = gdh .* f'(z)
        let (gz, df, d2f) = (&mut ws.gh[l], &ws.df[l], &ws.d2f[l]);
        let (gdh, dz): (&mut [T], &[T]) = match tangents {
            Some(_) => (ws.gdh[l].as_mut_slice(), ws.dz[l].as_slice()),
            None => (&mut [], &[]),
        };
        activation_backward(gz.as_mut_slice(), df.as_slice(), d2f.as_slice(), gdh, dz);
        // z = W h_prev + b, dz = W dh_prev.
        let gz = &ws.gh[l];
        gemm_nt(&mut grads.weights[l], gz, &ws.h[l], T::one());
        add_row_sums(&mut grads.biases[l], gz);
        if tangents.is_some() {
            gemm_nt(&mut grads.weights[l], &ws.gdh[l], &ws.dh[l], T::one());
        }
        if l > 0 {
            let (lower, upper) = ws.gh.split_at_mut(l);
            gemm_tn(&mut lower[l - 1], &net.weights[l], &upper[0], T::zero());
            if tangents.is_some() {
                let (lower, upper) = ws.gdh.split_at_mut(l);
                gemm_tn(&mut lower[l - 1], &net.weights[l], &upper[0], T::zero());
            }
        }
    }
}

/// `b += rowsum(g)`.
fn add_row_sums<T: Real>(b: &mut DVector<T>, g: &DMatrix<T>) {
    super::elementwise::add_row_sums(b.as_mut_slice(), g.as_slice());
}
