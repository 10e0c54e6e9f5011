//! Tiling images into one grey-scale picture (the sample grid, the noise ladder) and writing it
//! as PNG or the raw values as CSV, atomically.

use crate::atomic_file::{write_atomic, write_bytes_atomic};
use std::path::Path;

/// A tiled picture, RGBA8 row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Tiled {
    pub width: usize,
    pub height: usize,
    pub rgba: Vec<u8>,
}

/// Byte of a value in `[0, 1]` (clamped).
pub fn to_byte(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// `images` (`n x w x h` values in `[0, 1]`, clamped) in `cols` columns, each pixel drawn
/// `scale x scale`, with a `pad`-pixel dark border between tiles.
pub fn tile(images: &[f32], w: usize, h: usize, cols: usize, scale: usize, pad: usize) -> Tiled {
    let n = images.len() / (w * h).max(1);
    let cols = cols.clamp(1, n.max(1));
    let rows = n.div_ceil(cols).max(1);
    let width = cols * (w * scale + pad) + pad;
    let height = rows * (h * scale + pad) + pad;
    let mut rgba = vec![0u8; width * height * 4];
    for px in rgba.chunks_exact_mut(4) {
        px.copy_from_slice(&[24, 24, 32, 255]);
    }
    for i in 0..n {
        let (r, c) = (i / cols, i % cols);
        let (x0, y0) = (pad + c * (w * scale + pad), pad + r * (h * scale + pad));
        for y in 0..h * scale {
            for x in 0..w * scale {
                let v = to_byte(images[i * w * h + (y / scale) * w + x / scale]);
                let at = ((y0 + y) * width + x0 + x) * 4;
                rgba[at..at + 4].copy_from_slice(&[v, v, v, 255]);
            }
        }
    }
    Tiled {
        width,
        height,
        rgba,
    }
}

/// Columns for a square-ish grid of `n` tiles.
pub fn square_cols(n: usize) -> usize {
    ((n as f64).sqrt().ceil() as usize).max(1)
}

/// Columns of a sample grid: with image i drawn for class i mod `classes_in_turn`, one column
/// per class, so each column holds one class and a row reads 0, 1, 2, ...; otherwise
/// square-ish.
pub fn sample_cols(n: usize, classes_in_turn: Option<usize>) -> usize {
    match classes_in_turn {
        Some(c) if c >= 2 && n >= c => c,
        _ => square_cols(n),
    }
}

/// Writes the picture as PNG, atomically.
pub fn save_png(t: &Tiled, path: &Path) -> Result<(), String> {
    let img = image::RgbaImage::from_raw(t.width as u32, t.height as u32, t.rgba.clone())
        .ok_or("the tiled picture has the wrong size")?;
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageFormat::Png)
        .map_err(|e| format!("{}: cannot encode PNG: {e}", path.display()))?;
    write_bytes_atomic(path, bytes.get_ref())
}

/// One row per image, `w x h` values in `[0, 1]` (clamped), atomically.
pub fn save_csv(images: &[f32], pixels: usize, path: &Path) -> Result<(), String> {
    write_atomic(path, |f| {
        for row in images.chunks(pixels) {
            let line: Vec<String> = row
                .iter()
                .map(|v| format!("{}", v.clamp(0.0, 1.0)))
                .collect();
            writeln!(f, "{}", line.join(","))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiles_land_where_expected_and_values_are_clamped() {
        let images = [0.0, 1.0, 2.0, -1.0, 0.5, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0];
        let t = tile(&images, 2, 2, 2, 1, 1);
        assert_eq!((t.width, t.height), (7, 7));
        let at = |x: usize, y: usize| t.rgba[(y * t.width + x) * 4];
        assert_eq!((at(1, 1), at(2, 1), at(1, 2), at(2, 2)), (0, 255, 255, 0));
        assert_eq!(at(4, 1), 128);
        assert_eq!(at(1, 4), 255);
        assert_eq!(at(4, 4), 24, "the empty fourth tile is background");
        assert_eq!(square_cols(64), 8);
    }

    #[test]
    fn a_grid_of_each_class_in_turn_has_a_column_per_class() {
        assert_eq!(sample_cols(70, Some(10)), 10);
        assert_eq!(sample_cols(64, None), 8);
        assert_eq!(
            sample_cols(5, Some(10)),
            3,
            "fewer images than classes: square"
        );
        assert_eq!(sample_cols(64, Some(1)), 8);
    }
}
