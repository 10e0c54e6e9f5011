//! A model as a list of operations on GPU tensors, compiled once into the dispatches of its
//! forward pass and of its backward pass.
//!
//! Backward order is the reverse of forward order. A tensor read by several operations
//! receives several gradient contributions: the first one written (in backward order)
//! replaces the buffer's contents, the later ones add to it, so no buffer is ever cleared.

use super::buffers::View;
use super::context::Gpu;
use super::kernel::Dispatch;
use super::kernels::Kernels;
use super::kernels::bias_act::{self, Layout};
use super::kernels::conv3x3::{self, ConvShape};
use super::kernels::group_norm::{self, GnShape};
use super::kernels::matmul::{self, Form};
use super::kernels::resample::{self, Planes, Resample};
use super::kernels::{elementwise, embed};
use super::params::{Init, ParamId, ParamLayout, ParamStore};
use std::collections::HashSet;

/// An activation: its values and, in a training graph, its gradient.
#[derive(Clone, Debug)]
pub struct Tensor {
    pub id: usize,
    pub value: View,
    pub grad: Option<View>,
}

impl Tensor {
    pub fn len(&self) -> usize {
        self.value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

/// The operations models are made of.
#[derive(Clone, Debug)]
enum Op {
    /// `y (+)= x W^T`, x `[rows, cin]`, W `[cout, cin]`.
    Linear {
        x: Tensor,
        w: ParamId,
        y: Tensor,
        rows: usize,
        cin: usize,
        cout: usize,
        accumulate: bool,
    },
    /// `y += b[channel]` in place.
    AddBias {
        y: Tensor,
        b: ParamId,
        layout: Layout,
    },
    /// `z += b[channel]; y = silu(z)`.
    BiasSilu {
        z: Tensor,
        b: ParamId,
        y: Tensor,
        layout: Layout,
    },
    /// `y = silu(z)`.
    Silu {
        z: Tensor,
        y: Tensor,
        layout: Layout,
    },
    Conv {
        x: Tensor,
        w: ParamId,
        y: Tensor,
        shape: ConvShape,
        /// The weight gradient's partial sums.
        parts: View,
    },
    GroupNorm {
        x: Tensor,
        gamma: ParamId,
        beta: ParamId,
        shift: Tensor,
        y: Tensor,
        stats: View,
        dgamma_part: View,
        shape: GnShape,
    },
    Pool {
        x: Tensor,
        y: Tensor,
        planes: Planes,
    },
    Up {
        x: Tensor,
        y: Tensor,
        planes: Planes,
    },
    Add {
        a: Tensor,
        b: Tensor,
        y: Tensor,
    },
    /// `y = x / sigma[row]`.
    DivSigma {
        x: Tensor,
        sigma: View,
        row_len: usize,
        y: Tensor,
    },
    /// `y = x / sqrt(sigma[row]^2 + sigma_data2)`.
    Precondition {
        x: Tensor,
        sigma: View,
        row_len: usize,
        sigma_data2: f32,
        y: Tensor,
    },
    /// `y = c1(sigma) f + c2(sigma) x` (the denoiser skip; x gets no gradient).
    Skip {
        f: Tensor,
        x: Tensor,
        sigma: View,
        row_len: usize,
        sd2: f32,
        y: Tensor,
    },
    /// Conditioning features (no gradient).
    Embed {
        sigma: View,
        label: View,
        e: Tensor,
        batch: usize,
        freqs: usize,
        classes: usize,
    },
}

/// Builds a model's graph: parameters, activations and operations.
pub struct Graph<'g> {
    gpu: &'g Gpu,
    pub batch: usize,
    training: bool,
    pub layout: ParamLayout,
    ops: Vec<Op>,
    next_id: usize,
}

/// The compiled passes.
pub struct Compiled {
    pub forward: Vec<Dispatch>,
    pub backward: Vec<Dispatch>,
}

impl<'g> Graph<'g> {
    /// `training` graphs keep a gradient per activation and compile a backward pass.
    pub fn new(gpu: &'g Gpu, batch: usize, training: bool) -> Graph<'g> {
        Graph {
            gpu,
            batch,
            training,
            layout: ParamLayout::default(),
            ops: Vec::new(),
            next_id: 0,
        }
    }

    pub fn param(&mut self, name: &str, shape: &[usize], init: Init) -> ParamId {
        self.layout.add(name, shape, init)
    }

    /// A new activation of `len` values (with a gradient in training graphs when `grad`).
    pub fn tensor(&mut self, label: &str, len: usize, grad: bool) -> Tensor {
        self.next_id += 1;
        Tensor {
            id: self.next_id,
            value: self.gpu.zeros(label, len),
            grad: (grad && self.training).then(|| self.gpu.zeros(label, len)),
        }
    }

    /// An activation over an existing buffer (an input the caller fills).
    pub fn input(&mut self, value: View) -> Tensor {
        self.next_id += 1;
        Tensor {
            id: self.next_id,
            value,
            grad: None,
        }
    }

    /// `y = x W^T (+ b)`; x is `[batch, cin]`. `into` adds to an existing tensor instead.
    pub fn linear(
        &mut self,
        name: &str,
        x: &Tensor,
        cin: usize,
        cout: usize,
        bias: bool,
    ) -> Tensor {
        let y = self.tensor(name, self.batch * cout, true);
        self.linear_into(name, x, cin, cout, &y, false);
        if bias {
            let b = self.param(&format!("{name}.b"), &[cout], Init::Const(0.0));
            let layout = Layout {
                outer: self.batch,
                channels: cout,
                inner: 1,
            };
            self.ops.push(Op::AddBias {
                y: y.clone(),
                b,
                layout,
            });
        }
        y
    }

    /// `y (+)= x W^T` into `y`.
    pub fn linear_into(
        &mut self,
        name: &str,
        x: &Tensor,
        cin: usize,
        cout: usize,
        y: &Tensor,
        accumulate: bool,
    ) {
        let w = self.param(
            &format!("{name}.w"),
            &[cout, cin],
            Init::FanIn {
                fan_in: cin,
                scale: 1.0,
            },
        );
        self.ops.push(Op::Linear {
            x: x.clone(),
            w,
            y: y.clone(),
            rows: self.batch,
            cin,
            cout,
            accumulate,
        });
    }

    /// `silu(z + b)`, z `[outer, channels, inner]`.
    pub fn bias_silu(&mut self, name: &str, z: &Tensor, layout: Layout) -> Tensor {
        let b = self.param(&format!("{name}.b"), &[layout.channels], Init::Const(0.0));
        let y = self.tensor(name, z.len(), true);
        self.ops.push(Op::BiasSilu {
            z: z.clone(),
            b,
            y: y.clone(),
            layout,
        });
        y
    }

    pub fn silu(&mut self, name: &str, z: &Tensor, layout: Layout) -> Tensor {
        let y = self.tensor(name, z.len(), true);
        self.ops.push(Op::Silu {
            z: z.clone(),
            y: y.clone(),
            layout,
        });
        y
    }

    /// 3x3 convolution without bias at `h x w`.
    pub fn conv(
        &mut self,
        name: &str,
        x: &Tensor,
        cin: usize,
        cout: usize,
        h: usize,
        w: usize,
    ) -> Tensor {
        let wt = self.param(
            &format!("{name}.w"),
            &[cout, cin, 3, 3],
            Init::FanIn {
                fan_in: 9 * cin,
                scale: 1.0,
            },
        );
        let y = self.tensor(name, self.batch * cout * h * w, true);
        let shape = ConvShape {
            batch: self.batch,
            cin,
            cout,
            h,
            w,
        };
        let parts = self.gpu.zeros(
            "conv weight-gradient parts",
            if self.training { shape.parts_len() } else { 1 },
        );
        self.ops.push(Op::Conv {
            x: x.clone(),
            w: wt,
            y: y.clone(),
            shape,
            parts,
        });
        y
    }

    pub fn add_bias(&mut self, name: &str, y: &Tensor, layout: Layout) {
        let b = self.param(&format!("{name}.b"), &[layout.channels], Init::Const(0.0));
        self.ops.push(Op::AddBias {
            y: y.clone(),
            b,
            layout,
        });
    }

    /// Group normalisation plus the per-sample `shift` `[batch, channels]`.
    pub fn group_norm(
        &mut self,
        name: &str,
        x: &Tensor,
        shift: &Tensor,
        channels: usize,
        hw: usize,
        groups: usize,
    ) -> Tensor {
        assert!(
            channels.is_multiple_of(groups),
            "{name}: {channels} channels in {groups} groups"
        );
        let gamma = self.param(&format!("{name}.gamma"), &[channels], Init::Const(1.0));
        let beta = self.param(&format!("{name}.beta"), &[channels], Init::Const(0.0));
        let y = self.tensor(name, x.len(), true);
        let shape = GnShape {
            batch: self.batch,
            channels,
            hw,
            groups,
        };
        let stats = self.gpu.zeros("gn stats", shape.stats_len());
        let dgamma_part = self.gpu.zeros("gn dgamma part", self.batch * channels);
        self.ops.push(Op::GroupNorm {
            x: x.clone(),
            gamma,
            beta,
            shift: shift.clone(),
            y: y.clone(),
            stats,
            dgamma_part,
            shape,
        });
        y
    }

    /// 2x average pooling of `[batch, channels, 2h, 2w]` to `h x w`.
    pub fn pool(&mut self, x: &Tensor, channels: usize, h: usize, w: usize) -> Tensor {
        let y = self.tensor("pool", self.batch * channels * h * w, true);
        let planes = Planes {
            planes: self.batch * channels,
            h,
            w,
        };
        self.ops.push(Op::Pool {
            x: x.clone(),
            y: y.clone(),
            planes,
        });
        y
    }

    /// Nearest 2x up-sampling of `[batch, channels, h, w]`.
    pub fn up(&mut self, x: &Tensor, channels: usize, h: usize, w: usize) -> Tensor {
        let y = self.tensor("up", 4 * self.batch * channels * h * w, true);
        let planes = Planes {
            planes: self.batch * channels,
            h,
            w,
        };
        self.ops.push(Op::Up {
            x: x.clone(),
            y: y.clone(),
            planes,
        });
        y
    }

    pub fn add(&mut self, a: &Tensor, b: &Tensor) -> Tensor {
        let y = self.tensor("add", a.len(), true);
        self.ops.push(Op::Add {
            a: a.clone(),
            b: b.clone(),
            y: y.clone(),
        });
        y
    }

    pub fn div_sigma(&mut self, x: &Tensor, sigma: &View) -> Tensor {
        let y = self.tensor("div sigma", x.len(), true);
        let row_len = x.len() / self.batch;
        self.ops.push(Op::DivSigma {
            x: x.clone(),
            sigma: sigma.clone(),
            row_len,
            y: y.clone(),
        });
        y
    }

    /// Scales each sample to about unit variance: `x / sqrt(sigma^2 + sigma_data^2)`.
    pub fn precondition(&mut self, x: &Tensor, sigma: &View, sigma_data: f32) -> Tensor {
        let y = self.tensor("preconditioned", x.len(), true);
        let row_len = x.len() / self.batch;
        self.ops.push(Op::Precondition {
            x: x.clone(),
            sigma: sigma.clone(),
            row_len,
            sigma_data2: sigma_data * sigma_data,
            y: y.clone(),
        });
        y
    }

    /// `c1(sigma) f + c2_j(sigma) (x - mu_j)`: with the result divided by sigma, the score of the
    /// denoiser `mu + c_skip (x - mu) + c_out f`, the prior `(mu, v)` being the parameter
    /// store's (see `shaders/elementwise.wgsl`, `gpu/pixel_prior.rs`).
    pub fn skip(&mut self, f: &Tensor, x: &Tensor, sigma: &View, sigma_data: f32) -> Tensor {
        let y = self.tensor("skip", f.len(), true);
        let row_len = f.len() / self.batch;
        self.ops.push(Op::Skip {
            f: f.clone(),
            x: x.clone(),
            sigma: sigma.clone(),
            row_len,
            sd2: sigma_data * sigma_data,
            y: y.clone(),
        });
        y
    }

    pub fn embed(&mut self, sigma: &View, label: &View, freqs: usize, classes: usize) -> Tensor {
        let e = self.tensor(
            "embedding",
            self.batch * embed::embed_dim(freqs, classes),
            false,
        );
        self.ops.push(Op::Embed {
            sigma: sigma.clone(),
            label: label.clone(),
            e: e.clone(),
            batch: self.batch,
            freqs,
            classes,
        });
        e
    }

    /// The dispatches of both passes, with parameters from `store` (whose layout must be this
    /// graph's).
    pub fn compile(&self, k: &Kernels, store: &ParamStore) -> Compiled {
        assert_eq!(
            store.layout, self.layout,
            "the parameter store belongs to another model"
        );
        let forward = self
            .ops
            .iter()
            .flat_map(|op| self.forward_of(k, store, op))
            .collect();
        let mut backward = Vec::new();
        if self.training {
            let mut written = HashSet::new();
            for op in self.ops.iter().rev() {
                backward.extend(self.backward_of(k, store, op, &mut written));
            }
        }
        Compiled { forward, backward }
    }

    fn forward_of(&self, k: &Kernels, s: &ParamStore, op: &Op) -> Vec<Dispatch> {
        let g = self.gpu;
        match op {
            Op::Linear {
                x,
                w,
                y,
                rows,
                cin,
                cout,
                accumulate,
            } => {
                vec![matmul::matmul(
                    g,
                    k,
                    Form::Nt,
                    &x.value,
                    &s.value(*w),
                    &y.value,
                    *rows,
                    *cout,
                    *cin,
                    *accumulate,
                )]
            }
            Op::AddBias { y, b, layout } => {
                vec![bias_act::add_bias(g, k, *layout, &s.value(*b), &y.value)]
            }
            Op::BiasSilu { z, b, y, layout } => {
                vec![bias_act::bias_silu(
                    g,
                    k,
                    *layout,
                    &s.value(*b),
                    &z.value,
                    &y.value,
                )]
            }
            Op::Silu { z, y, layout } => {
                vec![bias_act::silu_forward(g, k, *layout, &z.value, &y.value)]
            }
            Op::Conv { x, w, y, shape, .. } => vec![conv3x3::conv_forward(
                g,
                k,
                *shape,
                &x.value,
                &s.value(*w),
                &y.value,
            )],
            Op::GroupNorm {
                x,
                gamma,
                beta,
                shift,
                y,
                stats,
                shape,
                ..
            } => group_norm::gn_forward(
                g,
                k,
                *shape,
                &x.value,
                &s.value(*gamma),
                &s.value(*beta),
                &shift.value,
                &y.value,
                stats,
            ),
            Op::Pool { x, y, planes } => {
                vec![resample::resample(
                    g,
                    k,
                    *planes,
                    Resample::PoolForward,
                    &x.value,
                    &y.value,
                    false,
                )]
            }
            Op::Up { x, y, planes } => {
                vec![resample::resample(
                    g,
                    k,
                    *planes,
                    Resample::UpForward,
                    &x.value,
                    &y.value,
                    false,
                )]
            }
            Op::Add { a, b, y } => {
                vec![elementwise::add(g, k, &a.value, &b.value, &y.value, false)]
            }
            Op::DivSigma {
                x,
                sigma,
                row_len,
                y,
            } => {
                vec![elementwise::div_rows(
                    g, k, &x.value, sigma, *row_len, &y.value, false,
                )]
            }
            Op::Precondition {
                x,
                sigma,
                row_len,
                sigma_data2,
                y,
            } => vec![elementwise::precondition(
                g,
                k,
                &x.value,
                sigma,
                *row_len,
                *sigma_data2,
                &y.value,
                false,
            )],
            Op::Skip {
                f,
                x,
                sigma,
                row_len,
                sd2,
                y,
            } => vec![elementwise::skip(
                g,
                k,
                &f.value,
                Some((&x.value, &s.prior)),
                sigma,
                *row_len,
                *sd2,
                &y.value,
                false,
            )],
            Op::Embed {
                sigma,
                label,
                e,
                batch,
                freqs,
                classes,
            } => {
                vec![embed::embed(
                    g, k, *batch, *freqs, *classes, sigma, label, &e.value,
                )]
            }
        }
    }

    /// The gradient buffer of `t` and whether this write adds to an earlier one.
    fn grad_target<'t>(t: &'t Tensor, written: &mut HashSet<usize>) -> Option<(&'t View, bool)> {
        let grad = t.grad.as_ref()?;
        let accumulate = !written.insert(t.id);
        Some((grad, accumulate))
    }

