//! `scorefield field`: the exact field, a trained model's field, or both, on a grid, as CSV
//! (the columns are described in `field/csv.rs`).

use super::input::{DataArgs, load_learned, parse_range};
use crate::dist::NoiseLevel;
use crate::field::{FieldColumns, FieldGrid};
use crate::geom::{Bounds, Point};
use crate::sample::source::score_on;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct FieldArgs {
    /// The data (optional with --model: then the exact field, the density and the error are
    /// written beside the learned field).
    #[command(flatten)]
    pub data: DataArgs,
    /// A trained model (JSON or safetensors): write its learned field.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<PathBuf>,
    /// Class for a conditional model (classifier-free guidance, MATH §4.10).
    #[arg(long, requires = "model")]
    pub class: Option<usize>,
    /// Classifier-free guidance scale gamma >= 0 (with --class).
    #[arg(long, default_value_t = 1.0, requires = "class")]
    pub cfg_scale: f64,
    /// VE noise level sigma >= 0 (sample-only data needs sigma > 0).
    #[arg(long, required_unless_present = "abar")]
    pub sigma: Option<f64>,
    /// VP noise level abar in (0, 1]; replaces --sigma.
    #[arg(long, conflicts_with = "sigma")]
    pub abar: Option<f64>,
    /// Grid nodes per axis.
    #[arg(long, default_value_t = 64)]
    pub grid: usize,
    #[arg(long, value_name = "A,B", allow_hyphen_values = true, value_parser = parse_range, default_value = "-10,10")]
    pub xlim: (f64, f64),
    #[arg(long, value_name = "C,D", allow_hyphen_values = true, value_parser = parse_range, default_value = "-10,10")]
    pub ylim: (f64, f64),
    #[arg(long, value_name = "FILE.csv")]
    pub out: PathBuf,
}

pub fn run(args: &FieldArgs) -> Result<(), String> {
    let data = if args.model.is_some() {
        args.data.load_optional()?
    } else {
        Some(args.data.load()?)
    };
    let level = match (args.sigma, args.abar) {
        (_, Some(abar)) => NoiseLevel::Vp { abar },
        (Some(sigma), None) => NoiseLevel::Ve { sigma },
        (None, None) => return Err("give --sigma or --abar".to_string()),
    };
    level
        .validate()
        .map_err(|e| format!("--sigma/--abar: {e}"))?;
    // Point sets have no density at sigma = 0; with a model the exact columns are then left out.
    let has_reference = |d: &crate::data::Dataset| d.mixture().is_some() || level.noise_var() > 0.0;
    if args.model.is_none() && data.as_ref().is_some_and(|d| !has_reference(d)) {
        return Err("--sigma: sample-only data has no density at sigma = 0; give sigma > 0".into());
    }
    if !(1..=4096).contains(&args.grid) {
        return Err(format!("--grid must be in 1..=4096, got {}", args.grid));
    }
    let bounds = Bounds {
        x_min: args.xlim.0,
        x_max: args.xlim.1,
        y_min: args.ylim.0,
        y_max: args.ylim.1,
    };
    let reference = data
        .as_ref()
        .filter(|d| has_reference(d))
        .map(|d| FieldGrid::reference(d, level, args.grid, bounds));
    let points = FieldGrid::nodes(args.grid, &bounds);
    let learned = match &args.model {
        Some(path) => {
            let source = load_learned(path, args.class, args.cfg_scale)?;
            Some(score_on(&source, level, &points))
        }
        None => None,
    };
    let reference_values: Option<Vec<(f64, Point)>> =
        reference.map(|g| g.log_density.into_iter().zip(g.score).collect::<Vec<_>>());
    let columns = FieldColumns {
        points: &points,
        reference: reference_values.as_deref(),
        learned: learned.as_deref(),
    };
    columns.save(&args.out)
}
