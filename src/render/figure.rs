//! Draws a [`Scene`] on any plotters backend: the heatmap, density contours, arrows (one
//! polyline each: shaft and head), points, the legend with quiver keys, the colour bar, mode
//! bars, title and labelled axes.

use crate::scene::{Rgb, Scene};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

static REGISTER: Once = Once::new();

/// Registers the figures' font ([`super::vector::FIGURE_FONT`]) as plotters' "sans-serif"
/// (once).
fn register_font() {
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            super::vector::FIGURE_FONT,
        );
    });
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c[0], c[1], c[2])
}

/// The padding `(each side horizontally, at the bottom)` that turns a plotting area of
/// `(width, height)` pixels into one of the data's aspect `data_w / data_h`.
fn equal_aspect_padding((width, height): (u32, u32), aspect: f64) -> (u32, u32) {
    let (w, h) = (f64::from(width), f64::from(height.max(1)));
    if !(aspect.is_finite() && aspect > 0.0) {
        return (0, 0);
    }
    if w / h > aspect {
        (((w - h * aspect) / 2.0).floor() as u32, 0)
    } else {
        (0, (h - w / aspect).floor() as u32)
    }
}

/// A tick label with as few decimals as the value needs: "-10", "2.5", "0.25".
fn tick(v: f64) -> String {
    let v = if v.abs() < 1e-9 { 0.0 } else { v };
    let text = format!("{v:.3}");
    minus(text.trim_end_matches('0').trim_end_matches('.'))
}

/// A number's text with the typographic minus sign (U+2212) for a leading hyphen.
fn minus(text: &str) -> String {
    match text.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => text.to_string(),
    }
}

/// The heat layer's colour at `(u, v)` in `[0, 1]²` of the scene's box (`v` from the top),
/// bilinear between the four nearest grid nodes (nodes sit on the box's edges).
fn bilinear(heat: &crate::scene::HeatLayer, u: f64, v: f64) -> Rgb {
    let last = (heat.n - 1) as f64;
    let (fx, fy) = ((u * last).clamp(0.0, last), (v * last).clamp(0.0, last));
    let (c0, r0) = (fx.floor() as usize, fy.floor() as usize);
    let (c1, r1) = ((c0 + 1).min(heat.n - 1), (r0 + 1).min(heat.n - 1));
    let (tx, ty) = (fx - c0 as f64, fy - r0 as f64);
    let at = |r: usize, c: usize| heat.rgb[r * heat.n + c];
    let mut out = [0u8; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let top = f64::from(at(r0, c0)[k]) * (1.0 - tx) + f64::from(at(r0, c1)[k]) * tx;
        let bottom = f64::from(at(r1, c0)[k]) * (1.0 - tx) + f64::from(at(r1, c1)[k]) * tx;
        *o = (top * (1.0 - ty) + bottom * ty).round().clamp(0.0, 255.0) as u8;
    }
    out
}

/// The mode bars: each component's sampled fraction (the pane's colour, value printed above)
/// beside its target weight (grey), and the TV in the caption (MATH §6).
fn mode_bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    modes: &crate::scene::ModeBars,
    text_px: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let k = modes.fractions.len().max(1) as f64;
    // The axis fits the tallest bar with room for its printed value above it.
    let tallest = modes
        .fractions
        .iter()
        .chain(&modes.targets)
        .copied()
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let top = (tallest * 1.3).clamp(0.05, 1.2);
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!(
                "mode weights: sampled (colour) and target (grey) · TV {:.3}",
                modes.tv
            ),
            ("sans-serif", text_px),
        )
        .margin(text_px / 2)
        .y_label_area_size(text_px * 3)
        .build_cartesian_2d(-0.5..k - 0.5, 0.0..top)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(3)
        .label_style(("sans-serif", text_px))
        .y_label_formatter(&|v| tick(*v))
        .draw()?;
    let colour = rgb(modes.colour);
    let grey = rgb(crate::scene::palette::TRUTH);
    for (i, (f, t)) in modes.fractions.iter().zip(&modes.targets).enumerate() {
        let x = i as f64;
        chart.draw_series([
            Rectangle::new([(x - 0.4, 0.0), (x - 0.02, *f)], colour.filled()),
            Rectangle::new([(x + 0.02, 0.0), (x + 0.4, *t)], grey.filled()),
        ])?;
        chart.draw_series(std::iter::once(Text::new(
            format!("{f:.2}"),
            (x - 0.38, (f + 0.2 * top).min(0.98 * top)),
            ("sans-serif", text_px).into_font().color(&colour),
        )))?;
    }
    Ok(())
}

