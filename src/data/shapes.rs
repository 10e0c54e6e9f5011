//! Sample-only shapes (no density): point clouds drawn once from a seed.
//! Every shape spans roughly `[-4, 4]^2`.

use crate::geom::Point;
use crate::noise::StreamRng;
use std::f64::consts::{PI, TAU};

/// Two interleaved half circles, radius 2, Gaussian jitter of std 0.1.
pub fn two_moons(n: usize, seed: u64) -> Vec<Point> {
    let mut rng = StreamRng::from_seed(seed);
    (0..n)
        .map(|i| {
            let t = PI * rng.uniform();
            let jitter = rng.gaussian2() * 0.1;
            let p = if i % 2 == 0 {
                Point::new(t.cos(), t.sin())
            } else {
                Point::new(1.0 - t.cos(), 0.5 - t.sin())
            };
            (p - Point::new(0.5, 0.25)) * 2.0 + jitter
        })
        .collect()
}

/// Two concentric rings, radii 1.5 and 3.5 (points split by circumference), radial std 0.08.
pub fn rings(n: usize, seed: u64) -> Vec<Point> {
    let mut rng = StreamRng::from_seed(seed);
    let (r_in, r_out) = (1.5, 3.5);
    (0..n)
        .map(|_| {
            let r = if rng.uniform() < r_in / (r_in + r_out) {
                r_in
            } else {
                r_out
            };
            let a = TAU * rng.uniform();
            let r = r + 0.08 * rng.gaussian2().x;
            Point::new(r * a.cos(), r * a.sin())
        })
        .collect()
}

/// A two-turn Archimedean spiral out to radius 3.8, std 0.1.
pub fn spiral(n: usize, seed: u64) -> Vec<Point> {
    let mut rng = StreamRng::from_seed(seed);
    (0..n)
        .map(|_| {
            let u = rng.uniform().sqrt();
            let a = 2.0 * TAU * u;
            let r = 0.3 + 3.5 * u;
            Point::new(r * a.cos(), r * a.sin()) + rng.gaussian2() * 0.1
        })
        .collect()
}

/// Uniform on the dark squares of a 4x4 checkerboard on `[-4, 4]^2` (squares of side 2).
pub fn checkerboard(n: usize, seed: u64) -> Vec<Point> {
    let mut rng = StreamRng::from_seed(seed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let p = Point::new(8.0 * rng.uniform() - 4.0, 8.0 * rng.uniform() - 4.0);
        let (i, j) = (((p.x + 4.0) / 2.0) as i64, ((p.y + 4.0) / 2.0) as i64);
        if (i + j) % 2 == 0 {
            out.push(p);
        }
    }
    out
}

/// Points exactly on the circle of radius 3: a one-dimensional data manifold with no density.
pub fn circle(n: usize, seed: u64) -> Vec<Point> {
    let mut rng = StreamRng::from_seed(seed);
    (0..n)
        .map(|_| {
            let a = TAU * rng.uniform();
            Point::new(3.0 * a.cos(), 3.0 * a.sin())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_seeded_and_in_range() {
        for f in [two_moons, rings, spiral, checkerboard, circle] {
            let a = f(500, 3);
            assert_eq!(a, f(500, 3));
            assert_ne!(a, f(500, 4));
            assert!(a.iter().all(|p| p.x.abs() < 5.0 && p.y.abs() < 5.0));
        }
    }

    #[test]
    fn circle_points_lie_on_the_circle() {
        assert!(
            circle(100, 1)
                .iter()
                .all(|p| (p.norm() - 3.0).abs() < 1e-12)
        );
    }

    #[test]
    fn checkerboard_points_are_on_dark_squares() {
        for p in checkerboard(1000, 2) {
            let (i, j) = (((p.x + 4.0) / 2.0) as i64, ((p.y + 4.0) / 2.0) as i64);
            assert_eq!((i + j) % 2, 0);
        }
    }
}
