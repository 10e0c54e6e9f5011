//! One figure description for every output (DESIGN.md): the layers of a field view in data
//! coordinates (heatmap, arrows, contour lines, points, colour bar, legend, title, axes). The live
//! egui view and the PNG / SVG exporters draw the same rules from here; this module draws nothing.

pub mod colormap;
pub mod layers;

use crate::geom::{Bounds, Point, is_finite};
use crate::session::settings::{Heatmap, Settings};
use colormap::{cividis, viridis};
pub use layers::{FieldRequest, FieldResult};

/// An sRGB colour.
pub type Rgb = [u8; 3];

/// A set of arrows `(origin, tip)`.
#[derive(Clone, Debug, PartialEq)]
pub struct ArrowLayer {
    pub name: String,
    pub colour: Rgb,
    pub segments: Vec<(Point, Point)>,
}

/// A set of points.
#[derive(Clone, Debug, PartialEq)]
pub struct PointLayer {
    pub name: String,
    pub colour: Rgb,
    pub points: Vec<Point>,
}

/// A heatmap over the scene's bounds: `n x n` colours, top row first.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatLayer {
    pub n: usize,
    pub rgb: Vec<Rgb>,
    /// What the colours mean and the colour map's name, for the colour bar.
    pub label: String,
    pub map: ColourMap,
}

/// The colour-blind-safe maps of the heatmaps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColourMap {
    Viridis,
    Cividis,
}

impl ColourMap {
    /// The colour at `t` in `[0, 1]`.
    pub fn at(&self, t: f64) -> Rgb {
        match self {
            ColourMap::Viridis => viridis(t),
            ColourMap::Cividis => cividis(t),
        }
    }
}

/// A figure.
#[derive(Clone, Debug)]
pub struct Scene {
    pub title: String,
    pub bounds: Bounds,
    pub heat: Option<HeatLayer>,
    pub contours: Vec<Vec<Point>>,
    pub arrows: Vec<ArrowLayer>,
    pub points: Vec<PointLayer>,
}

/// Log-density range shown on the log scale.
const LOG_RANGE: f64 = 12.0;

/// Turns arrow vectors into `(origin, tip)` pairs with the view's length rules; drops non-finite.
pub fn arrow_segments(
    nodes: &[Point],
    vectors: &[Point],
    cell: f64,
    scale: f64,
    normalize: bool,
) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
    let norms: Vec<f64> = vectors.iter().map(|v| v.norm()).collect();
    let max_root = norms
        .iter()
        .copied()
        .filter(|n| n.is_finite())
        .fold(0.0, f64::max)
        .sqrt();
    let (mut origins, mut tips) = (Vec::new(), Vec::new());
    for ((p, v), n) in nodes.iter().zip(vectors).zip(&norms) {
        if !is_finite(v) || !n.is_finite() || *n <= 0.0 || max_root <= 0.0 {
            continue;
        }
        let len = if normalize {
            0.8 * cell
        } else {
            0.9 * cell * n.sqrt() / max_root
        } * scale;
        let tip = p + v / *n * len;
        origins.push([p.x, p.y]);
        tips.push([tip.x, tip.y]);
    }
    (origins, tips)
}

