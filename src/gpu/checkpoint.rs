//! Image-model checkpoints: the model, its noise levels and mean image, the training state
//! (step, Adam's moments, the loss history) and the parameters with their moving average,
//! written atomically.
//!
//! Layout: the 8 bytes `SFIMGCK1`, a little-endian u64 header length, the JSON header, then
//! `theta`, `m`, `v` and (where the header says `ema: true`) the moving average `ema`, as
//! little-endian f32, `layout.total` values each. Files written before the average existed
//! have three blocks; their average is taken to be `theta`. The header's `prior` (the skip
//! connection's per-pixel mean and variance) is absent in files written before it existed.

use super::models::ModelSpec;
use super::models::mlp::SIGMA_DATA;
use super::params::{ParamLayout, Weights};
use super::pixel_prior::PixelPrior;
use super::train_schedule::{LevelWeighting, MAX_WARMUP_STEPS};
use crate::atomic_file::write_bytes_atomic;
use std::path::Path;

pub const MAGIC: &[u8; 8] = b"SFIMGCK1";

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CheckpointHeader {
    pub model: ModelSpec,
    /// Noise levels, largest first.
    pub sigmas: Vec<f32>,
    /// The training data's mean image (the sampler starts at N(mean, sigma_max^2 I)).
    pub mean: Vec<f32>,
    pub step: u64,
    pub data: String,
    pub batch: usize,
    pub lr: f32,
    pub seed: u64,
    pub p_uncond: f32,
    /// The loss's level weighting (files written before it existed used NCSN's).
    #[serde(default)]
    pub weighting: LevelWeighting,
    /// The learning rate's warm-up in steps (0 in files written before it existed).
    #[serde(default)]
    pub warmup_steps: u64,
    pub layout: ParamLayout,
    /// Whether the body holds the moving average as a fourth block.
    #[serde(default)]
    pub ema: bool,
    /// The logged losses, oldest first (at most [`HISTORY_LIMIT`]).
    #[serde(default)]
    pub history: Vec<LossRecord>,
    /// The skip connection's per-pixel prior; absent in files written before it existed,
    /// which were trained with the uniform one ([`Checkpoint::prior`]).
    #[serde(default)]
    pub prior: Option<PixelPrior>,
}

impl CheckpointHeader {
    /// The prior the network was trained with: the stored one, or for an older file the
    /// uniform prior (mean 0, variance sigma_data^2) its skip connection used.
    pub fn prior(&self) -> PixelPrior {
        self.prior
            .clone()
            .unwrap_or_else(|| PixelPrior::uniform(self.model.pixels(), SIGMA_DATA * SIGMA_DATA))
    }
}

/// One logged point of the loss curve.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LossRecord {
    pub step: u64,
    /// The mean DSM loss of the step's training batch.
    pub loss: f64,
    /// The held-out loss, where one was computed at this step.
    pub held_out: Option<f64>,
    /// The held-out loss of the weights' moving average (the ones sampled), where one was
    /// computed at this step; absent in files written before it was kept.
    #[serde(default)]
    pub held_out_averaged: Option<f64>,
}

/// The most loss records a checkpoint keeps; a longer history is thinned to every other point.
pub const HISTORY_LIMIT: usize = 4096;

#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    pub header: CheckpointHeader,
    pub weights: Weights,
}

