//! What the first window draws: the density heatmap and exact score arrows of `q_sigma`,
//! computed from [`crate::field::FieldGrid`] (no drawing code here, only numbers to pixels).

use super::colormap::viridis;
use crate::data::Dataset;
use crate::dist::NoiseLevel;
use crate::field::FieldGrid;
use crate::geom::{Bounds, Point};

/// Log-density range shown: values below `max - LOG_RANGE` get the lowest colour.
const LOG_RANGE: f64 = 12.0;

/// Heatmap pixels (RGBA, top row first) of `q_sigma` on an `n x n` grid: `log q` over the top
/// [`LOG_RANGE`] nats, or `q / max q` on a linear scale.
pub fn heatmap_rgba(
    data: &Dataset,
    sigma: f64,
    n: usize,
    bounds: Bounds,
    log_scale: bool,
) -> Vec<u8> {
    let grid = FieldGrid::reference(data, NoiseLevel::Ve { sigma }, n, bounds);
    let max = grid
        .log_density
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let mut rgba = Vec::with_capacity(n * n * 4);
    // Grid rows go up in y; image rows go down.
    for row in (0..n).rev() {
        for col in 0..n {
            let v = grid.log_density[row * n + col];
            let t = match (v.is_finite(), log_scale) {
                (false, _) => 0.0,
                (true, true) => 1.0 + (v - max) / LOG_RANGE,
                (true, false) => (v - max).exp(),
            };
            let [r, g, b] = viridis(t);
            rgba.extend_from_slice(&[r, g, b, 255]);
        }
    }
    rgba
}

/// Score arrows `(origin, tip)` on an `n x n` grid. Lengths are `|s|^(1/2)`, scaled so the
/// longest is 90% of a cell: the direction is exact, the length is compressed for legibility.
/// Non-finite scores are dropped.
pub fn score_arrows(data: &Dataset, sigma: f64, n: usize, bounds: Bounds) -> Vec<(Point, Point)> {
    let grid = FieldGrid::reference(data, NoiseLevel::Ve { sigma }, n, bounds);
    let cell = (bounds.x_max - bounds.x_min) / n as f64;
    let lens: Vec<f64> = grid.score.iter().map(|s| s.norm().sqrt()).collect();
    let max_len = lens
        .iter()
        .copied()
        .filter(|l| l.is_finite())
        .fold(0.0, f64::max);
    if max_len <= 0.0 {
        return Vec::new();
    }
    grid.points
        .iter()
        .zip(&grid.score)
        .zip(&lens)
        .filter(|((_, s), l)| s.x.is_finite() && s.y.is_finite() && **l > 0.0)
        .map(|((p, s), l)| (*p, p + s / s.norm() * (0.9 * cell * l / max_len)))
        .collect()
}