/// Width in pixels of the colour bar strip.
const BAR_W: u32 = 100;

/// How a heatmap reaches the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeatDraw {
    /// Every pixel of the plotting area, bilinear from the grid (raster output).
    Pixels,
    /// Every pixel, each the nearest of this many evenly spaced colours of the map (flat bands,
    /// as a filled contour plot; for GIF frames).
    Bands(usize),
    /// A placeholder rectangle that vector output replaces by one embedded image
    /// ([`super::vector::embed_heat_images`]).
    Placeholder,
}

/// The heatmap as RGB pixels of a `width x height` plotting area, each bilinear from the grid.
pub fn heat_image(heat: &crate::scene::HeatLayer, width: u32, height: u32) -> Vec<u8> {
    let mut rgb = Vec::with_capacity((width * height * 3) as usize);
    for j in 0..height {
        let v = (f64::from(j) + 0.5) / f64::from(height.max(1));
        for i in 0..width {
            let u = (f64::from(i) + 0.5) / f64::from(width.max(1));
            rgb.extend(bilinear(heat, u, v));
        }
    }
    rgb
}

/// Replaces each RGB pixel by the nearest of `n` evenly spaced colours of `map`.
fn posterize(rgb: &mut [u8], map: crate::scene::ColourMap, n: usize) {
    let n = n.max(2);
    let steps: Vec<Rgb> = (0..n).map(|k| map.at(k as f64 / (n - 1) as f64)).collect();
    let mut nearest = std::collections::HashMap::new();
    for c in rgb.chunks_mut(3) {
        let key = [c[0], c[1], c[2]];
        let band = *nearest.entry(key).or_insert_with(|| {
            let dist = |s: &Rgb| -> i32 {
                (0..3)
                    .map(|k| (i32::from(s[k]) - i32::from(key[k])).pow(2))
                    .sum()
            };
            steps.iter().copied().min_by_key(dist).unwrap_or(key)
        });
        c.copy_from_slice(&band);
    }
}

/// One legend entry: its mark (an arrow with its quiver-key length, or a dot) and its text.
struct Entry {
    colour: RGBColor,
    mark: Mark,
    text: String,
}

enum Mark {
    /// An arrow this many data units long (the key), or of the mark width when `None`.
    Arrow(Option<f64>),
    Dot,
}

/// The legend entries of a scene; `key_budget` is the longest key arrow in data units.
fn legend_entries(scene: &Scene, key_budget: f64) -> Vec<Entry> {
    let mut entries = Vec::new();
    for layer in &scene.arrows {
        let (mark, text) = match layer.length.key(key_budget) {
            Some((magnitude, length)) => {
                let unit = match layer.length {
                    crate::scene::ArrowLength::Actual { .. } => "",
                    _ => " score units",
                };
                (
                    Mark::Arrow(Some(length)),
                    format!("{}: key arrow = {}{unit}", layer.name, tick(magnitude)),
                )
            }
            None => (
                Mark::Arrow(None),
                format!("{} (direction only)", layer.name),
            ),
        };
        entries.push(Entry {
            colour: rgb(layer.colour),
            mark,
            text,
        });
    }
    for layer in &scene.points {
        entries.push(Entry {
            colour: rgb(layer.colour),
            mark: Mark::Dot,
            text: layer.name.clone(),
        });
    }
    entries
}

/// The legend's rows: entry indices packed left to right into `width` pixels, given each
/// entry's width.
fn legend_rows(widths: &[u32], width: u32) -> Vec<Vec<usize>> {
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut used = 0;
    for (i, w) in widths.iter().enumerate() {
        match rows.last_mut() {
            Some(row) if used + w <= width => {
                row.push(i);
                used += w;
            }
            _ => {
                rows.push(vec![i]);
                used = *w;
            }
        }
    }
    rows
}