impl Checkpoint {
    pub fn to_bytes(&self) -> Result<Vec<u8>, String> {
        let header = serde_json::to_vec(&self.header).map_err(|e| e.to_string())?;
        let w = &self.weights;
        let mut out = Vec::with_capacity(16 + header.len() + 16 * w.theta.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(&header);
        let mut parts = vec![&w.theta, &w.m, &w.v];
        if self.header.ema {
            parts.push(&w.ema);
        }
        for part in parts {
            for v in part.iter() {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        Ok(out)
    }

    /// Writes atomically: a failure leaves any earlier file intact.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        write_bytes_atomic(path, &self.to_bytes()?)
    }

    /// Parses and checks a checkpoint; `name` appears in every error.
    pub fn from_bytes(bytes: &[u8], name: &str) -> Result<Checkpoint, String> {
        if bytes.len() < 16 || &bytes[..8] != MAGIC {
            return Err(format!(
                "{name}: not a scorefield image checkpoint (it does not start with SFIMGCK1)"
            ));
        }
        let mut len8 = [0u8; 8];
        len8.copy_from_slice(&bytes[8..16]);
        let hlen = usize::try_from(u64::from_le_bytes(len8)).unwrap_or(usize::MAX);
        let body = bytes
            .get(16..16usize.saturating_add(hlen))
            .ok_or_else(|| format!("{name}: truncated header ({hlen} bytes announced)"))?;
        let header: CheckpointHeader =
            serde_json::from_slice(body).map_err(|e| format!("{name}: bad header: {e}"))?;
        header.model.check().map_err(|e| format!("{name}: {e}"))?;
        let n = header.layout.total;
        let rest = &bytes[16 + hlen..];
        let blocks = if header.ema { 4 } else { 3 };
        let needed = n.checked_mul(4 * blocks);
        if needed != Some(rest.len()) {
            return Err(format!(
                "{name}: {} bytes of parameters, the header's layout needs {} values x {blocks}",
                rest.len(),
                n
            ));
        }
        if header.history.len() > HISTORY_LIMIT
            || header.history.iter().any(|r| {
                !r.loss.is_finite()
                    || r.held_out.is_some_and(|h| !h.is_finite())
                    || r.step > header.step
            })
        {
            return Err(format!(
                "{name}: the loss history must hold at most {HISTORY_LIMIT} finite records, none after step {}",
                header.step
            ));
        }
        if !(1..=65_536).contains(&header.batch) {
            return Err(format!(
                "{name}: batch {} is not in 1..=65536",
                header.batch
            ));
        }
        if !(header.lr.is_finite() && header.lr > 0.0 && (0.0..=1.0).contains(&header.p_uncond)) {
            return Err(format!(
                "{name}: lr must be finite and > 0 and p_uncond in [0, 1], got {} and {}",
                header.lr, header.p_uncond
            ));
        }
        if header.warmup_steps > MAX_WARMUP_STEPS {
            return Err(format!(
                "{name}: a warm-up of {} steps, more than {MAX_WARMUP_STEPS}",
                header.warmup_steps
            ));
        }
        if header.sigmas.len() > 1000 {
            return Err(format!(
                "{name}: {} noise levels, more than 1000",
                header.sigmas.len()
            ));
        }
        if header.sigmas.is_empty() || header.sigmas.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
            return Err(format!("{name}: the noise levels must be finite and > 0"));
        }
        if header.mean.len() != header.model.pixels() {
            return Err(format!(
                "{name}: a mean image of {} values for {}x{} images",
                header.mean.len(),
                header.model.width,
                header.model.height
            ));
        }
        if let Some(p) = &header.prior {
            p.check(header.model.pixels(), name)?;
        }
        let floats: Vec<f32> = rest
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        if let Some(i) = floats.iter().position(|v| !v.is_finite()) {
            return Err(format!("{name}: value {i} of the parameters is not finite"));
        }
        let theta = floats[..n].to_vec();
        let ema = if header.ema {
            floats[3 * n..].to_vec()
        } else {
            theta.clone()
        };
        Ok(Checkpoint {
            weights: Weights {
                m: floats[n..2 * n].to_vec(),
                v: floats[2 * n..3 * n].to_vec(),
                theta,
                ema,
            },
            header,
        })
    }

    /// The header's layout must be the one its model builds: a hand-edited or foreign header
    /// would otherwise put parameters in the wrong places.
    pub fn check_layout(&self, gpu: &crate::gpu::Gpu, name: &str) -> Result<(), String> {
        if self.header.model.layout(gpu) == self.header.layout {
            Ok(())
        } else {
            Err(format!(
                "{name}: the header's parameter layout is not the one its model ({:?}) builds",
                self.header.model.arch
            ))
        }
    }

    pub fn load(path: &Path) -> Result<Checkpoint, String> {
        let bytes = crate::budget::read_file_capped(path, crate::budget::MAX_DATA_FILE_BYTES)?;
        Checkpoint::from_bytes(&bytes, &path.display().to_string())
    }
}
