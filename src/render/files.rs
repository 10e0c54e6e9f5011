//! PNG and SVG files of a scene, written atomically.

use super::figure::draw;
use crate::atomic_file::write_atomic;
use crate::scene::Scene;
use plotters::prelude::*;
use std::path::Path;

/// Heatmap cells per axis in SVG output (PNG keeps the scene's full resolution).
const SVG_HEAT_CELLS: usize = 48;

/// The scenes side by side as PNG pixels (RGB), `width x height`, drawn at `scale`.
pub fn png_pixels_scaled(
    scenes: &[Scene],
    width: u32,
    height: u32,
    scale: f64,
) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        draw_panes(scenes, &root, usize::MAX, scale)?;
    }
    Ok(buf)
}

/// One scene as PNG pixels at scale 1.
pub fn png_pixels(scene: &Scene, width: u32, height: u32) -> Result<Vec<u8>, String> {
    png_pixels_scaled(std::slice::from_ref(scene), width, height, 1.0)
}

/// Draws scenes in equal panes side by side.
fn draw_panes<DB: DrawingBackend>(
    scenes: &[Scene],
    root: &DrawingArea<DB, plotters::coord::Shift>,
    max_heat_cells: usize,
    scale: f64,
) -> Result<(), String> {
    let panes = root.split_evenly((1, scenes.len().max(1)));
    for (scene, pane) in scenes.iter().zip(panes.iter()) {
        draw(scene, pane, max_heat_cells, scale)?;
    }
    // Once, for the whole figure: on the SVG backend this closes the document.
    root.present()
        .map_err(|e| format!("cannot draw the figure: {e}"))
}

pub fn write_png(scene: &Scene, width: u32, height: u32, path: &Path) -> Result<(), String> {
    write_png_panes(std::slice::from_ref(scene), width, height, 1.0, path)
}

/// Scenes side by side as a PNG at `scale` (pixels `width x height`).
pub fn write_png_panes(
    scenes: &[Scene],
    width: u32,
    height: u32,
    scale: f64,
    path: &Path,
) -> Result<(), String> {
    check_size(width, height)?;
    if !(scale.is_finite() && (0.25..=8.0).contains(&scale)) {
        return Err(format!("--scale must be in 0.25..=8, got {scale}"));
    }
    let pixels = png_pixels_scaled(scenes, width, height, scale)?;
    let image = image::RgbImage::from_raw(width, height, pixels)
        .ok_or_else(|| format!("{}: wrong pixel buffer size", path.display()))?;
    write_atomic(path, |w| {
        let mut bytes = std::io::Cursor::new(Vec::new());
        image
            .write_to(&mut bytes, image::ImageFormat::Png)
            .map_err(std::io::Error::other)?;
        w.write_all(bytes.get_ref())
    })
}

/// The scene as SVG text.
pub fn svg_text(scene: &Scene, width: u32, height: u32) -> Result<String, String> {
    svg_text_panes(std::slice::from_ref(scene), width, height)
}

/// Scenes side by side as SVG text.
pub fn svg_text_panes(scenes: &[Scene], width: u32, height: u32) -> Result<String, String> {
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (width, height)).into_drawing_area();
        draw_panes(scenes, &root, SVG_HEAT_CELLS, 1.0)?;
    }
    Ok(text)
}

pub fn write_svg(scene: &Scene, width: u32, height: u32, path: &Path) -> Result<(), String> {
    write_svg_panes(std::slice::from_ref(scene), width, height, path)
}

/// Scenes side by side as SVG.
pub fn write_svg_panes(
    scenes: &[Scene],
    width: u32,
    height: u32,
    path: &Path,
) -> Result<(), String> {
    check_size(width, height)?;
    let text = svg_text_panes(scenes, width, height)?;
    write_atomic(path, |w| w.write_all(text.as_bytes()))
}

pub fn check_size(width: u32, height: u32) -> Result<(), String> {
    if (64..=8192).contains(&width) && (64..=8192).contains(&height) {
        Ok(())
    } else {
        Err(format!(
            "--width and --height must be in 64..=8192, got {width}x{height}"
        ))
    }
}
