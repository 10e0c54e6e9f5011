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
    /// Unreadable or over the size limit (the message names the file).
    #[error("{0}")]
    Read(String),
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
    let text = crate::budget::read_file_capped(path, crate::budget::MAX_TEXT_FILE_BYTES)
        .map_err(MixtureFileError::Read)?;
    parse_mixture_json(&text, &name)
}

/// Bounds on a mixture file's values (see `check_covariance_scale` for the covariances).
pub const MAX_COMPONENTS: usize = 10_000;
pub const MAX_WEIGHT: f64 = 1e12;
const MIN_VARIANCE: f64 = 1e-12;
const MAX_VARIANCE: f64 = 1e12;
use crate::geom::MAX_COORDINATE;

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
    if raw.components.len() > MAX_COMPONENTS {
        return Err(invalid(
            "components".into(),
            format!(
                "{} components, more than the limit of {MAX_COMPONENTS}",
                raw.components.len()
            ),
        ));
    }
    let mut comps = Vec::with_capacity(raw.components.len());
    let mut weights = Vec::with_capacity(raw.components.len());
    for (k, c) in raw.components.iter().enumerate() {
        let field = |f: &str| format!("components[{k}].{f}");
        if !c.weight.is_finite() || c.weight < 0.0 || c.weight > MAX_WEIGHT {
            return Err(invalid(
                field("weight"),
                format!(
                    "must be finite and in [0, {MAX_WEIGHT:e}], got {}",
                    c.weight
                ),
            ));
        }
        if c.mean.iter().any(|v| !v.is_finite()) {
            return Err(invalid(field("mean"), "has a non-finite entry".into()));
        }
        if c.mean.iter().any(|v| v.abs() > MAX_COORDINATE) {
            return Err(invalid(
                field("mean"),
                format!("has an entry beyond ±{MAX_COORDINATE:e}"),
            ));
        }
        let cov = Mat2::new(c.cov[0][0], c.cov[0][1], c.cov[1][0], c.cov[1][1]);
        check_covariance(&cov).map_err(|e| invalid(field("cov"), e.to_string()))?;
        check_covariance_scale(&cov).map_err(|e| invalid(field("cov"), e))?;
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

/// Covariances a mixture may hold: variances in `[1e-12, 1e12]` and a condition number of at
/// most 1e12, so that densities and scores stay finite in f64 everywhere in the view.
fn check_covariance_scale(cov: &Mat2) -> Result<(), String> {
    let (a, d) = (cov[(0, 0)], cov[(1, 1)]);
    if !(MIN_VARIANCE..=MAX_VARIANCE).contains(&a) || !(MIN_VARIANCE..=MAX_VARIANCE).contains(&d) {
        return Err(format!(
            "variances must be in [{MIN_VARIANCE:e}, {MAX_VARIANCE:e}], got {a} and {d}"
        ));
    }
    let det = a * d - cov[(0, 1)] * cov[(1, 0)];
    if det < a * d * 1e-12 {
        return Err("is nearly singular (condition number above 1e12)".into());
    }
    Ok(())
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
