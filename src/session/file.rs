//! The session file (JSON, version 1):
//! ```text
//! { "format": "scorefield-session", "version": 1, "title": "...",
//!   "data": {"preset": "ring8"} | {"mixture": <mixture file JSON>} | {"points": [[x, y], ...]},
//!   "settings": { ...every field of Settings, missing ones take their defaults... },
//!   "model": <score model JSON, optional> }
//! ```
//! Loading checks, in order: JSON syntax (file, line, column), format and version, unknown fields
//! (named), every setting's range, the data (mixture validation names the component and field),
//! the model. Nothing of the current session changes unless all of it passes. Saving is atomic.

use super::settings::Settings;
use crate::data::Dataset;
use crate::data::mixture_file::{mixture_to_json, parse_mixture_json};
use crate::dist::EmpiricalMixture;
use crate::geom::Point;
use crate::nn::ScoreModel;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FORMAT: &str = "scorefield-session";
pub const VERSION: u32 = 1;

/// Where a session's data comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum DataSpec {
    Preset(String),
    /// An edited or loaded data set, stored whole.
    Inline(Dataset),
}

/// A loaded session.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub title: String,
    pub data: DataSpec,
    pub settings: Settings,
    pub model: Option<ScoreModel>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SessionJson {
    format: String,
    version: u32,
    #[serde(default)]
    title: String,
    data: serde_json::Value,
    #[serde(default)]
    settings: serde_json::Value,
    #[serde(default)]
    model: Option<serde_json::Value>,
}

impl Session {
    /// The data set the session describes.
    pub fn dataset(&self) -> Result<Dataset, String> {
        match &self.data {
            DataSpec::Preset(name) => Ok(crate::data::preset(name)?.dataset()),
            DataSpec::Inline(d) => Ok(d.clone()),
        }
    }

    pub fn to_json(&self) -> String {
        let data = match &self.data {
            DataSpec::Preset(name) => serde_json::json!({ "preset": name }),
            DataSpec::Inline(Dataset::Mixture(m)) => {
                let m: serde_json::Value =
                    serde_json::from_str(&mixture_to_json(m)).unwrap_or_default();
                serde_json::json!({ "mixture": m })
            }
            DataSpec::Inline(Dataset::Points(e)) => {
                let pts: Vec<[f64; 2]> = e.points().iter().map(|p| [p.x, p.y]).collect();
                serde_json::json!({ "points": pts })
            }
        };
        let doc = SessionJson {
            format: FORMAT.into(),
            version: VERSION,
            title: self.title.clone(),
            data,
            settings: serde_json::to_value(&self.settings).unwrap_or_default(),
            model: self
                .model
                .as_ref()
                .and_then(|m| serde_json::from_str(&m.to_json()).ok()),
        };
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }

    /// Parses and validates a session; `name` labels errors.
    pub fn from_json(bytes: &[u8], name: &str) -> Result<Session, String> {
        let doc: SessionJson =
            crate::versioned_json::parse(bytes, name, "session", FORMAT, VERSION)?;
        let settings: Settings = if doc.settings.is_null() {
            Settings::default()
        } else {
            serde_path_to_error::deserialize(doc.settings)
                .map_err(|e| format!("{name}: settings.{}: {}", e.path(), e.inner()))?
        };
        settings.validate().map_err(|e| format!("{name}: {e}"))?;
        let data = parse_data(&doc.data, name)?;
        let model = match doc.model {
            Some(v) => Some(ScoreModel::from_json(
                v.to_string().as_bytes(),
                &format!("{name}: model"),
            )?),
            None => None,
        };
        Ok(Session {
            title: doc.title,
            data,
            settings,
            model,
        })
    }

    pub fn load(path: &Path) -> Result<Session, String> {
        let name = path.display().to_string();
        let bytes = crate::budget::read_file_capped(path, crate::budget::MAX_TEXT_FILE_BYTES)?;
        Session::from_json(&bytes, &name)
    }

    /// Saves atomically.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        crate::atomic_file::write_bytes_atomic(path, self.to_json().as_bytes())
    }
}

fn parse_data(v: &serde_json::Value, name: &str) -> Result<DataSpec, String> {
    let obj = v
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or_else(|| format!("{name}: data: expected one of {{\"preset\": ..}}, {{\"mixture\": ..}}, {{\"points\": ..}}"))?;
    let (kind, value) = obj
        .iter()
        .next()
        .ok_or_else(|| format!("{name}: data: empty"))?;
    match kind.as_str() {
        "preset" => {
            let preset = value
                .as_str()
                .ok_or_else(|| format!("{name}: data.preset: expected a name"))?;
            crate::data::preset(preset).map_err(|e| format!("{name}: data.preset: {e}"))?;
            Ok(DataSpec::Preset(preset.to_string()))
        }
        "mixture" => {
            let m = parse_mixture_json(
                value.to_string().as_bytes(),
                &format!("{name}: data.mixture"),
            )
            .map_err(|e| e.to_string())?;
            Ok(DataSpec::Inline(Dataset::Mixture(m)))
        }
        "points" => {
            let pts: Vec<[f64; 2]> = serde_json::from_value(value.clone())
                .map_err(|e| format!("{name}: data.points: {e}"))?;
            if pts.is_empty() {
                return Err(format!("{name}: data.points: holds no points"));
            }
            let limit = crate::geom::MAX_COORDINATE;
            if let Some(i) = pts
                .iter()
                .position(|p| !(p[0].abs() <= limit && p[1].abs() <= limit))
            {
                return Err(format!(
                    "{name}: data.points[{i}]: not finite, or beyond ±{limit:e}"
                ));
            }
            let pts = pts.into_iter().map(|p| Point::new(p[0], p[1])).collect();
            Ok(DataSpec::Inline(Dataset::Points(EmpiricalMixture::new(
                pts,
            ))))
        }
        other => Err(format!(
            "{name}: data: unknown kind '{other}' (use preset, mixture or points)"
        )),
    }
}

impl crate::versioned_json::Versioned for SessionJson {
    fn format(&self) -> &str {
        &self.format
    }

    fn version(&self) -> u32 {
        self.version
    }
}