/// A line from `from` to `to` with a two-stroke head at `to`, `head` long.
fn arrow_path(from: (f64, f64), to: (f64, f64), head: f64) -> Vec<(f64, f64)> {
    let (dx, dy) = (to.0 - from.0, to.1 - from.1);
    let len = dx.hypot(dy).max(1e-12);
    let (ux, uy) = (dx / len, dy / len);
    let h = head.min(0.5 * len);
    let left = (to.0 - ux * h - uy * 0.5 * h, to.1 - uy * h + ux * 0.5 * h);
    let right = (to.0 - ux * h + uy * 0.5 * h, to.1 - uy * h - ux * 0.5 * h);
    vec![from, to, left, to, right]
}

/// Pixel sizes of one figure pane, grown with `scale` (text also with the figure's height).
struct Sizes {
    scale: f64,
    text: f64,
}

impl Sizes {
    fn new(height_px: u32, scale: f64) -> Sizes {
        // Text grows with the figure: 12 px labels at 720 pixels high, 18 px at 1080.
        let text = (f64::from(height_px) / 720.0).clamp(1.0, 3.0) * scale;
        Sizes { scale, text }
    }
    /// `v` pixels of marks and margins.
    fn px(&self, v: f64) -> u32 {
        (v * self.scale).round().max(1.0) as u32
    }
    /// `v` pixels of text.
    fn tx(&self, v: f64) -> u32 {
        (v * self.text).round().max(1.0) as u32
    }
}

/// The legend's layout: entries, their rows and widths, and the mark width and row height.
struct LegendLayout {
    rows: Vec<Vec<usize>>,
    widths: Vec<u32>,
    mark_w: u32,
    row_h: u32,
}

impl LegendLayout {
    fn new<DB: DrawingBackend>(scene: &Scene, area: &DrawingArea<DB, Shift>, size: &Sizes) -> Self {
        let font = ("sans-serif", size.tx(12.0)).into_font();
        let mark_w = size.tx(48.0);
        // The key's value is known only once the chart is laid out: measure with the largest
        // and leave room for a few more characters.
        let widths: Vec<u32> = legend_entries(scene, f64::INFINITY)
            .iter()
            .map(|e| match e.mark {
                Mark::Arrow(Some(_)) => format!("{}0000", e.text),
                _ => e.text.clone(),
            })
            .map(|text| {
                let (text_w, _) = area
                    .estimate_text_size(&text, &font.clone().into())
                    .unwrap_or((0, 0));
                mark_w + size.tx(6.0) + text_w + size.tx(18.0)
            })
            .collect();
        let width = area.dim_in_pixel().0.saturating_sub(size.px(16.0));
        LegendLayout {
            rows: legend_rows(&widths, width),
            widths,
            mark_w,
            row_h: size.tx(20.0),
        }
    }

    fn height(&self, size: &Sizes) -> u32 {
        if self.rows.is_empty() {
            0
        } else {
            self.rows.len() as u32 * self.row_h + size.px(6.0)
        }
    }
}

