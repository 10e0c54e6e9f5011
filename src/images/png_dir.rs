//! A folder of PNG images, converted to grey-scale and resized to a common size.

use super::dataset::ImageSet;
use std::path::Path;

/// Every `*.png` directly in `dir`, in file-name order, as `width x height` grey-scale images
/// (luma of the colour, alpha ignored; resized with a triangle filter). Unlabelled.
pub fn load_png_dir(dir: &Path, width: usize, height: usize) -> Result<ImageSet, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot read the folder: {e}", dir.display()))?;
    let mut files: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("png"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("{}: no .png files in this folder", dir.display()));
    }
    let mut pixels = Vec::with_capacity(files.len() * width * height);
    for f in &files {
        let img =
            image::open(f).map_err(|e| format!("{}: not a readable PNG: {e}", f.display()))?;
        let grey = img.to_luma8();
        let resized = image::imageops::resize(
            &grey,
            width as u32,
            height as u32,
            image::imageops::FilterType::Triangle,
        );
        pixels.extend_from_slice(resized.as_raw());
    }
    ImageSet::new(dir.display().to_string(), width, height, pixels, None)
}
