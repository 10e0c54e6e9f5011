//! Score models as safetensors files, which PyTorch (`safetensors.torch.load_file`), JAX and
//! NumPy read directly.
//!
//! Layout: one little-endian `F32` tensor per parameter,
//! - `layers.{l}.weight`: shape `[out, in]`, row-major (the layout of PyTorch's `nn.Linear`),
//! - `layers.{l}.bias`: shape `[out]`,
//!
//! for `l = 0..L` (the last layer is the linear output layer). The header's `__metadata__` holds
//! what the network needs to become a score, as strings: `format` (`scorefield-score-model`),
//! `version` (`1`), `noise` and `config` (the JSON objects of the JSON model format, see
//! `serialize.rs`). Loading applies the same checks as the JSON format.

use super::mlp::MlpConfig;
use super::serialize::{FORMAT, LayerParams, NoiseKind, ScoreModel, VERSION};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use std::collections::HashMap;

/// Whether `bytes` start like a safetensors file: an 8-byte little-endian header length that
/// fits the file, then a JSON object. A JSON model file starts with `{` or white space instead.
pub fn looks_like_safetensors(bytes: &[u8]) -> bool {
    let Some(len) = bytes.get(..8) else {
        return false;
    };
    let mut n = [0u8; 8];
    n.copy_from_slice(len);
    let n = u64::from_le_bytes(n);
    n > 0 && n <= bytes.len() as u64 - 8 && bytes.get(8) == Some(&b'{')
}

fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn f32_values(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

impl ScoreModel {
    /// The model as safetensors bytes.
    pub fn to_safetensors(&self) -> Result<Vec<u8>, String> {
        let layers = self.layer_params();
        let mut buffers: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
        for (l, p) in layers.iter().enumerate() {
            buffers.push((
                format!("layers.{l}.weight"),
                vec![p.rows, p.cols],
                f32_bytes(&p.weight),
            ));
            buffers.push((format!("layers.{l}.bias"), vec![p.rows], f32_bytes(&p.bias)));
        }
        let mut views = Vec::new();
        for (name, shape, data) in &buffers {
            let view = TensorView::new(Dtype::F32, shape.clone(), data)
                .map_err(|e| format!("{name}: {e}"))?;
            views.push((name.clone(), view));
        }
        let json = |v: serde_json::Result<String>| v.map_err(|e| e.to_string());
        let metadata = HashMap::from([
            ("format".to_string(), FORMAT.to_string()),
            ("version".to_string(), VERSION.to_string()),
            (
                "noise".to_string(),
                json(serde_json::to_string(&self.noise))?,
            ),
            (
                "config".to_string(),
                json(serde_json::to_string(&self.net.config))?,
            ),
        ]);
        safetensors::serialize(views, Some(metadata)).map_err(|e| e.to_string())
    }

    /// Parses safetensors bytes; `name` labels errors.
    pub fn from_safetensors(bytes: &[u8], name: &str) -> Result<ScoreModel, String> {
        let file = SafeTensors::deserialize(bytes)
            .map_err(|e| format!("{name}: not a valid safetensors file: {e}"))?;
        let (_, header) = SafeTensors::read_metadata(bytes)
            .map_err(|e| format!("{name}: not a valid safetensors file: {e}"))?;
        let empty = HashMap::new();
        let meta = header.metadata().as_ref().unwrap_or(&empty);
        let field = |key: &str| {
            meta.get(key)
                .ok_or_else(|| format!("{name}: __metadata__.{key}: missing"))
        };
        let format = field("format")?;
        if format != FORMAT {
            return Err(format!(
                "{name}: __metadata__.format is '{format}', expected '{FORMAT}'"
            ));
        }
        let version = field("version")?;
        if version != &VERSION.to_string() {
            return Err(format!(
                "{name}: model version {version} is not supported (this build reads version {VERSION})"
            ));
        }
        let noise: NoiseKind = serde_json::from_str(field("noise")?)
            .map_err(|e| format!("{name}: __metadata__.noise: {e}"))?;
        let config: MlpConfig = serde_json::from_str(field("config")?)
            .map_err(|e| format!("{name}: __metadata__.config: {e}"))?;
        config
            .validate()
            .map_err(|e| format!("{name}: config: {e}"))?;
        let n_layers = config.widths().len() - 1;
        if file.len() != 2 * n_layers {
            return Err(format!(
                "{name}: {} tensors, the config needs {} (a weight and a bias per layer)",
                file.len(),
                2 * n_layers
            ));
        }
        let tensor = |key: String| -> Result<(Vec<usize>, Vec<f32>), String> {
            let t = file
                .tensor(&key)
                .map_err(|_| format!("{name}: tensor {key}: missing"))?;
            if t.dtype() != Dtype::F32 {
                return Err(format!(
                    "{name}: tensor {key}: dtype {:?}, expected F32",
                    t.dtype()
                ));
            }
            Ok((t.shape().to_vec(), f32_values(t.data())))
        };
        let mut layers = Vec::with_capacity(n_layers);
        for l in 0..n_layers {
            let (w_shape, weight) = tensor(format!("layers.{l}.weight"))?;
            let (b_shape, bias) = tensor(format!("layers.{l}.bias"))?;
            let [rows, cols] = w_shape[..] else {
                return Err(format!(
                    "{name}: tensor layers.{l}.weight: shape {w_shape:?}, expected [out, in]"
                ));
            };
            if b_shape != [rows] {
                return Err(format!(
                    "{name}: tensor layers.{l}.bias: shape {b_shape:?}, expected [{rows}]"
                ));
            }
            layers.push(LayerParams {
                rows,
                cols,
                weight,
                bias,
            });
        }
        ScoreModel::from_layers(name, noise, config, layers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_files_are_not_taken_for_safetensors() {
        assert!(!looks_like_safetensors(
            b"{\"format\": \"scorefield-score-model\"}"
        ));
        assert!(!looks_like_safetensors(b"  \n{}"));
        assert!(!looks_like_safetensors(b"short"));
    }
}
