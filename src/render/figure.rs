//! Draws a [`Scene`] on any plotters backend: heatmap cells, density contours, arrows (one
//! polyline each: shaft and head), points, legend and colour bar, title and labelled axes.

use crate::scene::{Rgb, Scene};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

/// The font shipped with the project (Ubuntu Light, Ubuntu Font Licence 1.0).
static FONT: &[u8] = include_bytes!("../../assets/fonts/Ubuntu-Light.ttf");
static REGISTER: Once = Once::new();

/// Registers the shipped font as plotters' "sans-serif" (once).
fn register_font() {
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
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
    text.trim_end_matches('0').trim_end_matches('.').to_string()
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
        .build_cartesian_2d(-0.5..k - 0.5, 0.0..1.2)?;
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
            (x - 0.38, (f + 0.17).min(1.18)),
            ("sans-serif", text_px).into_font().color(&colour),
        )))?;
    }
    Ok(())
}

/// Width in pixels of the colour bar strip.
const BAR_W: u32 = 70;

/// Draws `scene` on `root`; `max_heat_cells` caps the heatmap resolution per axis (SVG output
/// keeps its size reasonable by taking every k-th cell).
/// `scale` multiplies text sizes, margins and marks (2 for a high-DPI slide at twice the pixels).
pub fn draw<DB: DrawingBackend>(
    scene: &Scene,
    root: &DrawingArea<DB, Shift>,
    max_heat_cells: usize,
    scale: f64,
) -> Result<(), String> {
    let px = |v: f64| (v * scale).round().max(1.0) as u32;
    register_font();
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| format!("drawing failed: {e}");
    root.fill(&WHITE).map_err(err)?;
    let (w, _) = root.dim_in_pixel();
    // Text grows with the figure: 12 px labels at 720 pixels high, 18 px at 1080 (times scale).
    let text_scale = (f64::from(root.dim_in_pixel().1) / 720.0).clamp(1.0, 3.0);
    let tx = |v: f64| px(v * text_scale);
    let bar_w = tx(BAR_W as f64);
    let (plot_area, bar_area) = if scene.heat.is_some() && w > 3 * bar_w {
        let (a, b) = root.split_horizontally(w - bar_w);
        (a, Some(b))
    } else {
        (root.clone(), None)
    };
    // Mode bars, when the scene has them, take the bottom fifth.
    let (plot_area, modes_area) = match &scene.modes {
        Some(_) => {
            let h = plot_area.dim_in_pixel().1;
            let (a, b) = plot_area.split_vertically(h - h / 5);
            (a, Some(b))
        }
        None => (plot_area, None),
    };
    let b = scene.bounds;
    let build = |extra: (u32, u32)| {
        ChartBuilder::on(&plot_area)
            .caption(&scene.title, ("sans-serif", tx(18.0)))
            .margin(px(8.0))
            .margin_left(px(8.0) + extra.0)
            .margin_right(px(8.0) + extra.0)
            .margin_bottom(px(8.0) + extra.1)
            .x_label_area_size(tx(32.0))
            .y_label_area_size(tx(44.0))
            .build_cartesian_2d(b.x_min..b.x_max, b.y_min..b.y_max)
    };
    // Equal scales on both axes: measure the plotting area a first layout gives, then pad the
    // longer side so that its aspect is the data's (circles stay circles).
    let extra = {
        let chart = build((0, 0)).map_err(err)?;
        let (pw, ph) = chart.plotting_area().dim_in_pixel();
        equal_aspect_padding((pw, ph), (b.x_max - b.x_min) / (b.y_max - b.y_min))
    };
    root.fill(&WHITE).map_err(err)?;
    let mut chart = build(extra).map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("x")
        .y_desc("y")
        .label_style(("sans-serif", tx(12.0)))
        .axis_desc_style(("sans-serif", tx(13.0)))
        .x_label_formatter(&|v| tick(*v))
        .y_label_formatter(&|v| tick(*v))
        .draw()
        .map_err(err)?;
    if let Some(heat) = &scene.heat
        && max_heat_cells == usize::MAX
    {
        // Raster output: every pixel of the plot bilinearly from the grid (no blocks).
        let area = chart.plotting_area().strip_coord_spec();
        let (pw, ph) = area.dim_in_pixel();
        for j in 0..ph {
            for i in 0..pw {
                let u = (f64::from(i) + 0.5) / f64::from(pw);
                let v = (f64::from(j) + 0.5) / f64::from(ph);
                area.draw_pixel((i as i32, j as i32), &rgb(bilinear(heat, u, v)))
                    .map_err(err)?;
            }
        }
    } else if let Some(heat) = &scene.heat {
        let step = heat.n.div_ceil(max_heat_cells.max(1)).max(1);
        let cell_x = (b.x_max - b.x_min) / (heat.n - 1) as f64;
        let cell_y = (b.y_max - b.y_min) / (heat.n - 1) as f64;
        let mut cells = Vec::new();
        for row in (0..heat.n).step_by(step) {
            for col in (0..heat.n).step_by(step) {
                // Rows are top first; cell centres sit on the grid nodes.
                let (cx, cy) = (b.x_min + col as f64 * cell_x, b.y_max - row as f64 * cell_y);
                let (hx, hy) = (0.5 * cell_x * step as f64, 0.5 * cell_y * step as f64);
                let x0 = (cx - hx).max(b.x_min);
                let x1 = (cx + hx).min(b.x_max);
                let y0 = (cy - hy).max(b.y_min);
                let y1 = (cy + hy).min(b.y_max);
                cells.push(Rectangle::new(
                    [(x0, y0), (x1, y1)],
                    rgb(heat.rgb[row * heat.n + col]).filled(),
                ));
            }
        }
        chart.draw_series(cells).map_err(err)?;
    }
    for line in &scene.contours {
        let pts: Vec<(f64, f64)> = line.iter().map(|p| (p.x, p.y)).collect();
        chart
            .draw_series(std::iter::once(PathElement::new(
                pts,
                WHITE.mix(0.5).stroke_width(px(1.0)),
            )))
            .map_err(err)?;
    }
    for layer in &scene.arrows {
        let colour = rgb(layer.colour);
        let head = 0.012 * (b.x_max - b.x_min);
        let series = layer.segments.iter().map(move |(o, t)| {
            let d = t - o;
            let len = d.norm().max(1e-12);
            let (u, n) = (d / len, nalgebra::Vector2::new(-d.y, d.x) / len);
            let h = head.min(0.5 * len);
            let left = t - u * h + n * (0.5 * h);
            let right = t - u * h - n * (0.5 * h);
            PathElement::new(
                vec![
                    (o.x, o.y),
                    (t.x, t.y),
                    (left.x, left.y),
                    (t.x, t.y),
                    (right.x, right.y),
                ],
                colour.stroke_width(px(1.0)),
            )
        });
        chart
            .draw_series(series)
            .map_err(err)?
            .label(layer.name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 12, y + 4)], colour.filled()));
    }
    for layer in &scene.points {
        let colour = rgb(layer.colour);
        chart
            .draw_series(
                layer
                    .points
                    .iter()
                    .map(|p| Circle::new((p.x, p.y), px(2.0), colour.filled())),
            )
            .map_err(err)?
            .label(layer.name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 4), (x + 12, y + 4)], colour.filled()));
    }
    if !scene.arrows.is_empty() || !scene.points.is_empty() {
        chart
            .configure_series_labels()
            .background_style(BLACK.mix(0.55))
            .label_font(("sans-serif", tx(12.0)).into_font().color(&WHITE))
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(err)?;
    }
    if let (Some(area), Some(modes)) = (modes_area, &scene.modes) {
        mode_bars(&area, modes, tx(12.0)).map_err(err)?;
    }
    if let (Some(bar), Some(heat)) = (bar_area, &scene.heat) {
        colour_bar(&bar, heat, scale * text_scale).map_err(err)?;
    }
    // No `present` here: on the SVG backend it closes the document, and a multi-pane figure
    // draws several scenes into one. The caller presents the whole figure once.
    Ok(())
}

