//! `scorefield field`: the exact field on a grid, as CSV.

use super::input::{DataArgs, parse_range};
use crate::atomic_file::write_atomic;
use crate::dist::NoiseLevel;
use crate::field::FieldGrid;
use crate::geom::Bounds;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(allow_negative_numbers = true)]
pub struct FieldArgs {
    #[command(flatten)]
    pub data: DataArgs,
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
    let data = args.data.load()?;
    let level = match (args.sigma, args.abar) {
        (_, Some(abar)) => NoiseLevel::Vp { abar },
        (Some(sigma), None) => NoiseLevel::Ve { sigma },
        (None, None) => return Err("give --sigma or --abar".to_string()),
    };
    level
        .validate()
        .map_err(|e| format!("--sigma/--abar: {e}"))?;
    if data.mixture().is_none() && level.noise_var() <= 0.0 {
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
    let grid = FieldGrid::reference(&data, level, args.grid, bounds);
    write_atomic(&args.out, |w| write_field_csv(w, &grid))
}

fn write_field_csv(w: &mut dyn Write, grid: &FieldGrid) -> std::io::Result<()> {
    writeln!(w, "x,y,log_density,score_x,score_y")?;
    for ((p, l), s) in grid.points.iter().zip(&grid.log_density).zip(&grid.score) {
        writeln!(w, "{},{},{},{},{}", p.x, p.y, l, s.x, s.y)?;
    }
    Ok(())
}
