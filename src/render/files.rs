//! PNG and SVG files of a scene, written atomically.

use super::figure::draw;
use crate::atomic_file::write_atomic;
use crate::scene::Scene;
use plotters::prelude::*;
use std::path::Path;

/// Heatmap cells per axis in SVG output (PNG keeps the scene's full resolution).
const SVG_HEAT_CELLS: usize = 48;

/// The scene as PNG pixels (RGB), `width x height`.
pub fn png_pixels(scene: &Scene, width: u32, height: u32) -> Result<Vec<u8>, String> {
    let mut buf = vec![0u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        draw(scene, &root, usize::MAX)?;
    }
    Ok(buf)
}

pub fn write_png(scene: &Scene, width: u32, height: u32, path: &Path) -> Result<(), String> {
    check_size(width, height)?;
    let pixels = png_pixels(scene, width, height)?;
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
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (width, height)).into_drawing_area();
        draw(scene, &root, SVG_HEAT_CELLS)?;
    }
    Ok(text)
}

pub fn write_svg(scene: &Scene, width: u32, height: u32, path: &Path) -> Result<(), String> {
    check_size(width, height)?;
    let text = svg_text(scene, width, height)?;
    write_atomic(path, |w| w.write_all(text.as_bytes()))
}

fn check_size(width: u32, height: u32) -> Result<(), String> {
    if (64..=8192).contains(&width) && (64..=8192).contains(&height) {
        Ok(())
    } else {
        Err(format!(
            "--width and --height must be in 64..=8192, got {width}x{height}"
        ))
    }
}
