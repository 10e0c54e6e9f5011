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

/// Largest image side, class count and widths a model may have (a checkpoint header or an
/// option beyond them is refused before any buffer exists).
pub const MAX_IMAGE_SIDE: usize = 256;
pub const MAX_CLASSES: usize = 1000;
pub const MAX_MLP_HIDDEN: usize = 8192;
pub const MAX_UNET_CHANNELS: usize = 256;
/// GPU memory one network may take (an estimate from its largest buffer).
pub const MAX_GPU_BYTES: u64 = 2 << 30;

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
        let bounded = |what: &str, v: usize, hi: usize| {
            if (1..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("{what} must be in 1..={hi}, got {v}"))
            }
        };
        bounded("the image width", self.width, MAX_IMAGE_SIDE)?;
        bounded("the image height", self.height, MAX_IMAGE_SIDE)?;
        if self.classes > MAX_CLASSES {
            return Err(format!(
                "the class count must be at most {MAX_CLASSES}, got {}",
                self.classes
            ));
        }
        match self.arch {
            Arch::Mlp { hidden } => bounded("the MLP's hidden width", hidden, MAX_MLP_HIDDEN)?,
            Arch::Unet { channels } => {
                bounded("the U-Net's channels", channels, MAX_UNET_CHANNELS)?
            }
        }
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

    /// An upper estimate of the f32 values in the largest buffer of a network for `batch`
    /// images (an activation or its gradient, or the widest weight).
    pub fn largest_buffer_values(&self, batch: usize) -> u64 {
        let (b, p) = (batch as u64, self.pixels() as u64);
        match self.arch {
            Arch::Mlp { hidden } => {
                let h = hidden as u64;
                (b.saturating_mul(h.max(p))).max(h.saturating_mul(p.max(h)))
            }
            Arch::Unet { channels } => {
                let c = channels as u64;
                b.saturating_mul(p).saturating_mul(c.max(1))
            }
        }
    }

    /// Refuses a network for `batch` images whose buffers would not fit the adapter: one
    /// buffer over the binding limit, or all of them (an estimate: 24 of the largest) over
    /// [`MAX_GPU_BYTES`]. `setting` names the option that sets `batch`.
    pub fn check_fits(&self, gpu: &Gpu, batch: usize, setting: &str) -> Result<(), String> {
        let bytes = self.largest_buffer_values(batch).saturating_mul(4);
        let limits = gpu.device.limits();
        let binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        if bytes > binding {
            return Err(format!(
                "{setting} {batch}: the network's largest buffer would be {} MiB, over this \
                 adapter's limit of {} MiB per buffer; use a smaller {setting} or a smaller network",
                bytes >> 20,
                binding >> 20
            ));
        }
        if bytes.saturating_mul(24) > MAX_GPU_BYTES {
            return Err(format!(
                "{setting} {batch}: the network would need about {} MiB of GPU memory, over the \
                 limit of {} MiB; use a smaller {setting} or a smaller network",
                bytes.saturating_mul(24) >> 20,
                MAX_GPU_BYTES >> 20
            ));
        }
        Ok(())
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
