//! Editing a Gaussian mixture by hand: add, move, reshape (axis handles), reweight, delete.
//!
//! A covariance `S = a^2 u u^T + b^2 w w^T` (`u`, `w` orthonormal) is drawn as its 1-sigma ellipse
//! with handles at `mu + a u` and `mu + b w`. Dragging a handle to `p` sets that axis to
//! `p - mu` (length and direction) and keeps the other axis's length, perpendicular.

use crate::dist::{Gaussian2, GaussianMixture};
use crate::geom::{Mat2, Point};

/// What a pointer grabbed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grab {
    Mean(usize),
    /// Axis 0 (major) or 1 (minor) of a component.
    Axis(usize, usize),
}

/// Principal axes `(a u, b w)` of a covariance (1-sigma half-axes), major first.
pub fn axes(cov: &Mat2) -> (Point, Point) {
    let eig = cov.symmetric_eigen();
    let (i, j) = if eig.eigenvalues[0] >= eig.eigenvalues[1] {
        (0, 1)
    } else {
        (1, 0)
    };
    let u = eig.eigenvectors.column(i).into_owned() * eig.eigenvalues[i].max(0.0).sqrt();
    let w = eig.eigenvectors.column(j).into_owned() * eig.eigenvalues[j].max(0.0).sqrt();
    (u, w)
}

/// The 1-sigma ellipse as a closed polyline of `n` points.
pub fn ellipse(g: &Gaussian2, n: usize) -> Vec<Point> {
    let (u, w) = axes(&g.cov);
    (0..=n)
        .map(|i| {
            let t = std::f64::consts::TAU * i as f64 / n as f64;
            g.mean + u * t.cos() + w * t.sin()
        })
        .collect()
}

/// Handle positions `(mean, major end, minor end)`.
pub fn handles(g: &Gaussian2) -> [Point; 3] {
    let (u, w) = axes(&g.cov);
    [g.mean, g.mean + u, g.mean + w]
}

/// The handle within `radius` of `p`, nearest first (means win ties).
pub fn grab_at(m: &GaussianMixture, p: Point, radius: f64) -> Option<Grab> {
    let mut best: Option<(f64, Grab)> = None;
    for (k, g) in m.components().iter().enumerate() {
        let [mean, a, b] = handles(g);
        for (pos, grab) in [
            (mean, Grab::Mean(k)),
            (a, Grab::Axis(k, 0)),
            (b, Grab::Axis(k, 1)),
        ] {
            let d = (pos - p).norm();
            if d <= radius && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, grab));
            }
        }
    }
    best.map(|(_, g)| g)
}

/// Smallest axis length (keeps covariances positive definite).
const MIN_AXIS: f64 = 0.05;

/// The mixture after dragging `grab` to `p`.
pub fn drag(m: &GaussianMixture, grab: Grab, p: Point) -> GaussianMixture {
    let mut comps = m.components().to_vec();
    match grab {
        Grab::Mean(k) => comps[k].mean = p,
        Grab::Axis(k, axis) => {
            let g = comps[k];
            let (u, w) = axes(&g.cov);
            let other = if axis == 0 { w.norm() } else { u.norm() };
            let v = p - g.mean;
            let len = v.norm().max(MIN_AXIS);
            let dir = if v.norm() > 1e-12 {
                v / v.norm()
            } else {
                Point::new(1.0, 0.0)
            };
            let perp = Point::new(-dir.y, dir.x);
            let other = other.max(MIN_AXIS);
            comps[k].cov =
                dir * dir.transpose() * (len * len) + perp * perp.transpose() * (other * other);
        }
    }
    GaussianMixture::new(comps, m.weights())
}

/// The mixture with a new isotropic component at `p` (variance 0.5, weight the mean weight).
pub fn add(m: &GaussianMixture, p: Point) -> GaussianMixture {
    let mut comps = m.components().to_vec();
    let mut weights = m.weights().to_vec();
    comps.push(Gaussian2::isotropic(p, 0.5));
    weights.push(1.0 / weights.len() as f64);
    GaussianMixture::new(comps, &weights)
}

/// The mixture without component `k`; `None` if it is the last one.
pub fn delete(m: &GaussianMixture, k: usize) -> Option<GaussianMixture> {
    if m.len() <= 1 || k >= m.len() {
        return None;
    }
    let mut comps = m.components().to_vec();
    let mut weights = m.weights().to_vec();
    comps.remove(k);
    weights.remove(k);
    Some(GaussianMixture::new(comps, &weights))
}

/// The mixture with component `k`'s unnormalised weight set to `w` (others keep theirs).
pub fn reweight(m: &GaussianMixture, k: usize, w: f64) -> GaussianMixture {
    let mut weights = m.weights().to_vec();
    weights[k] = w.max(1e-3);
    GaussianMixture::new(m.components().to_vec(), &weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dragging_an_axis_handle_sets_that_axis() {
        let m = GaussianMixture::new(
            vec![Gaussian2::isotropic(Point::new(1.0, 1.0), 0.25)],
            &[1.0],
        );
        let m2 = drag(&m, Grab::Axis(0, 0), Point::new(1.0, 3.0));
        let (u, w) = axes(&m2.components()[0].cov);
        assert!((u.norm() - 2.0).abs() < 1e-9 && u.x.abs() < 1e-9, "{u:?}");
        assert!((w.norm() - 0.5).abs() < 1e-9, "{w:?}");
        let [_, a, _] = handles(&m2.components()[0]);
        assert_eq!(grab_at(&m2, a, 0.1), Some(Grab::Axis(0, 0)));
        assert_eq!(
            grab_at(&m2, Point::new(1.0, 1.05), 0.1),
            Some(Grab::Mean(0))
        );
    }

    #[test]
    fn add_delete_reweight() {
        let m = GaussianMixture::new(vec![Gaussian2::isotropic(Point::zeros(), 1.0)], &[1.0]);
        let m2 = add(&m, Point::new(3.0, 0.0));
        assert_eq!(m2.len(), 2);
        assert!(delete(&m, 0).is_none());
        assert_eq!(
            delete(&m2, 0).map(|m| m.components()[0].mean),
            Some(Point::new(3.0, 0.0))
        );
        // m2's weights are (0.5, 0.5); setting the second to 3 gives 3 / 3.5 after normalising.
        let m3 = reweight(&m2, 1, 3.0);
        assert!(
            (m3.weights()[1] - 3.0 / 3.5).abs() < 1e-12,
            "{:?}",
            m3.weights()
        );
    }
}
