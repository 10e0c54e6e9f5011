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
            .net
            .weights
            .iter()
            .zip(&self.net.biases)
            .map(|(w, b)| LayerJson {
                rows: w.nrows(),
                cols: w.ncols(),
                weight: w.transpose().as_slice().to_vec(),
                bias: b.as_slice().to_vec(),
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
        doc.config
            .validate()
            .map_err(|e| format!("{name}: config: {e}"))?;
        let widths = doc.config.widths();
        if doc.layers.len() != widths.len() - 1 {
            return Err(format!(
                "{name}: layers: {} given, the config needs {}",
                doc.layers.len(),
                widths.len() - 1
            ));
        }
        let mut weights = Vec::new();
        let mut biases = Vec::new();
        for (l, layer) in doc.layers.iter().enumerate() {
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
                config: doc.config,
                weights,
                biases,
            },
            noise: doc.noise,
        })
    }

    pub fn load(path: &Path) -> Result<ScoreModel, String> {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
        ScoreModel::from_json(&bytes, &name)
    }

    /// Saves atomically.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        crate::atomic_file::write_bytes_atomic(path, self.to_json().as_bytes())
    }
}

impl crate::versioned_json::Versioned for ModelJson {
    fn format(&self) -> &str {
        &self.format
    }

    fn version(&self) -> u32 {
        self.version
    }
}
