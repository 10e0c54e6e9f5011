//! One figure description for every output (DESIGN.md): the layers of a field view in data
//! coordinates (heatmap, arrows, contour lines, points, colour bar, legend, title, axes). The live
//! egui view and the PNG / SVG exporters draw the same rules from here; this module draws nothing.

pub mod animation;
pub mod colormap;
pub mod figures;
pub mod layers;
pub mod palette;
pub mod spec;

use crate::geom::{Bounds, Point, is_finite};
use crate::session::settings::Heatmap;
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
    /// What an arrow's length says about its vector (for the quiver key).
    pub length: ArrowLength,
}

/// How a layer's arrow lengths (data units) follow its vectors' norms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ArrowLength {
    /// `length = reference_length · sqrt(|v| / reference)`: the square root keeps weak
    /// arrows visible next to strong ones ([`arrow_segments`]).
    Sqrt {
        reference: f64,
        reference_length: f64,
    },
    /// `length = |v|` (displacements drawn to scale); `max` is the longest.
    Actual { max: f64 },
    /// Every arrow one length: directions only.
    Direction,
}

impl ArrowLength {
    /// The norm an arrow `length` data units long stands for (`None` for directions only).
    pub fn magnitude(&self, length: f64) -> Option<f64> {
        match *self {
            ArrowLength::Sqrt {
                reference,
                reference_length,
            } if reference_length > 0.0 => Some(reference * (length / reference_length).powi(2)),
            ArrowLength::Actual { .. } => Some(length),
            _ => None,
        }
    }

    /// The length in data units of an arrow for a vector of norm `magnitude`.
    pub fn length(&self, magnitude: f64) -> Option<f64> {
        match *self {
            ArrowLength::Sqrt {
                reference,
                reference_length,
            } if reference > 0.0 => Some(reference_length * (magnitude / reference).sqrt()),
            ArrowLength::Actual { .. } => Some(magnitude),
            _ => None,
        }
    }

    /// The largest norm any arrow of the layer has.
    pub fn max(&self) -> Option<f64> {
        match *self {
            ArrowLength::Sqrt { reference, .. } => Some(reference),
            ArrowLength::Actual { max } => Some(max),
            ArrowLength::Direction => None,
        }
    }

    /// The quiver key: a round norm (1, 2 or 5 × 10^k) no larger than the layer's largest
    /// whose arrow is at most `budget` data units long, and that arrow's length.
    pub fn key(&self, budget: f64) -> Option<(f64, f64)> {
        let top = self.max()?.min(self.magnitude(budget)?);
        let magnitude = round_below(top)?;
        Some((magnitude, self.length(magnitude)?))
    }
}

/// The largest of 1, 2 and 5 × 10^k not above `v` (`None` unless `v` is finite and positive).
pub fn round_below(v: f64) -> Option<f64> {
    if !(v.is_finite() && v > 0.0) {
        return None;
    }
    let decade = 10f64.powf(v.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|m| m * decade)
        .find(|&c| c <= v * (1.0 + 1e-12))
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
    /// What the colours mean, for the colour bar.
    pub label: String,
    /// The values at the bottom and the top of the colour scale.
    pub range: (f64, f64),
    pub map: ColourMap,
}

/// The colour-blind-safe maps of the heatmaps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColourMap {
    Viridis,
    Cividis,
}

