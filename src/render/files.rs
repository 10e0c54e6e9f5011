//! PNG, SVG and PDF files of scenes side by side, written atomically. The three formats draw
//! the same figure: PNG through plotters' bitmap backend; SVG and PDF from plotters' SVG with
//! the heatmaps as embedded images and the text in the shipped font ([`super::vector`]).

use super::figure::{HeatDraw, draw, heat_image};
use crate::atomic_file::write_atomic;
use crate::scene::Scene;
use plotters::prelude::*;
use std::path::Path;

/// The file formats of a still figure, chosen by the output's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FigureFormat {
    Png,
    Svg,
    Pdf,
}

impl FigureFormat {
    /// The format called `name` (`png`, `svg` or `pdf`, any case).
    pub fn parse(name: &str) -> Option<FigureFormat> {
        match name.to_ascii_lowercase().as_str() {
            "png" => Some(FigureFormat::Png),
            "svg" => Some(FigureFormat::Svg),
            "pdf" => Some(FigureFormat::Pdf),
            _ => None,
        }
    }

    /// The format named by `path`'s extension.
    pub fn from_path(path: &Path) -> Result<FigureFormat, String> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(FigureFormat::parse)
            .ok_or_else(|| {
                format!(
                    "--out {}: use a .png, .svg or .pdf file name",
                    path.display()
                )
            })
    }

    /// The extension files of this format carry.
    pub fn extension(self) -> &'static str {
        match self {
            FigureFormat::Png => "png",
            FigureFormat::Svg => "svg",
            FigureFormat::Pdf => "pdf",
        }
    }
}

/// A figure's size: `width x height` pixels (SVG and PDF: points), text and marks times `scale`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FigureSize {
    pub width: u32,
    pub height: u32,
    pub scale: f64,
}

/// The bounds every figure command shares (`render`, `animate`, the app's export).
pub const SIZE_RANGE: std::ops::RangeInclusive<u32> = 64..=8192;
pub const SCALE_RANGE: std::ops::RangeInclusive<f64> = 0.25..=8.0;

impl FigureSize {
    /// Checks the size against [`SIZE_RANGE`] and [`SCALE_RANGE`]; the error names the flags.
    pub fn checked(width: u32, height: u32, scale: f64) -> Result<FigureSize, String> {
        check_size(width, height)?;
        if !(scale.is_finite() && SCALE_RANGE.contains(&scale)) {
            return Err(format!(
                "--scale must be in {}..={}, got {scale}",
                SCALE_RANGE.start(),
                SCALE_RANGE.end()
            ));
        }
        Ok(FigureSize {
            width,
            height,
            scale,
        })
    }
}

/// Checks `width x height` against [`SIZE_RANGE`].
pub fn check_size(width: u32, height: u32) -> Result<(), String> {
    if SIZE_RANGE.contains(&width) && SIZE_RANGE.contains(&height) {
        Ok(())
    } else {
        Err(format!(
            "--width and --height must be in {}..={}, got {width}x{height}",
            SIZE_RANGE.start(),
            SIZE_RANGE.end()
        ))
    }
}

/// Draws scenes in equal panes side by side.
fn draw_panes<DB: DrawingBackend>(
    scenes: &[Scene],
    root: &DrawingArea<DB, plotters::coord::Shift>,
    heat_draw: HeatDraw,
    scale: f64,
) -> Result<(), String> {
    let panes = root.split_evenly((1, scenes.len().max(1)));
    for (scene, pane) in scenes.iter().zip(panes.iter()) {
        draw(scene, pane, heat_draw, scale)?;
    }
    // Once, for the whole figure: on the SVG backend this closes the document.
    root.present()
        .map_err(|e| format!("cannot draw the figure: {e}"))
}

