//! Mixture files: JSON of the form
//! `{"components":[{"weight":0.8,"mean":[-5,-5],"cov":[[1,0],[0,1]]}, ...]}`.
//!
//! Weights are normalised by their sum. Every error names the file and either the line and
//! column (syntax, types, unknown fields) or the field (`components[1].cov`) that is wrong.

use crate::dist::gaussian::check_covariance;
use crate::dist::{Gaussian2, GaussianMixture};
use crate::geom::{Mat2, Point};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MixtureJson {
    components: Vec<ComponentJson>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComponentJson {
    weight: f64,
    mean: [f64; 2],
    cov: [[f64; 2]; 2],
}

/// A mixture file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum MixtureFileError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: line {line}, column {column}: {message}")]
    Syntax {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}: {field}: {message}")]
    Invalid {
        path: String,
        field: String,
        message: String,
    },
}

/// Reads and validates a mixture file.
pub fn load_mixture_file(path: &Path) -> Result<GaussianMixture, MixtureFileError> {
    let name = path.display().to_string();
    let text = std::fs::read(path).map_err(|source| MixtureFileError::Io {
        path: name.clone(),
        source,
    })?;
    parse_mixture_json(&text, &name)
}

/// Parses and validates mixture JSON; `name` labels errors.
pub fn parse_mixture_json(bytes: &[u8], name: &str) -> Result<GaussianMixture, MixtureFileError> {
    let raw: MixtureJson = serde_json::from_slice(bytes).map_err(|e| MixtureFileError::Syntax {
        path: name.to_string(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    let invalid = |field: String, message: String| MixtureFileError::Invalid {
        path: name.to_string(),
        field,
        message,
    };
    if raw.components.is_empty() {
        return Err(invalid(
            "components".into(),
            "needs at least one component".into(),
        ));
    }
    let mut comps = Vec::with_capacity(raw.components.len());
    let mut weights = Vec::with_capacity(raw.components.len());
    for (k, c) in raw.components.iter().enumerate() {
        let field = |f: &str| format!("components[{k}].{f}");
        if !c.weight.is_finite() || c.weight < 0.0 {
            return Err(invalid(
                field("weight"),
                format!("must be finite and >= 0, got {}", c.weight),
            ));
        }
        if c.mean.iter().any(|v| !v.is_finite()) {
            return Err(invalid(field("mean"), "has a non-finite entry".into()));
        }
        let cov = Mat2::new(c.cov[0][0], c.cov[0][1], c.cov[1][0], c.cov[1][1]);
        check_covariance(&cov).map_err(|e| invalid(field("cov"), e.to_string()))?;
        comps.push(Gaussian2::new(Point::new(c.mean[0], c.mean[1]), cov));
        weights.push(c.weight);
    }
    if weights.iter().sum::<f64>() <= 0.0 {
        return Err(invalid(
            "components[*].weight".into(),
            "weights sum to zero".into(),
        ));
    }
    Ok(GaussianMixture::new(comps, &weights))
}

/// serde_json appends " at line L column C"; the error already carries them.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// The JSON text of a mixture, in the file format above (weights normalised).
pub fn mixture_to_json(m: &GaussianMixture) -> String {
    let comps: Vec<serde_json::Value> = m
        .components()
        .iter()
        .zip(m.weights())
        .map(|(c, w)| {
            serde_json::json!({
                "weight": w,
                "mean": [c.mean.x, c.mean.y],
                "cov": [[c.cov[(0, 0)], c.cov[(0, 1)]], [c.cov[(1, 0)], c.cov[(1, 1)]]],
            })
        })
        .collect();
    serde_json::json!({ "components": comps }).to_string()
}