/// Heatmap pixels (RGBA, top row first) for the chosen layer; `None` if it has no data yet.
pub fn heat_rgba(field: &FieldResult, kind: Heatmap, log_scale: bool) -> Option<Vec<u8>> {
    let n = field.heat_n;
    let finite_max = |v: &[f64]| {
        v.iter()
            .copied()
            .filter(|x| x.is_finite())
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let max_log = finite_max(&field.log_density);
    let values: Vec<f64> = match kind {
        Heatmap::None => return None,
        Heatmap::Density => field
            .log_density
            .iter()
            .map(|v| {
                if log_scale {
                    1.0 + (v - max_log) / LOG_RANGE
                } else {
                    (v - max_log).exp()
                }
            })
            .collect(),
        Heatmap::Error | Heatmap::WeightedError => {
            if field.error.len() != n * n {
                return None;
            }
            let raw: Vec<f64> = field
                .error
                .iter()
                .zip(&field.log_density)
                .map(|(e, l)| {
                    if kind == Heatmap::WeightedError {
                        e * (l - max_log).exp()
                    } else {
                        *e
                    }
                })
                .collect();
            // Scale by the 99th percentile so a few huge tail errors do not wash out the map.
            let mut sorted: Vec<f64> = raw.iter().copied().filter(|v| v.is_finite()).collect();
            sorted.sort_by(f64::total_cmp);
            let top = sorted
                .get(sorted.len() * 99 / 100)
                .copied()
                .unwrap_or(1.0)
                .max(1e-12);
            raw.iter().map(|v| v / top).collect()
        }
    };
    let colour = if matches!(kind, Heatmap::Density) {
        viridis
    } else {
        cividis
    };
    let mut rgba = Vec::with_capacity(n * n * 4);
    for row in (0..n).rev() {
        for col in 0..n {
            let [r, g, b] = colour(values[row * n + col]);
            rgba.extend_from_slice(&[r, g, b, 255]);
        }
    }
    Some(rgba)
}

/// The field view's scene: the heatmap, contours and arrow layers the settings switch on.
pub fn field_scene(field: &FieldResult, s: &Settings, title: &str) -> Scene {
    let bounds = field.bounds.unwrap_or(Bounds {
        x_min: -1.0,
        x_max: 1.0,
        y_min: -1.0,
        y_max: 1.0,
    });
    let heat = heat_rgba(field, s.heatmap, s.log_scale).map(|rgba| HeatLayer {
        n: field.heat_n,
        rgb: rgba.chunks(4).map(|c| [c[0], c[1], c[2]]).collect(),
        label: match s.heatmap {
            Heatmap::Density if s.log_scale => "log q".into(),
            Heatmap::Density => "q / max".into(),
            Heatmap::Error => "error".into(),
            _ => "error x q".into(),
        },
        map: if s.heatmap == Heatmap::Density {
            ColourMap::Viridis
        } else {
            ColourMap::Cividis
        },
    });
    let cell = (bounds.x_max - bounds.x_min) / s.arrow_n.max(2) as f64;
    let mut arrows = Vec::new();
    let mut push = |name: &str, colour: Rgb, vectors: &[Point]| {
        if vectors.len() == field.arrow_nodes.len() {
            let (o, t) = arrow_segments(
                &field.arrow_nodes,
                vectors,
                cell,
                s.arrow_scale as f64,
                s.normalize_arrows,
            );
            let segments = o
                .iter()
                .zip(&t)
                .map(|(a, b)| (Point::new(a[0], a[1]), Point::new(b[0], b[1])))
                .collect();
            arrows.push(ArrowLayer {
                name: name.into(),
                colour,
                segments,
            });
        }
    };
    if s.show_exact {
        push("exact score", [255, 255, 255], &field.exact);
    }
    if s.show_learned && !field.learned.is_empty() {
        push("learned score", [255, 150, 40], &field.learned);
    }
    if s.show_tweedie {
        let segments = field
            .arrow_nodes
            .iter()
            .zip(&field.tweedie)
            .map(|(x, d)| (*x, x + d))
            .filter(|(_, t)| is_finite(t))
            .collect();
        arrows.push(ArrowLayer {
            name: "Tweedie E[x0|x]".into(),
            colour: [80, 220, 220],
            segments,
        });
    }
    Scene {
        title: title.to_string(),
        bounds,
        heat,
        contours: if s.show_contours {
            field.contours.clone()
        } else {
            Vec::new()
        },
        arrows,
        points: Vec::new(),
    }
}

/// A square view around the data, padded.
pub fn view_of(data: &crate::data::Dataset) -> Bounds {
    let info = crate::sample::DataInfo::of(data);
    let b = info.bounds;
    let (cx, cy) = (0.5 * (b.x_min + b.x_max), 0.5 * (b.y_min + b.y_max));
    let half = (0.5 * (b.x_max - b.x_min))
        .max(0.5 * (b.y_max - b.y_min))
        .max(2.0)
        * 1.3;
    Bounds {
        x_min: cx - half,
        x_max: cx + half,
        y_min: cy - half,
        y_max: cy + half,
    }
}
