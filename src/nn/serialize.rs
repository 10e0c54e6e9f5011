//! A trained score model and its file format.
//!
//! File format (JSON, version 1), readable by any tool:
//! ```text
//! { "format": "scorefield-score-model", "version": 1,
//!   "noise": {"kind": "ve"} | {"kind": "vp", "ddpm_steps": 1000, "beta_1": 1e-4, "beta_t": 0.02}
//!            | {"kind": "fixed", "sigma": 0.1},
//!   "config": { "hidden": [128,128,128], "activation": "silu",
//!               "embedding": {"kind": "log"}, "n_classes": 0, "output": "divide-by-sigma" },
//!   "layers": [ { "rows": 128, "cols": 3, "weight": [row-major rows*cols], "bias": [rows] }, ... ] }
//! ```
//! Layer `l` computes `W h + b` with `W` given row by row; hidden layers apply the activation.
//!
//! The same model can be saved as safetensors (see `safetensors_format.rs`), which PyTorch and JAX
//! read directly; [`ScoreModel::load`] reads both.

use super::mlp::{Mlp, MlpConfig};
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FORMAT: &str = "scorefield-score-model";
pub const VERSION: u32 = 1;

/// What noise the model was trained on, which fixes how its output becomes a score.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum NoiseKind {
    /// Conditioned on a VE sigma (DSM, NCSN, noise-conditional ISM/SSM/ESM).
    Ve,
    /// DDPM noise prediction conditioned on `sigma_t = sqrt((1 - abar) / abar)` (MATH §3.6).
    Vp {
        ddpm_steps: usize,
        beta_1: f64,
        beta_t: f64,
    },
    /// Trained at one noise level (`sigma = 0` for clean data); the level input is ignored.
    Fixed { sigma: f64 },
}

impl NoiseKind {
    /// Checks the parameters: a DDPM schedule that can be built, a finite fixed level.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            NoiseKind::Ve => Ok(()),
            NoiseKind::Vp {
                ddpm_steps,
                beta_1,
                beta_t,
            } => {
                if !(2..=100_000).contains(&ddpm_steps) {
                    return Err(format!(
                        "ddpm_steps must be in 2..=100000, got {ddpm_steps}"
                    ));
                }
                crate::dist::DdpmSchedule::linear(ddpm_steps, beta_1, beta_t).map(|_| ())
            }
            NoiseKind::Fixed { sigma } if sigma.is_finite() && sigma >= 0.0 => Ok(()),
            NoiseKind::Fixed { sigma } => {
                Err(format!("sigma must be finite and >= 0, got {sigma}"))
            }
        }
    }
}

/// A network and how to read it as a score.
#[derive(Clone, Debug, PartialEq)]
pub struct ScoreModel {
    pub net: Mlp<f32>,
    pub noise: NoiseKind,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LayerJson {
    rows: usize,
    cols: usize,
    weight: Vec<f32>,
    bias: Vec<f32>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelJson {
    format: String,
    version: u32,
    noise: NoiseKind,
    config: MlpConfig,
    layers: Vec<LayerJson>,
}

impl ScoreModel {
    pub fn to_json(&self) -> String {
        let layers = self
            .layer_params()
            .into_iter()
            .map(|l| LayerJson {
                rows: l.rows,
                cols: l.cols,
                weight: l.weight,
                bias: l.bias,
            })
            .collect();
        let doc = ModelJson {
            format: FORMAT.to_string(),
            version: VERSION,
            noise: self.noise,
            config: self.net.config.clone(),
            layers,
        };
        serde_json::to_string(&doc).expect("a model always serialises")
    }

    /// Parses a model file's text; `name` labels errors.
    pub fn from_json(text: &[u8], name: &str) -> Result<ScoreModel, String> {
        let doc: ModelJson = crate::versioned_json::parse(text, name, "model", FORMAT, VERSION)?;
        let layers = doc
            .layers
            .into_iter()
            .map(|l| LayerParams {
                rows: l.rows,
                cols: l.cols,
                weight: l.weight,
                bias: l.bias,
            })
            .collect();
        ScoreModel::from_layers(name, doc.noise, doc.config, layers)
    }

    /// Builds a model from its parts after checking every layer against the config (the same
    /// checks for every file format); `name` labels errors.
    pub fn from_layers(
        name: &str,
        noise: NoiseKind,
        config: MlpConfig,
        layers: Vec<LayerParams>,
    ) -> Result<ScoreModel, String> {
        config
            .validate()
            .map_err(|e| format!("{name}: config: {e}"))?;
        noise
            .validate()
            .map_err(|e| format!("{name}: noise: {e}"))?;
        let widths = config.widths();
        if layers.len() != widths.len() - 1 {
            return Err(format!(
                "{name}: layers: {} given, the config needs {}",
                layers.len(),
                widths.len() - 1
            ));
        }
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        for (l, layer) in layers.iter().enumerate() {
            let (rows, cols) = (widths[l + 1], widths[l]);
            if layer.rows != rows || layer.cols != cols || layer.weight.len() != rows * cols {
                return Err(format!(
                    "{name}: layers[{l}]: expected a {rows}x{cols} weight, got {}x{} with {} values",
                    layer.rows,
                    layer.cols,
                    layer.weight.len()
                ));
            }
            if layer.bias.len() != rows {
                return Err(format!("{name}: layers[{l}].bias: expected {rows} values"));
            }
            if layer
                .weight
                .iter()
                .chain(&layer.bias)
                .any(|v| !v.is_finite())
            {
                return Err(format!("{name}: layers[{l}]: non-finite parameter"));
            }
            weights.push(DMatrix::from_row_slice(rows, cols, &layer.weight));
            biases.push(DVector::from_column_slice(&layer.bias));
        }
        Ok(ScoreModel {
            net: Mlp {
                config,
                weights,
                biases,
            },
            noise,
        })
    }

    /// Every layer's parameters, weights row-major (`out x in`).
    pub fn layer_params(&self) -> Vec<LayerParams> {
        self.net
            .weights
            .iter()
            .zip(&self.net.biases)
            .map(|(w, b)| LayerParams {
                rows: w.nrows(),
                cols: w.ncols(),
                weight: w.transpose().as_slice().to_vec(),
                bias: b.as_slice().to_vec(),
            })
            .collect()
    }

    /// Reads a model file in either format: safetensors (recognised by its content, whatever
    /// the file is called) or the JSON format above.
    pub fn load(path: &Path) -> Result<ScoreModel, String> {
        let name = path.display().to_string();
        let bytes = crate::budget::read_file_capped(path, crate::budget::MAX_TEXT_FILE_BYTES)?;
        if super::safetensors_format::looks_like_safetensors(&bytes) {
            ScoreModel::from_safetensors(&bytes, &name)
        } else {
            ScoreModel::from_json(&bytes, &name)
        }
    }

    /// Saves atomically: safetensors when the path ends in `.safetensors`, JSON otherwise.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let bytes = if is_safetensors_path(path) {
            self.to_safetensors()?
        } else {
            self.to_json().into_bytes()
        };
        crate::atomic_file::write_bytes_atomic(path, &bytes)
    }
}

/// Whether `path` names a safetensors file (by its extension).
pub fn is_safetensors_path(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("safetensors"))
}

/// One layer's parameters: `W` (`rows x cols`, row-major) and `b` (`rows`).
#[derive(Clone, Debug, PartialEq)]
pub struct LayerParams {
    pub rows: usize,
    pub cols: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

impl crate::versioned_json::Versioned for ModelJson {
    fn format(&self) -> &str {
        &self.format
    }

    fn version(&self) -> u32 {
        self.version
    }
}
