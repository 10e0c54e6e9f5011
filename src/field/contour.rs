//! Contour lines of a scalar field on a grid (marching squares).
//!
//! For each cell, the level crosses the edges whose end values straddle it; the crossing is placed
//! by linear interpolation. Segments meet on shared edges, so they are chained into polylines by
//! edge identity (no floating-point matching). Saddle cells take the pairing that keeps the
//! cell's centre value (the mean of its corners) on its own side.

use crate::geom::{Bounds, Point};
use std::collections::HashMap;

/// An edge of the grid: horizontal `(i, j, 0)` from node (i, j) to (i+1, j), or vertical
/// `(i, j, 1)` from (i, j) to (i, j+1).
type Edge = (usize, usize, u8);

/// Polylines where `values` (row-major `n x n`, x fastest, over `bounds`) equals `level`.
/// Non-finite values never produce crossings.
pub fn contour_lines(values: &[f64], n: usize, bounds: &Bounds, level: f64) -> Vec<Vec<Point>> {
    if n < 2 || values.len() != n * n {
        return Vec::new();
    }
    let at = |i: usize, j: usize| values[j * n + i];
    let node = |i: usize, j: usize| {
        Point::new(
            bounds.x_min + (bounds.x_max - bounds.x_min) * i as f64 / (n - 1) as f64,
            bounds.y_min + (bounds.y_max - bounds.y_min) * j as f64 / (n - 1) as f64,
        )
    };
    let crossing = |e: Edge| -> Point {
        let (a, b) = match e.2 {
            0 => ((e.0, e.1), (e.0 + 1, e.1)),
            _ => ((e.0, e.1), (e.0, e.1 + 1)),
        };
        let (va, vb) = (at(a.0, a.1), at(b.0, b.1));
        let t = ((level - va) / (vb - va)).clamp(0.0, 1.0);
        node(a.0, a.1) + (node(b.0, b.1) - node(a.0, a.1)) * t
    };
    let mut segments: Vec<(Edge, Edge)> = Vec::new();
    for j in 0..n - 1 {
        for i in 0..n - 1 {
            let v = [at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)];
            if v.iter().any(|x| !x.is_finite()) {
                continue;
            }
            // Cell edges in order bottom, right, top, left.
            let edges: [Edge; 4] = [(i, j, 0), (i + 1, j, 1), (i, j + 1, 0), (i, j, 1)];
            let above: Vec<bool> = v.iter().map(|x| *x > level).collect();
            let cut: Vec<Edge> = (0..4)
                .filter(|&k| above[k] != above[(k + 1) % 4])
                .map(|k| edges[k])
                .collect();
            match cut.len() {
                2 => segments.push((cut[0], cut[1])),
                4 => {
                    let centre_above = v.iter().sum::<f64>() / 4.0 > level;
                    if centre_above == above[0] {
                        segments.push((cut[0], cut[3]));
                        segments.push((cut[1], cut[2]));
                    } else {
                        segments.push((cut[0], cut[1]));
                        segments.push((cut[2], cut[3]));
                    }
                }
                _ => {}
            }
        }
    }
    chain(&segments)
        .into_iter()
        .map(|edges| edges.into_iter().map(crossing).collect())
        .collect()
}

/// Joins segments that share an edge into polylines (closed loops repeat their first edge).
fn chain(segments: &[(Edge, Edge)]) -> Vec<Vec<Edge>> {
    let mut by_edge: HashMap<Edge, Vec<usize>> = HashMap::new();
    for (k, (a, b)) in segments.iter().enumerate() {
        by_edge.entry(*a).or_default().push(k);
        by_edge.entry(*b).or_default().push(k);
    }
    let mut used = vec![false; segments.len()];
    let mut lines = Vec::new();
    // Start at open ends first so open lines come out whole, then the remaining loops.
    let mut starts: Vec<usize> = (0..segments.len())
        .filter(|&k| {
            let (a, b) = segments[k];
            by_edge[&a].len() == 1 || by_edge[&b].len() == 1
        })
        .collect();
    starts.extend(0..segments.len());
    for start in starts {
        if used[start] {
            continue;
        }
        used[start] = true;
        let (a, b) = segments[start];
        let (first, mut current) = if by_edge[&a].len() == 1 {
            (a, b)
        } else {
            (b, a)
        };
        let mut line = vec![first, current];
        while let Some(&next) = by_edge[&current].iter().find(|&&k| !used[k]) {
            used[next] = true;
            let (p, q) = segments[next];
            current = if p == current { q } else { p };
            line.push(current);
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The level set of |x|^2 at r^2 is a circle of radius r: one closed line on it.
    #[test]
    fn a_circle_comes_out_as_one_closed_line_on_the_circle() {
        let n = 41;
        let b = Bounds {
            x_min: -2.0,
            x_max: 2.0,
            y_min: -2.0,
            y_max: 2.0,
        };
        let values: Vec<f64> = (0..n * n)
            .map(|k| {
                let x = -2.0 + 4.0 * (k % n) as f64 / (n - 1) as f64;
                let y = -2.0 + 4.0 * (k / n) as f64 / (n - 1) as f64;
                x * x + y * y
            })
            .collect();
        let lines = contour_lines(&values, n, &b, 1.0);
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert!(line.len() > 40);
        assert!(
            (line[0] - line[line.len() - 1]).norm() < 1e-12,
            "the loop closes"
        );
        assert!(line.iter().all(|p| (p.norm() - 1.0).abs() < 0.01));
    }

    #[test]
    fn no_crossings_no_lines_and_nan_is_skipped() {
        let b = Bounds {
            x_min: 0.0,
            x_max: 1.0,
            y_min: 0.0,
            y_max: 1.0,
        };
        assert!(contour_lines(&[0.0; 9], 3, &b, 1.0).is_empty());
        let mut v = vec![0.0, 2.0, 0.0, 2.0];
        assert_eq!(contour_lines(&v, 2, &b, 1.0).len(), 1);
        v[0] = f64::NAN;
        assert!(contour_lines(&v, 2, &b, 1.0).is_empty());
    }
}