/// Draws `scene` on `root`: title, axes with equal scales, the heatmap (`heat_draw`), contours,
/// arrows and points inside the plotting area; the legend with its quiver keys under it, the
/// colour bar to its right and the mode bars at the bottom, all outside the data.
/// `scale` multiplies text sizes, margins and marks (2 for a high-DPI slide at twice the pixels).
pub fn draw<DB: DrawingBackend>(
    scene: &Scene,
    root: &DrawingArea<DB, Shift>,
    heat_draw: HeatDraw,
    scale: f64,
) -> Result<(), String> {
    register_font();
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("drawing failed: {e}");
    root.fill(&WHITE).map_err(err)?;
    let (w, h) = root.dim_in_pixel();
    let size = Sizes::new(h, scale);
    // The colour bar's strip in the right margin, beside the plot.
    let bar_w = match scene.heat {
        Some(_) if w > 3 * size.tx(BAR_W as f64) => size.tx(BAR_W as f64),
        _ => 0,
    };
    let plot_area = root.clone();
    // Mode bars, when the scene has them, take the bottom fifth.
    let (plot_area, modes_area) = match &scene.modes {
        Some(_) => {
            let h = plot_area.dim_in_pixel().1;
            let (a, b) = plot_area.split_vertically(h - h / 5);
            (a, Some(b))
        }
        None => (plot_area, None),
    };
    // The legend's rows under the plot, measured before the chart is laid out.
    let layout = LegendLayout::new(scene, &plot_area, &size);
    let (plot_area, legend_area) = match layout.height(&size) {
        0 => (plot_area, None),
        legend_h => {
            let h = plot_area.dim_in_pixel().1;
            let (a, b) = plot_area.split_vertically(h.saturating_sub(legend_h));
            (a, Some(b))
        }
    };
    let b = scene.bounds;
    // The title shrinks to fit a narrow pane rather than run off its edges.
    let title_px = {
        let full = size.tx(18.0);
        let font = ("sans-serif", full).into_font();
        let room = f64::from(w.saturating_sub(size.px(16.0)).max(1));
        let (text_w, _) = root
            .estimate_text_size(&scene.title, &font.into())
            .unwrap_or((0, 0));
        if f64::from(text_w) > room {
            ((f64::from(full) * room / f64::from(text_w)).floor() as u32).max(6)
        } else {
            full
        }
    };
    let title_h = (f64::from(title_px) * 1.5).round() as u32;
    let build = |extra: (u32, u32)| {
        ChartBuilder::on(&plot_area)
            .margin(size.px(8.0))
            .margin_top(size.px(8.0) + title_h)
            .margin_left(size.px(8.0) + extra.0)
            .margin_right(size.px(8.0) + extra.0 + bar_w)
            .margin_bottom(size.px(8.0) + extra.1)
            .x_label_area_size(size.tx(32.0))
            .y_label_area_size(size.tx(44.0))
            .build_cartesian_2d(b.x_min..b.x_max, b.y_min..b.y_max)
    };
    // Equal scales on both axes: measure the plotting area a first layout gives, then pad the
    // longer side so that its aspect is the data's (circles stay circles).
    let extra = {
        let chart = build((0, 0)).map_err(err)?;
        let (pw, ph) = chart.plotting_area().dim_in_pixel();
        equal_aspect_padding((pw, ph), (b.x_max - b.x_min) / (b.y_max - b.y_min))
    };
    plot_area.fill(&WHITE).map_err(err)?;
    let mut chart = build(extra).map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x")
        .y_desc("y")
        .label_style(("sans-serif", size.tx(12.0)))
        .axis_desc_style(("sans-serif", size.tx(13.0)))
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .draw()
        .map_err(err)?;
    title(root, &chart, &scene.title, title_px).map_err(err)?;
    if let Some(heat) = &scene.heat {
        heatmap(&chart.plotting_area().strip_coord_spec(), heat, heat_draw).map_err(err)?;
    }
    for line in &scene.contours {
        let pts: Vec<(f64, f64)> = line.iter().map(|p| (p.x, p.y)).collect();
        chart
            .draw_series(std::iter::once(PathElement::new(
                pts,
                WHITE.mix(0.5).stroke_width(size.px(1.0)),
            )))
            .map_err(err)?;
    }
    let head = 0.012 * (b.x_max - b.x_min);
    for layer in &scene.arrows {
        let style = rgb(layer.colour).stroke_width(size.px(1.0));
        chart
            .draw_series(
                layer.segments.iter().map(|(o, t)| {
                    PathElement::new(arrow_path((o.x, o.y), (t.x, t.y), head), style)
                }),
            )
            .map_err(err)?;
    }
    for layer in &scene.points {
        let fill = rgb(layer.colour).filled();
        if let HeatDraw::Bands(_) = heat_draw {
            // GIF frames: 4x4-pixel squares (a disc of radius 2 covers 13 pixels), which LZW
            // codes in fewer codes than discs: 0.81 MB for 100 annealed frames against 1.24.
            let half = size.px(1.5) as i32 / 2 + 1;
            chart
                .draw_series(layer.points.iter().map(|p| {
                    EmptyElement::at((p.x, p.y))
                        + Rectangle::new([(-half, -half), (half - 1, half - 1)], fill)
                }))
                .map_err(err)?;
            continue;
        }
        chart
            .draw_series(
                layer
                    .points
                    .iter()
                    .map(|p| Circle::new((p.x, p.y), size.px(2.0), fill)),
            )
            .map_err(err)?;
    }
    if let Some(area) = legend_area {
        // Pixels per data unit (equal on both axes), for the quiver keys' true lengths.
        let per_unit = f64::from(chart.plotting_area().dim_in_pixel().0) / (b.x_max - b.x_min);
        let entries = legend_entries(scene, f64::from(layout.mark_w) / per_unit);
        let square = matches!(heat_draw, HeatDraw::Bands(_));
        legend(&area, &entries, &layout, (per_unit, square), &size).map_err(err)?;
    }
    if let (Some(area), Some(modes)) = (modes_area, &scene.modes) {
        mode_bars(&area, modes, size.tx(12.0)).map_err(err)?;
    }
    if let Some(heat) = scene.heat.as_ref().filter(|_| bar_w > 0) {
        // The plotting area in the pane's own pixels.
        let (xs, ys) = chart.plotting_area().get_pixel_range();
        let base = root.get_base_pixel();
        let left = xs.end - base.0 + size.tx(12.0) as i32;
        colour_bar(
            root,
            heat,
            (left, ys.start - base.1, ys.end - base.1),
            &size,
        )
        .map_err(err)?;
    }
    // No `present` here: on the SVG backend it closes the document, and a multi-pane figure
    // draws several scenes into one. The caller presents the whole figure once.
    Ok(())
}

