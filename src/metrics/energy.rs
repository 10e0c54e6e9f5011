//! Energy distance between two samples (MATH §6):
//! `D^2 = 2 E|X - Y| - E|X - X'| - E|Y - Y'|` (V-statistics), zero iff the laws agree.
//! O(n m); callers cap the sample sizes.

use crate::geom::Point;
use rayon::prelude::*;

fn mean_cross_distance(a: &[Point], b: &[Point]) -> f64 {
    let total: f64 = a
        .par_iter()
        .map(|x| b.iter().map(|y| (x - y).norm()).sum::<f64>())
        .sum();
    total / (a.len() as f64 * b.len() as f64)
}

/// The energy distance `D^2` (not its square root); `None` if either sample is empty.
pub fn energy_distance(a: &[Point], b: &[Point]) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let d = 2.0 * mean_cross_distance(a, b) - mean_cross_distance(a, a) - mean_cross_distance(b, b);
    Some(d.max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::StreamRng;

    fn gaussian_cloud(n: usize, seed: u64, shift: f64) -> Vec<Point> {
        let mut rng = StreamRng::from_seed(seed);
        (0..n)
            .map(|_| rng.gaussian2() + Point::new(shift, 0.0))
            .collect()
    }

    #[test]
    fn same_law_is_near_zero_shifted_law_is_not() {
        let a = gaussian_cloud(800, 1, 0.0);
        let b = gaussian_cloud(800, 2, 0.0);
        let c = gaussian_cloud(800, 3, 1.0);
        let same = energy_distance(&a, &b).expect("non-empty");
        let shifted = energy_distance(&a, &c).expect("non-empty");
        assert!(same < 0.02, "same-law energy distance {same}");
        assert!(shifted > 0.3, "shifted energy distance {shifted}");
        assert_eq!(energy_distance(&a, &[]), None);
    }
}
