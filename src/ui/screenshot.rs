//! Saving a screenshot of the window to PNG (atomically).

use crate::atomic_file::write_atomic;
use std::path::Path;

/// Encodes an egui screenshot as PNG at `path`.
pub fn save_png(image: &egui::ColorImage, path: &Path) -> Result<(), String> {
    let [w, h] = image.size;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|c| c.to_array()).collect();
    let buffer = image::RgbaImage::from_raw(w as u32, h as u32, bytes)
        .ok_or_else(|| format!("{}: screenshot has a wrong size", path.display()))?;
    write_atomic(path, |w| {
        let mut cursor = std::io::Cursor::new(Vec::new());
        buffer
            .write_to(&mut cursor, image::ImageFormat::Png)
            .map_err(std::io::Error::other)?;
        w.write_all(cursor.get_ref())
    })
}