/// The scenes side by side as RGB pixels, the heatmaps drawn as `heat_draw` says.
fn pixels(scenes: &[Scene], size: FigureSize, heat_draw: HeatDraw) -> Result<Vec<u8>, String> {
    let (width, height) = (size.width, size.height);
    let mut buf = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        draw_panes(scenes, &root, heat_draw, size.scale)?;
    }
    Ok(buf)
}

/// The scenes side by side as RGB pixels.
pub fn png_pixels_scaled(scenes: &[Scene], size: FigureSize) -> Result<Vec<u8>, String> {
    pixels(scenes, size, HeatDraw::Pixels)
}

/// One scene as RGB pixels of a GIF frame: the heatmap in `bands` flat steps of its colour
/// map (flat regions are what GIF's LZW compresses).
pub fn gif_pixels(scene: &Scene, size: FigureSize, bands: usize) -> Result<Vec<u8>, String> {
    pixels(std::slice::from_ref(scene), size, HeatDraw::Bands(bands))
}

/// One scene as RGB pixels at scale 1.
pub fn png_pixels(scene: &Scene, width: u32, height: u32) -> Result<Vec<u8>, String> {
    png_pixels_scaled(
        std::slice::from_ref(scene),
        FigureSize {
            width,
            height,
            scale: 1.0,
        },
    )
}

/// The scenes side by side as plotters' SVG with each heatmap one embedded image, before the
/// text becomes outlines: text elements naming the generic family ("sans-serif"), arrows as
/// polylines (what the tests read).
pub fn svg_source_panes(scenes: &[Scene], size: FigureSize) -> Result<String, String> {
    let mut text = String::new();
    {
        let root =
            SVGBackend::with_string(&mut text, (size.width, size.height)).into_drawing_area();
        draw_panes(scenes, &root, HeatDraw::Placeholder, size.scale)?;
    }
    let heats: Vec<_> = scenes.iter().filter_map(|s| s.heat.as_ref()).collect();
    super::vector::embed_heat_images(
        &text,
        |i, w, h| {
            let heat = heats
                .get(i)
                .ok_or("more heatmap placeholders than heatmaps")?;
            Ok(heat_image(heat, w, h))
        },
        heats.len(),
    )
}

/// Scenes side by side as SVG text: text as paths in the shipped font, heatmaps as images.
pub fn svg_text_panes(scenes: &[Scene], size: FigureSize) -> Result<String, String> {
    super::vector::outlined_svg(&svg_source_panes(scenes, size)?)
}

/// Scenes side by side as PDF bytes.
pub fn pdf_bytes(scenes: &[Scene], size: FigureSize) -> Result<Vec<u8>, String> {
    super::vector::pdf(&svg_source_panes(scenes, size)?)
}

/// The scenes side by side in `format`, as a file's bytes.
pub fn figure_bytes(
    scenes: &[Scene],
    size: FigureSize,
    format: FigureFormat,
) -> Result<Vec<u8>, String> {
    match format {
        FigureFormat::Png => {
            let pixels = png_pixels_scaled(scenes, size)?;
            let image = image::RgbImage::from_raw(size.width, size.height, pixels)
                .ok_or("wrong pixel buffer size")?;
            let mut bytes = std::io::Cursor::new(Vec::new());
            image
                .write_to(&mut bytes, image::ImageFormat::Png)
                .map_err(|e| format!("PNG encoding: {e}"))?;
            Ok(bytes.into_inner())
        }
        FigureFormat::Svg => Ok(svg_text_panes(scenes, size)?.into_bytes()),
        FigureFormat::Pdf => pdf_bytes(scenes, size),
    }
}

/// Scenes side by side into `path`, in the format its extension names, atomically.
pub fn write_figure(scenes: &[Scene], size: FigureSize, path: &Path) -> Result<(), String> {
    let format = FigureFormat::from_path(path)?;
    let size = FigureSize::checked(size.width, size.height, size.scale)?;
    let bytes = figure_bytes(scenes, size, format)?;
    write_atomic(path, |w| w.write_all(&bytes))
}
