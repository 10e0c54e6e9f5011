//! Arguments shared by subcommands: the data source and number pairs.

use crate::data::Dataset;
use crate::data::mixture_file::load_mixture_file;
use crate::data::points_file::load_points_csv;
use crate::dist::EmpiricalMixture;
use clap::Args;
use std::path::PathBuf;

/// Exactly one data source.
#[derive(Debug, Args, Clone)]
#[group(required = true, multiple = false)]
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
    pub fn load(&self) -> Result<Dataset, String> {
        if let Some(name) = &self.preset {
            return Ok(crate::data::preset(name)?.dataset());
        }
        if let Some(path) = &self.mixture {
            return load_mixture_file(path)
                .map(Dataset::Mixture)
                .map_err(|e| e.to_string());
        }
        if let Some(path) = &self.points {
            return load_points_csv(path)
                .map(|p| Dataset::Points(EmpiricalMixture::new(p)))
                .map_err(|e| e.to_string());
        }
        Err("give one of --preset, --mixture or --points".to_string())
    }
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
