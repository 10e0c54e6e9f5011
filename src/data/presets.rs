//! Built-in data sets, by name.

use super::dataset::Dataset;
use super::shapes;
use crate::dist::{EmpiricalMixture, Gaussian2, GaussianMixture};
use crate::geom::{Mat2, Point};

/// A named built-in data set.
#[derive(Clone, Copy, Debug)]
pub struct Preset {
    pub name: &'static str,
    pub description: &'static str,
    build: fn() -> Dataset,
}

impl Preset {
    pub fn dataset(&self) -> Dataset {
        (self.build)()
    }
}

/// Points drawn for the sample-only presets (fixed seed: a preset is always the same set).
const SHAPE_POINTS: usize = 2000;
const SHAPE_SEED: u64 = 20_190_712;

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "ncsn-two-modes",
        description: "weights 0.8/0.2 at (-5,-5) and (5,5), identity covariances (MATH §7)",
        build: ncsn_two_modes,
    },
    Preset {
        name: "ring8",
        description: "8 equal Gaussians on a circle of radius 4, variance 0.1",
        build: ring8,
    },
    Preset {
        name: "grid25",
        description: "25 equal Gaussians on a 5x5 grid with spacing 2, variance 0.05",
        build: grid25,
    },
    Preset {
        name: "three-anisotropic",
        description: "3 elongated, rotated Gaussians with weights 0.5/0.3/0.2",
        build: three_anisotropic,
    },
    Preset {
        name: "two-moons",
        description: "sample-only: two interleaved half circles (2000 points)",
        build: || points(shapes::two_moons(SHAPE_POINTS, SHAPE_SEED)),
    },
    Preset {
        name: "rings",
        description: "sample-only: two concentric noisy rings, radii 1.5 and 3.5 (2000 points)",
        build: || points(shapes::rings(SHAPE_POINTS, SHAPE_SEED)),
    },
    Preset {
        name: "spiral",
        description: "sample-only: a noisy two-turn spiral (2000 points)",
        build: || points(shapes::spiral(SHAPE_POINTS, SHAPE_SEED)),
    },
    Preset {
        name: "checkerboard",
        description: "sample-only: uniform on the dark squares of a 4x4 board on [-4,4]^2 (2000 points)",
        build: || points(shapes::checkerboard(SHAPE_POINTS, SHAPE_SEED)),
    },
    Preset {
        name: "circle",
        description: "sample-only: points exactly on a circle of radius 3 (manifold pitfall, 2000 points)",
        build: || points(shapes::circle(SHAPE_POINTS, SHAPE_SEED)),
    },
];

/// The preset called `name`, or an error listing the known names.
pub fn preset(name: &str) -> Result<&'static Preset, String> {
    PRESETS.iter().find(|p| p.name == name).ok_or_else(|| {
        let known: Vec<&str> = PRESETS.iter().map(|p| p.name).collect();
        format!(
            "unknown preset '{name}'; known presets: {}",
            known.join(", ")
        )
    })
}

fn points(pts: Vec<Point>) -> Dataset {
    Dataset::Points(EmpiricalMixture::new(pts))
}

fn ncsn_two_modes() -> Dataset {
    Dataset::Mixture(GaussianMixture::new(
        vec![
            Gaussian2::isotropic(Point::new(-5.0, -5.0), 1.0),
            Gaussian2::isotropic(Point::new(5.0, 5.0), 1.0),
        ],
        &[0.8, 0.2],
    ))
}

fn ring8() -> Dataset {
    let comps = (0..8)
        .map(|k| {
            let a = std::f64::consts::TAU * k as f64 / 8.0;
            Gaussian2::isotropic(Point::new(4.0 * a.cos(), 4.0 * a.sin()), 0.1)
        })
        .collect();
    Dataset::Mixture(GaussianMixture::new(comps, &[1.0; 8]))
}

fn grid25() -> Dataset {
    let comps = (0..25)
        .map(|k| {
            let (i, j) = ((k % 5) as f64, (k / 5) as f64);
            Gaussian2::isotropic(Point::new(2.0 * i - 4.0, 2.0 * j - 4.0), 0.05)
        })
        .collect();
    Dataset::Mixture(GaussianMixture::new(comps, &[1.0; 25]))
}

/// A covariance with standard deviations `(s_long, s_short)` along axes rotated by `angle`.
fn rotated_cov(s_long: f64, s_short: f64, angle: f64) -> Mat2 {
    let (c, s) = (angle.cos(), angle.sin());
    let r = Mat2::new(c, -s, s, c);
    let d = Mat2::new(s_long * s_long, 0.0, 0.0, s_short * s_short);
    r * d * r.transpose()
}

fn three_anisotropic() -> Dataset {
    Dataset::Mixture(GaussianMixture::new(
        vec![
            Gaussian2::new(Point::new(-3.0, 1.0), rotated_cov(1.6, 0.3, 0.6)),
            Gaussian2::new(Point::new(3.0, 2.0), rotated_cov(1.2, 0.25, -0.9)),
            Gaussian2::new(Point::new(0.5, -3.0), rotated_cov(1.8, 0.35, 0.1)),
        ],
        &[0.5, 0.3, 0.2],
    ))
}
