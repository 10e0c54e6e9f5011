//! Arguments shared by subcommands: the data source and number pairs.

use crate::data::Dataset;
use crate::data::mixture_file::load_mixture_file;
use crate::data::points_file::load_points_csv;
use crate::dist::EmpiricalMixture;
use crate::nn::ScoreModel;
use crate::sample::LearnedScore;
use clap::Args;
use std::path::{Path, PathBuf};

/// One data source (each command says whether it needs one; `load` asks for it).
#[derive(Debug, Args, Clone)]
#[group(required = false, multiple = false)]
pub struct DataArgs {
    /// A built-in data set (see `scorefield presets`).
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// A mixture file: {"components":[{"weight":..,"mean":[..],"cov":[[..],[..]]},..]}.
    #[arg(long, value_name = "FILE")]
    pub mixture: Option<PathBuf>,
    /// A CSV file of points `x,y` (sample-only data).
    #[arg(long, value_name = "FILE.csv")]
    pub points: Option<PathBuf>,
}

impl DataArgs {
    /// What the data is called in messages: the file's path or the preset's name.
    pub fn label(&self) -> String {
        match (&self.preset, &self.mixture, &self.points) {
            (Some(name), _, _) => format!("preset {name}"),
            (_, Some(path), _) | (_, _, Some(path)) => path.display().to_string(),
            _ => "the data".to_string(),
        }
    }

    /// The data set; an error when none was given.
    pub fn load(&self) -> Result<Dataset, String> {
        self.load_optional()?
            .ok_or_else(|| "give one of --preset, --mixture or --points".to_string())
    }

    /// The data set, or `None` when no source was given.
    pub fn load_optional(&self) -> Result<Option<Dataset>, String> {
        if let Some(name) = &self.preset {
            return Ok(Some(crate::data::preset(name)?.dataset()));
        }
        if let Some(path) = &self.mixture {
            return load_mixture_file(path)
                .map(|m| Some(Dataset::Mixture(m)))
                .map_err(|e| e.to_string());
        }
        if let Some(path) = &self.points {
            return load_points_csv(path)
                .map(|p| Some(Dataset::Points(EmpiricalMixture::new(p))))
                .map_err(|e| e.to_string());
        }
        Ok(None)
    }
}

/// A trained model (JSON or safetensors) as a score source, conditioned on `class` with
/// classifier-free guidance scale `cfg_scale` (MATH §4.10); both checked against the model.
pub fn load_learned(
    path: &Path,
    class: Option<usize>,
    cfg_scale: f64,
) -> Result<LearnedScore, String> {
    let model = ScoreModel::load(path)?;
    let name = path.display();
    let n_classes = model.net.config.n_classes;
    if let Some(k) = class {
        if n_classes == 0 {
            return Err(format!("--class {k}: {name} is not a conditional model"));
        }
        if k >= n_classes {
            return Err(format!(
                "--class {k}: {name} has {n_classes} classes (0..{})",
                n_classes - 1
            ));
        }
    }
    if !(cfg_scale.is_finite() && cfg_scale >= 0.0) {
        return Err(format!(
            "--cfg-scale must be finite and >= 0, got {cfg_scale}"
        ));
    }
    Ok(LearnedScore {
        model: std::sync::Arc::new(model),
        class,
        cfg_scale,
    })
}

/// Parses `A,B` with finite `A < B` (for `--xlim`, `--ylim`).
pub fn parse_range(text: &str) -> Result<(f64, f64), String> {
    let bad = || format!("'{text}': expected two numbers A,B with A < B");
    let (a, b) = text.split_once(',').ok_or_else(bad)?;
    let a: f64 = a.trim().parse().map_err(|_| bad())?;
    let b: f64 = b.trim().parse().map_err(|_| bad())?;
    if a.is_finite() && b.is_finite() && a < b {
        Ok((a, b))
    } else {
        Err(bad())
    }
}
