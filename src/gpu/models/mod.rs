//! The image score networks (MATH §3.7: input (x, embed(sigma)), output f / sigma) and their
//! compiled forward/backward passes for a given batch size.

pub mod mlp;
pub mod unet;

use super::buffers::View;
use super::context::Gpu;
use super::graph::{Compiled, Graph, Tensor};
use super::kernels::Kernels;
use super::params::{ParamLayout, ParamStore};

/// Sinusoidal features of log sigma per sample (`shaders/embed.wgsl`).
pub const SIGMA_FREQS: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Arch {
    /// Flattened image -> hidden -> hidden -> image, SiLU, the embedding added to both hidden
    /// layers.
    Mlp { hidden: usize },
    /// Two resolutions, `channels` then `2 channels`, 3x3 convolutions, group norm, SiLU, a skip
    /// connection, the embedding as a per-channel shift in every block.
    Unet { channels: usize },
}

impl Arch {
    pub fn name(&self) -> &'static str {
        match self {
            Arch::Mlp { .. } => "mlp",
            Arch::Unet { .. } => "unet",
        }
    }

    /// `mlp` (hidden 1024) or `unet` (32 channels), the defaults.
    pub fn parse(s: &str) -> Result<Arch, String> {
        match s {
            "mlp" => Ok(Arch::Mlp { hidden: 1024 }),
            "unet" => Ok(Arch::Unet { channels: 32 }),
            _ => Err(format!("unknown architecture '{s}': use mlp or unet")),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Arch::Mlp { hidden } => format!("MLP {hidden}-{hidden}, SiLU"),
            Arch::Unet { channels } => {
                format!("U-Net {channels}/{} channels, 2 resolutions", 2 * channels)
            }
        }
    }
}

/// Everything that fixes a network's parameter layout.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ModelSpec {
    pub arch: Arch,
    pub width: usize,
    pub height: usize,
    /// 0: unconditional; otherwise class labels 0..classes plus the null class.
    pub classes: usize,
}

impl ModelSpec {
    pub fn pixels(&self) -> usize {
        self.width * self.height
    }

    pub fn check(&self) -> Result<(), String> {
        match self.arch {
            Arch::Unet { channels } if channels < 2 => Err(format!(
                "the U-Net needs at least 2 channels, got {channels}"
            )),
            Arch::Unet { .. }
                if !self.width.is_multiple_of(2) || !self.height.is_multiple_of(2) =>
            {
                Err(format!(
                    "the U-Net halves the resolution: {}x{} images need even sides",
                    self.width, self.height
                ))
            }
            Arch::Mlp { hidden: 0 } => Err("the MLP needs hidden units".into()),
            _ => Ok(()),
        }
    }

    fn define(&self, g: &mut Graph<'_>, x: &Tensor, sigma: &View, label: &View) -> Tensor {
        match self.arch {
            Arch::Mlp { hidden } => mlp::define(g, self, hidden, x, sigma, label),
            Arch::Unet { channels } => unet::define(g, self, channels, x, sigma, label),
        }
    }

    /// The parameter layout (built on a one-sample graph).
    pub fn layout(&self, gpu: &Gpu) -> ParamLayout {
        let mut g = Graph::new(gpu, 1, false);
        let x = g.tensor("x", self.pixels(), false);
        let sigma = gpu.zeros("sigma", 1);
        let label = gpu.zeros("label", 1);
        self.define(&mut g, &x, &sigma, &label);
        g.layout
    }
}

/// A compiled network for `batch` samples: fill `x`, `sigma` and `label`, run `forward`, read
/// `out` (the score); training nets also run `backward` from `out.grad`.
pub struct Net {
    pub spec: ModelSpec,
    pub batch: usize,
    pub x: View,
    pub sigma: View,
    pub label: View,
    pub out: Tensor,
    pub passes: Compiled,
}

impl Net {
    /// Builds the network over `store`'s parameters. `x` may be an existing buffer (a sampler's
    /// particles); otherwise one is made.
    pub fn new(
        gpu: &Gpu,
        k: &Kernels,
        spec: ModelSpec,
        store: &ParamStore,
        batch: usize,
        training: bool,
        x: Option<View>,
    ) -> Net {
        let mut g = Graph::new(gpu, batch, training);
        let xv = x.unwrap_or_else(|| gpu.zeros("x", batch * spec.pixels()));
        let xt = g.input(xv.clone());
        let sigma = gpu.zeros("sigma", batch);
        let label = gpu.upload("label", &vec![super::kernels::embed::NULL_CLASS; batch]);
        let out = spec.define(&mut g, &xt, &sigma, &label);
        let passes = g.compile(k, store);
        Net {
            spec,
            batch,
            x: xv,
            sigma,
            label,
            out,
            passes,
        }
    }

    /// Scores for given inputs (uploads, one forward pass, reads back).
    pub fn evaluate(
        &self,
        gpu: &Gpu,
        x: &[f32],
        sigma: &[f32],
        label: &[u32],
    ) -> Result<Vec<f32>, String> {
        gpu.write(&self.x, x);
        gpu.write(&self.sigma, sigma);
        gpu.write(&self.label, label);
        let f: Vec<_> = self.passes.forward.iter().collect();
        super::kernel::submit(gpu, &f);
        gpu.read(&self.out.value)
    }
}