/// The title above the plotting area: centred on it, moved sideways only as far as it must to
/// stay inside the pane (a title may be wider than the plot).
fn title<
    DB: DrawingBackend,
    X: plotters::coord::ranged1d::Ranged,
    Y: plotters::coord::ranged1d::Ranged,
>(
    root: &DrawingArea<DB, Shift>,
    chart: &ChartContext<DB, Cartesian2d<X, Y>>,
    text: &str,
    text_px: u32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let font = ("sans-serif", text_px).into_font();
    let (text_w, _) = root.estimate_text_size(text, &font.clone().into())?;
    let (w, _) = root.dim_in_pixel();
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let base = root.get_base_pixel();
    let centre = (xs.start + xs.end) / 2 - base.0;
    let margin = (text_px / 2) as i32;
    let max_x = (w as i32 - margin - text_w as i32).max(margin);
    let x = (centre - text_w as i32 / 2).clamp(margin, max_x);
    let y = ys.start - base.1 - (f64::from(text_px) * 1.35) as i32;
    root.draw(&Text::new(text.to_string(), (x, y.max(0)), font))
}

/// The heatmap over the plotting area `area`: its pixels, or the vector outputs' placeholder.
fn heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heat: &crate::scene::HeatLayer,
    heat_draw: HeatDraw,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    match heat_draw {
        HeatDraw::Pixels | HeatDraw::Bands(_) => {
            let (pw, ph) = area.dim_in_pixel();
            let mut pixels = heat_image(heat, pw, ph);
            if let HeatDraw::Bands(n) = heat_draw {
                posterize(&mut pixels, heat.map, n);
            }
            for (k, c) in pixels.chunks(3).enumerate() {
                let (i, j) = ((k as u32 % pw) as i32, (k as u32 / pw) as i32);
                area.draw_pixel((i, j), &RGBColor(c[0], c[1], c[2]))?;
            }
            Ok(())
        }
        HeatDraw::Placeholder => {
            let (r, g, b) = super::vector::HEAT_MARKER;
            area.fill(&RGBColor(r, g, b))
        }
    }
}