    /// Writers without an accumulate mode need the tensor's only gradient contribution.
    fn sole_grad<'t>(t: &'t Tensor, written: &mut HashSet<usize>, what: &str) -> Option<&'t View> {
        let (grad, accumulate) = Self::grad_target(t, written)?;
        assert!(!accumulate, "{what}: its input must have no other consumer");
        Some(grad)
    }

    fn backward_of(
        &self,
        k: &Kernels,
        s: &ParamStore,
        op: &Op,
        written: &mut HashSet<usize>,
    ) -> Vec<Dispatch> {
        let g = self.gpu;
        let dy = |t: &Tensor| {
            t.grad
                .clone()
                .expect("an output of a training graph has a gradient")
        };
        let mut out = Vec::new();
        match op {
            Op::Linear {
                x,
                w,
                y,
                rows,
                cin,
                cout,
                ..
            } => {
                let gy = dy(y);
                if let Some((gx, acc)) = Self::grad_target(x, written) {
                    out.push(matmul::matmul(
                        g,
                        k,
                        Form::Nn,
                        &gy,
                        &s.value(*w),
                        gx,
                        *rows,
                        *cin,
                        *cout,
                        acc,
                    ));
                }
                out.push(matmul::matmul(
                    g,
                    k,
                    Form::Tn,
                    &gy,
                    &x.value,
                    &s.gradient(*w),
                    *cout,
                    *cin,
                    *rows,
                    false,
                ));
            }
            Op::AddBias { y, b, layout } => out.push(bias_act::channel_sum(
                g,
                k,
                *layout,
                &dy(y),
                &s.gradient(*b),
            )),
            Op::BiasSilu { z, b, y, layout } => {
                let gz = Self::sole_grad(z, written, "bias_silu")
                    .expect("bias_silu input has a gradient");
                out.push(bias_act::silu_backward(g, k, *layout, &z.value, &dy(y), gz));
                out.push(bias_act::channel_sum(g, k, *layout, gz, &s.gradient(*b)));
            }
            Op::Silu { z, y, layout } => {
                if let Some(gz) = Self::sole_grad(z, written, "silu") {
                    out.push(bias_act::silu_backward(g, k, *layout, &z.value, &dy(y), gz));
                }
            }
            Op::Conv {
                x,
                w,
                y,
                shape,
                parts,
            } => {
                let gy = dy(y);
                if let Some((gx, acc)) = Self::grad_target(x, written) {
                    out.push(conv3x3::conv_grad_input(
                        g,
                        k,
                        *shape,
                        &s.value(*w),
                        &gy,
                        gx,
                        acc,
                    ));
                }
                out.extend(conv3x3::conv_grad_weight(
                    g,
                    k,
                    *shape,
                    &x.value,
                    &gy,
                    &s.gradient(*w),
                    parts,
                ));
            }
            Op::GroupNorm {
                x,
                gamma,
                beta,
                shift,
                y,
                stats,
                dgamma_part,
                shape,
            } => {
                let (gx, acc) =
                    Self::grad_target(x, written).expect("group norm input has a gradient");
                let gshift = Self::sole_grad(shift, written, "group norm shift")
                    .expect("shift has a gradient");
                out.extend(group_norm::gn_backward(
                    g,
                    k,
                    *shape,
                    &x.value,
                    &s.value(*gamma),
                    stats,
                    &dy(y),
                    gx,
                    dgamma_part,
                    gshift,
                    acc,
                ));
                let rows = Layout {
                    outer: shape.batch,
                    channels: shape.channels,
                    inner: 1,
                };
                out.push(bias_act::channel_sum(
                    g,
                    k,
                    rows,
                    dgamma_part,
                    &s.gradient(*gamma),
                ));
                out.push(bias_act::channel_sum(
                    g,
                    k,
                    rows,
                    gshift,
                    &s.gradient(*beta),
                ));
            }
            Op::Pool { x, y, planes } => {
                if let Some((gx, acc)) = Self::grad_target(x, written) {
                    out.push(resample::resample(
                        g,
                        k,
                        *planes,
                        Resample::PoolBackward,
                        &dy(y),
                        gx,
                        acc,
                    ));
                }
            }
            Op::Up { x, y, planes } => {
                if let Some((gx, acc)) = Self::grad_target(x, written) {
                    out.push(resample::resample(
                        g,
                        k,
                        *planes,
                        Resample::UpBackward,
                        &dy(y),
                        gx,
                        acc,
                    ));
                }
            }
            Op::Add { a, b, y } => {
                for t in [a, b] {
                    if let Some((gt, acc)) = Self::grad_target(t, written) {
                        out.push(elementwise::copy(g, k, &dy(y), gt, acc));
                    }
                }
            }
            Op::DivSigma {
                x,
                sigma,
                row_len,
                y,
            } => {
                if let Some((gx, acc)) = Self::grad_target(x, written) {
                    out.push(elementwise::div_rows(
                        g,
                        k,
                        &dy(y),
                        sigma,
                        *row_len,
                        gx,
                        acc,
                    ));
                }
            }
            Op::Precondition {
                x,
                sigma,
                row_len,
                sigma_data2,
                y,
            } => {
                if let Some((gx, acc)) = Self::grad_target(x, written) {
                    out.push(elementwise::precondition(
                        g,
                        k,
                        &dy(y),
                        sigma,
                        *row_len,
                        *sigma_data2,
                        gx,
                        acc,
                    ));
                }
            }
            Op::Skip {
                f,
                x,
                sigma,
                row_len,
                sd2,
                y,
            } => {
                assert!(x.grad.is_none(), "the skip's input takes no gradient");
                if let Some((gf, acc)) = Self::grad_target(f, written) {
                    out.push(elementwise::skip(
                        g,
                        k,
                        &dy(y),
                        None,
                        sigma,
                        *row_len,
                        *sd2,
                        gf,
                        acc,
                    ));
                }
            }
            Op::Embed { .. } => {}
        }
        out
    }
}
