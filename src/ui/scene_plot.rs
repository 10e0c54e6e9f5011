//! The egui adapter of a [`Scene`]: the live view draws the same figure description the files
//! do — heatmap (a texture), contours, arrow layers — into an egui_plot, and the heat layer's
//! colour bar with its range and unit beside it. Non-finite values are never drawn.

use crate::geom::is_finite;
use crate::scene::{HeatLayer, Scene};
use egui::Color32;
use egui_plot::{Arrows, Line, PlotImage, PlotPoint, PlotPoints, PlotUi};

/// Draws the scene's layers; `dim` draws them faded (a field that is being replaced).
pub fn draw_scene(p: &mut PlotUi, scene: &Scene, texture: Option<&egui::TextureHandle>, dim: bool) {
    let fade = |c: Color32| if dim { c.gamma_multiply(0.35) } else { c };
    let b = scene.bounds;
    if let (Some(tex), Some(heat)) = (texture, &scene.heat) {
        // Heat grid nodes sit on the box edges: the image spans one cell more.
        let cell = (b.x_max - b.x_min) / (heat.n - 1) as f64;
        p.image(
            PlotImage::new(
                "",
                tex.id(),
                PlotPoint::new(0.5 * (b.x_min + b.x_max), 0.5 * (b.y_min + b.y_max)),
                [
                    (b.x_max - b.x_min + cell) as f32,
                    (b.y_max - b.y_min + cell) as f32,
                ],
            )
            .tint(fade(Color32::WHITE)),
        );
    }
    for line in &scene.contours {
        let pts: Vec<[f64; 2]> = line
            .iter()
            .filter(|q| is_finite(q))
            .map(|q| [q.x, q.y])
            .collect();
        p.line(
            Line::new("", PlotPoints::from(pts))
                .color(fade(Color32::from_white_alpha(110)))
                .width(1.0),
        );
    }
    for layer in &scene.arrows {
        let (o, t): (Vec<[f64; 2]>, Vec<[f64; 2]>) = layer
            .segments
            .iter()
            .map(|(a, b)| ([a.x, a.y], [b.x, b.y]))
            .unzip();
        let [r, g, b] = layer.colour;
        p.arrows(
            Arrows::new(layer.name.clone(), PlotPoints::from(o), PlotPoints::from(t))
                .color(fade(Color32::from_rgb(r, g, b))),
        );
    }
}

/// A horizontal colour bar: the map from the bottom of the range (left) to its top (right),
/// labelled with both ends and what the colours mean.
pub fn colour_bar(ui: &mut egui::Ui, heat: &HeatLayer, width: f32) {
    use crate::scene::spec::sig3;
    ui.horizontal(|ui| {
        ui.label(sig3(heat.range.0));
        let (rect, _) = ui.allocate_exact_size(
            egui::vec2((width * 0.4).clamp(60.0, 360.0), 12.0),
            egui::Sense::hover(),
        );
        let steps = 48;
        for i in 0..steps {
            let t0 = i as f32 / steps as f32;
            let t1 = (i + 1) as f32 / steps as f32;
            let [r, g, b] = heat.map.at(i as f64 / (steps - 1) as f64);
            let band = egui::Rect::from_x_y_ranges(
                rect.left() + t0 * rect.width()..=rect.left() + t1 * rect.width(),
                rect.y_range(),
            );
            ui.painter()
                .rect_filled(band, 0.0, Color32::from_rgb(r, g, b));
        }
        ui.label(sig3(heat.range.1));
        ui.label(&heat.label);
    });
}