/// A vertical colour bar from the bottom of the heat layer's range to its top, with its label.
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    heat: &crate::scene::HeatLayer,
    scale: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (map, label) = (heat.map, heat.label.as_str());
    let (lo, hi) = (
        crate::scene::spec::sig3(heat.range.0),
        crate::scene::spec::sig3(heat.range.1),
    );
    let (_, h) = area.dim_in_pixel();
    let k = |v: f64| (v * scale).round() as i32;
    let (top, bottom) = (k(40.0), h as i32 - k(40.0));
    let steps: i32 = 64;
    // Bands partition the bar's pixels exactly: band k spans y(k+1)..y(k).
    let y = |k: i32| bottom - (bottom - top) * k / steps;
    for band in 0..steps {
        let t = band as f64 / (steps - 1) as f64;
        area.draw(&Rectangle::new(
            [(k(10.0), y(band + 1)), (k(28.0), y(band))],
            rgb(map.at(t)).filled(),
        ))?;
    }
    let style = ("sans-serif", (12.0 * scale).round() as u32).into_font();
    area.draw(&Text::new(hi, (k(32.0), top - k(6.0)), style.clone()))?;
    area.draw(&Text::new(lo, (k(32.0), bottom - k(6.0)), style.clone()))?;
    area.draw(&Text::new(
        label.to_string(),
        (k(4.0), k(8.0)),
        style.transform(FontTransform::None),
    ))?;
    Ok(())
}
