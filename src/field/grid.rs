//! Grids of the reference field for a view box: log density and score of `q` at a noise level
//! (exact for mixtures, MATH §2.1/§2.2; empirical for point sets, MATH §2.3).

use crate::data::Dataset;
use crate::dist::NoiseLevel;
use crate::geom::{Bounds, Point};
use rayon::prelude::*;

/// An `n x n` grid, row-major from `(x_min, y_min)`; `x` varies fastest.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldGrid {
    pub n: usize,
    pub bounds: Bounds,
    pub points: Vec<Point>,
    pub log_density: Vec<f64>,
    pub score: Vec<Point>,
}

impl FieldGrid {
    /// Grid node coordinates: `n` evenly spaced values from min to max inclusive.
    pub fn nodes(n: usize, bounds: &Bounds) -> Vec<Point> {
        let at = |lo: f64, hi: f64, i: usize| {
            if n == 1 {
                0.5 * (lo + hi)
            } else {
                lo + (hi - lo) * i as f64 / (n - 1) as f64
            }
        };
        (0..n * n)
            .map(|k| {
                Point::new(
                    at(bounds.x_min, bounds.x_max, k % n),
                    at(bounds.y_min, bounds.y_max, k / n),
                )
            })
            .collect()
    }

    /// The reference field of `data` at `level` on an `n x n` grid over `bounds`.
    pub fn reference(data: &Dataset, level: NoiseLevel, n: usize, bounds: Bounds) -> FieldGrid {
        let points = FieldGrid::nodes(n, &bounds);
        let values: Vec<(f64, Point)> = points
            .par_chunks(256)
            .flat_map_iter(|chunk| data.reference_field(level, chunk))
            .collect();
        let (log_density, score) = values.into_iter().unzip();
        FieldGrid {
            n,
            bounds,
            points,
            log_density,
            score,
        }
    }
}