/// The legend under the plot: per entry its mark (a dot, or an arrow whose length is the
/// quiver key's, `per_unit` pixels per data unit) and its text, each row centred. Dots are
/// squares where the points are (`square`, GIF frames).
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    layout: &LegendLayout,
    (per_unit, square): (f64, bool),
    size: &Sizes,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (w, _) = area.dim_in_pixel();
    let font = ("sans-serif", size.tx(12.0)).into_font();
    let mark_w = f64::from(layout.mark_w);
    for (r, row) in layout.rows.iter().enumerate() {
        let row_w: u32 = row.iter().map(|&i| layout.widths[i]).sum();
        let mut x = f64::from(w.saturating_sub(row_w) / 2);
        let y = f64::from(r as u32 * layout.row_h + layout.row_h / 2);
        // A dark strip under the row: the arrow colours are chosen for the heatmaps.
        area.draw(&Rectangle::new(
            [
                (
                    x as i32 - size.px(4.0) as i32,
                    (y - 0.5 * f64::from(layout.row_h)) as i32,
                ),
                (
                    (x + f64::from(row_w)) as i32,
                    (y + 0.5 * f64::from(layout.row_h)) as i32,
                ),
            ],
            RGBColor(48, 48, 48).filled(),
        ))?;
        for &i in row {
            let e = &entries[i];
            let mark_end = x + mark_w;
            match e.mark {
                Mark::Dot if square => {
                    let (cx, cy, r) = ((x + 0.5 * mark_w) as i32, y as i32, size.px(3.0) as i32);
                    area.draw(&Rectangle::new(
                        [(cx - r, cy - r), (cx + r, cy + r)],
                        e.colour.filled(),
                    ))?
                }
                Mark::Dot => area.draw(&Circle::new(
                    ((x + 0.5 * mark_w) as i32, y as i32),
                    size.px(3.0),
                    e.colour.filled(),
                ))?,
                Mark::Arrow(length) => {
                    let len = length.map_or(mark_w, |l| l * per_unit);
                    let path = arrow_path((mark_end - len, y), (mark_end, y), size.px(7.0).into());
                    let pixels: Vec<(i32, i32)> = path
                        .iter()
                        .map(|(a, b)| (a.round() as i32, b.round() as i32))
                        .collect();
                    area.draw(&PathElement::new(
                        pixels,
                        e.colour.stroke_width(size.px(1.5)),
                    ))?
                }
            }
            area.draw(&Text::new(
                e.text.clone(),
                (
                    (mark_end + f64::from(size.tx(6.0))) as i32,
                    (y - 0.5 * f64::from(size.tx(12.0))) as i32,
                ),
                font.clone().color(&WHITE),
            ))?;
            x += f64::from(layout.widths[i]);
        }
    }
    Ok(())
}

/// A vertical colour bar beside the plot, `(left, top, bottom)` in `area`'s pixels: the map from
/// the bottom of the heat layer's range to its top, three ticks in the layer's units and the
/// label turned along the bar (as a plotting library sets a colour bar's label).
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heat: &crate::scene::HeatLayer,
    (left, top, bottom): (i32, i32, i32),
    size: &Sizes,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let bar_w = size.tx(18.0) as i32;
    let steps: i32 = 128;
    // Bands partition the bar's pixels exactly: band k spans y(k+1)..y(k).
    let y = |k: i32| bottom - (bottom - top) * k / steps;
    for band in 0..steps {
        let t = band as f64 / (steps - 1) as f64;
        area.draw(&Rectangle::new(
            [(left, y(band + 1)), (left + bar_w, y(band))],
            rgb(heat.map.at(t)).filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(left, top), (left + bar_w, bottom)],
        BLACK.stroke_width(1),
    ))?;
    let text_px = size.tx(12.0);
    let font = ("sans-serif", text_px).into_font();
    let (lo, hi) = heat.range;
    let tick_w = size.px(4.0) as i32;
    let mut widest = 0;
    for t in [0.0, 0.5, 1.0] {
        let ty = bottom - ((f64::from(bottom - top)) * t).round() as i32;
        let text = minus(&crate::scene::spec::sig3(lo + (hi - lo) * t));
        area.draw(&PathElement::new(
            vec![(left + bar_w, ty), (left + bar_w + tick_w, ty)],
            BLACK.stroke_width(1),
        ))?;
        let label_at = (left + bar_w + 2 * tick_w, ty - (text_px / 2) as i32);
        widest = widest.max(area.estimate_text_size(&text, &font.clone().into())?.0);
        area.draw(&Text::new(text, label_at, font.clone()))?;
    }
    let label_x = left + bar_w + 3 * tick_w + widest as i32 + text_px as i32 / 2;
    area.draw(&Text::new(
        heat.label.clone(),
        (label_x + text_px as i32, (top + bottom) / 2),
        font.transform(FontTransform::Rotate270)
            .into_text_style(area)
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Top,
            )),
    ))?;
    Ok(())
}
