//! Points and small linear algebra in the plane.

use nalgebra::{Matrix2, Vector2};

/// A point (or a vector, such as a score) in R^2.
pub type Point = Vector2<f64>;

/// A 2x2 matrix (covariances, precisions).
pub type Mat2 = Matrix2<f64>;

/// The largest magnitude of a data coordinate (points, mixture means, initial boxes): far
/// beyond any lecture's data, and small enough that squared distances stay finite in f64.
pub const MAX_COORDINATE: f64 = 1e6;

/// True when both coordinates are finite.
pub fn is_finite(p: &Point) -> bool {
    p.x.is_finite() && p.y.is_finite()
}

/// Axis-aligned box `[x_min, x_max] x [y_min, y_max]` in data coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    pub x_min: f64,
    pub x_max: f64,
    pub y_min: f64,
    pub y_max: f64,
}

impl Bounds {
    /// The box scaled by `factor` about its centre.
    pub fn scaled(&self, factor: f64) -> Bounds {
        let (cx, cy) = (
            0.5 * (self.x_min + self.x_max),
            0.5 * (self.y_min + self.y_max),
        );
        let (hx, hy) = (
            0.5 * (self.x_max - self.x_min) * factor,
            0.5 * (self.y_max - self.y_min) * factor,
        );
        Bounds {
            x_min: cx - hx,
            x_max: cx + hx,
            y_min: cy - hy,
            y_max: cy + hy,
        }
    }

    /// The smallest box of aspect `width / height` (in data units) that holds this one, with
    /// the same centre: equal scales on both axes in a plot of that pixel aspect.
    pub fn fit_aspect(&self, aspect: f64) -> Bounds {
        let (w, h) = (self.x_max - self.x_min, self.y_max - self.y_min);
        if !(aspect.is_finite() && aspect > 0.0) {
            return *self;
        }
        let (sx, sy) = if w / h < aspect {
            (aspect * h / w, 1.0)
        } else {
            (1.0, w / (aspect * h))
        };
        let (cx, cy) = (
            0.5 * (self.x_min + self.x_max),
            0.5 * (self.y_min + self.y_max),
        );
        Bounds {
            x_min: cx - 0.5 * w * sx,
            x_max: cx + 0.5 * w * sx,
            y_min: cy - 0.5 * h * sy,
            y_max: cy + 0.5 * h * sy,
        }
    }

    /// The smallest box holding every finite point, or `None` for an empty set.
    pub fn of_points(points: &[Point]) -> Option<Bounds> {
        let mut finite = points.iter().filter(|p| is_finite(p));
        let first = finite.next()?;
        let init = Bounds {
            x_min: first.x,
            x_max: first.x,
            y_min: first.y,
            y_max: first.y,
        };
        Some(finite.fold(init, |b, p| Bounds {
            x_min: b.x_min.min(p.x),
            x_max: b.x_max.max(p.x),
            y_min: b.y_min.min(p.y),
            y_max: b.y_max.max(p.y),
        }))
    }

    /// The box grown by `fraction` of its width and height on every side.
    pub fn padded(&self, fraction: f64) -> Bounds {
        let dx = (self.x_max - self.x_min) * fraction;
        let dy = (self.y_max - self.y_min) * fraction;
        Bounds {
            x_min: self.x_min - dx,
            x_max: self.x_max + dx,
            y_min: self.y_min - dy,
            y_max: self.y_max + dy,
        }
    }
}