impl ColourMap {
    /// The colour at `t` in `[0, 1]` of the heatmaps' scale (the map up to
    /// [`palette::HEAT_TOP`]).
    pub fn at(&self, t: f64) -> Rgb {
        let t = t.clamp(0.0, 1.0) * palette::HEAT_TOP;
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
    /// Mode-weight bars under the plot (sampler panes of mixtures).
    pub modes: Option<ModeBars>,
}

/// Sampled mode fractions beside their target weights, and the TV between them (MATH §6).
#[derive(Clone, Debug, PartialEq)]
pub struct ModeBars {
    pub colour: Rgb,
    pub fractions: Vec<f64>,
    pub targets: Vec<f64>,
    pub tv: f64,
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

/// Heatmap pixels (RGBA, top row first) and the values at the bottom and top of the colour
/// scale.
#[derive(Clone, Debug, PartialEq)]
pub struct HeatPixels {
    pub rgba: Vec<u8>,
    pub range: (f64, f64),
}

/// The heatmap of the chosen layer; `None` if it has no data yet. Density: `log q` over
/// [`LOG_RANGE`] below its peak, or `q / max q`. Error: `|s_theta - s|` (or times `q / max q`)
/// from 0 to `error_max` score units, or to the field's own 99th percentile when `error_max` is
/// 0 (a few huge tail errors then cannot wash the map out, but successive fields are not
/// comparable).
pub fn heat_rgba(field: &FieldResult, layers: &spec::LayerSpec) -> Option<HeatPixels> {
    let n = field.heat_n;
    let finite_max = |v: &[f64]| {
        v.iter()
            .copied()
            .filter(|x| x.is_finite())
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let max_log = finite_max(&field.log_density);
    let (values, range): (Vec<f64>, (f64, f64)) = match layers.heatmap {
        Heatmap::None => return None,
        Heatmap::Density if layers.log_scale => {
            // The scale spans the view's own range (at most LOG_RANGE): at a large sigma the
            // density is nearly flat, and a fixed span would paint it all one colour.
            let min_log = field
                .log_density
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .fold(f64::INFINITY, f64::min)
                .max(max_log - LOG_RANGE);
            let span = (max_log - min_log).max(1e-9);
            (
                field
                    .log_density
                    .iter()
                    .map(|v| (v - min_log) / span)
                    .collect(),
                (min_log, max_log),
            )
        }
        Heatmap::Density => (
            field
                .log_density
                .iter()
                .map(|v| (v - max_log).exp())
                .collect(),
            (0.0, 1.0),
        ),
        kind @ (Heatmap::Error | Heatmap::WeightedError) => {
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
            let top = if layers.error_max > 0.0 {
                layers.error_max
            } else {
                percentile_99(&raw)
            };
            (raw.iter().map(|v| v / top).collect(), (0.0, top))
        }
    };
    let map = if matches!(layers.heatmap, Heatmap::Density) {
        viridis
    } else {
        cividis
    };
    let colour = |t: f64| map(t.clamp(0.0, 1.0) * palette::HEAT_TOP);
    let mut rgba = Vec::with_capacity(n * n * 4);
    for row in (0..n).rev() {
        for col in 0..n {
            let [r, g, b] = colour(values[row * n + col]);
            rgba.extend_from_slice(&[r, g, b, 255]);
        }
    }
    Some(HeatPixels { rgba, range })
}

/// The 99th percentile of the finite values (at least 1e-12).
fn percentile_99(values: &[f64]) -> f64 {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    sorted
        .get(sorted.len() * 99 / 100)
        .copied()
        .unwrap_or(1.0)
        .max(1e-12)
}

/// The colour bar's caption for a heatmap layer.
fn heat_label(layers: &spec::LayerSpec) -> String {
    match layers.heatmap {
        Heatmap::Density if layers.log_scale => "log q_σ".into(),
        Heatmap::Density => "q_σ / max q_σ".into(),
        Heatmap::Error => "|s_θ − ∇log q_σ| (score units)".into(),
        _ => "|s_θ − ∇log q_σ| · q_σ/max q_σ".into(),
    }
}

/// The field view's scene: the heatmap, contours and arrow layers the layer spec switches on.
pub fn field_scene(field: &FieldResult, layers: &spec::LayerSpec, title: &str) -> Scene {
    let bounds = field.bounds.unwrap_or(Bounds {
        x_min: -1.0,
        x_max: 1.0,
        y_min: -1.0,
        y_max: 1.0,
    });
    let heat = heat_rgba(field, layers).map(|px| HeatLayer {
        n: field.heat_n,
        rgb: px.rgba.chunks(4).map(|c| [c[0], c[1], c[2]]).collect(),
        label: heat_label(layers),
        range: px.range,
        map: if layers.heatmap == Heatmap::Density {
            ColourMap::Viridis
        } else {
            ColourMap::Cividis
        },
    });
    let cell = (bounds.x_max - bounds.x_min) / field.arrow_n.max(2) as f64;
    let mut arrows = Vec::new();
    let mut push = |name: &str, colour: Rgb, vectors: &[Point]| {
        if vectors.len() == field.arrow_nodes.len() {
            let (o, t) = arrow_segments(
                &field.arrow_nodes,
                vectors,
                cell,
                layers.arrow_scale as f64,
                layers.unit_arrows,
            );
            let segments = o
                .iter()
                .zip(&t)
                .map(|(a, b)| (Point::new(a[0], a[1]), Point::new(b[0], b[1])))
                .collect();
            let max_norm = vectors
                .iter()
                .map(|v| v.norm())
                .filter(|n| n.is_finite())
                .fold(0.0, f64::max);
            arrows.push(ArrowLayer {
                name: name.into(),
                colour,
                segments,
                length: if layers.unit_arrows {
                    ArrowLength::Direction
                } else {
                    ArrowLength::Sqrt {
                        reference: max_norm,
                        reference_length: 0.9 * cell * layers.arrow_scale as f64,
                    }
                },
            });
        }
    };
    if layers.exact_arrows {
        push("exact score", palette::EXACT_ARROWS, &field.exact);
    }
    if layers.learned_arrows && !field.learned.is_empty() {
        push("learned score", palette::LEARNED_ARROWS, &field.learned);
    }
    if layers.tweedie_arrows {
        let segments: Vec<(Point, Point)> = field
            .arrow_nodes
            .iter()
            .zip(&field.tweedie)
            .map(|(x, d)| (*x, x + d))
            .filter(|(_, t)| is_finite(t))
            .collect();
        let longest = segments
            .iter()
            .map(|(x, t)| (t - x).norm())
            .fold(0.0, f64::max);
        arrows.push(ArrowLayer {
            name: "Tweedie E[x₀|x] − x".into(),
            colour: palette::TWEEDIE_ARROWS,
            segments,
            length: ArrowLength::Actual { max: longest },
        });
    }
    Scene {
        title: title.to_string(),
        bounds,
        heat,
        contours: if layers.contours {
            field.contours.clone()
        } else {
            Vec::new()
        },
        arrows,
        points: Vec::new(),
        modes: None,
    }
}

/// Where the data is: for a mixture every component's mean ± 3 standard deviations per axis,
/// for a point set its bounding box.
pub fn data_extent(data: &crate::data::Dataset) -> Bounds {
    match data {
        crate::data::Dataset::Mixture(m) => {
            let mut b: Option<Bounds> = None;
            for g in m.components() {
                let (sx, sy) = (3.0 * g.cov[(0, 0)].sqrt(), 3.0 * g.cov[(1, 1)].sqrt());
                let c = Bounds {
                    x_min: g.mean.x - sx,
                    x_max: g.mean.x + sx,
                    y_min: g.mean.y - sy,
                    y_max: g.mean.y + sy,
                };
                b = Some(match b {
                    None => c,
                    Some(b) => Bounds {
                        x_min: b.x_min.min(c.x_min),
                        x_max: b.x_max.max(c.x_max),
                        y_min: b.y_min.min(c.y_min),
                        y_max: b.y_max.max(c.y_max),
                    },
                });
            }
            b.unwrap_or(crate::sample::DataInfo::of(data).bounds)
        }
        crate::data::Dataset::Points(_) => crate::sample::DataInfo::of(data).bounds,
    }
}

/// The margin around the data's extent, as a fraction of its half-width.
const VIEW_MARGIN: f64 = 0.12;

/// A square view around the data's extent ([`data_extent`]) with a margin: the plots show at
/// least this box, with equal scales on both axes.
pub fn view_of(data: &crate::data::Dataset) -> Bounds {
    let b = data_extent(data);
    let (cx, cy) = (0.5 * (b.x_min + b.x_max), 0.5 * (b.y_min + b.y_max));
    let half = (0.5 * (b.x_max - b.x_min))
        .max(0.5 * (b.y_max - b.y_min))
        .max(1.0)
        * (1.0 + VIEW_MARGIN);
    Bounds {
        x_min: cx - half,
        x_max: cx + half,
        y_min: cy - half,
        y_max: cy + half,
    }
}
