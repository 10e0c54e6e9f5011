//! Animated GIFs of sampler runs: one frame every `stride` steps, the particles over the density,
//! each frame's title naming the step and the noise level (the annealing level). Frames are
//! rendered by the same scene code as the stills.

use crate::atomic_file::write_atomic;
use crate::scene::Scene;
use image::codecs::gif::{GifEncoder, Repeat};
use image::{Delay, Frame, RgbaImage};
use std::path::Path;

/// Checks a GIF's size before any frame is drawn: each frame as a PNG would be
/// (`check_size`), fps in 1..=60, and frames × pixels within [`crate::budget::MAX_GIF_PIXELS`]
/// (every frame is held while encoding).
pub fn check_gif(frames: usize, width: u32, height: u32, fps: u32) -> Result<(), String> {
    super::files::check_size(width, height)?;
    if !(1..=60).contains(&fps) {
        return Err(format!("--fps must be in 1..=60, got {fps}"));
    }
    crate::budget::check_product(
        "--frames × --width × --height",
        &[frames as u64, u64::from(width), u64::from(height)],
        crate::budget::MAX_GIF_PIXELS,
    )
}

/// Encodes `frames` (scenes) as a looping GIF at `fps`, `width x height`, atomically.
pub fn write_gif(
    frames: &[Scene],
    width: u32,
    height: u32,
    fps: u32,
    path: &Path,
) -> Result<(), String> {
    if frames.is_empty() {
        return Err(format!("{}: no frames to write", path.display()));
    }
    check_gif(frames.len(), width, height, fps)?;
    let images: Vec<RgbaImage> = frames
        .iter()
        .map(|scene| {
            let rgb = super::files::png_pixels(scene, width, height)?;
            let rgba: Vec<u8> = rgb
                .chunks(3)
                .flat_map(|c| [c[0], c[1], c[2], 255])
                .collect();
            RgbaImage::from_raw(width, height, rgba).ok_or_else(|| "wrong frame size".to_string())
        })
        .collect::<Result<_, String>>()?;
    write_atomic(path, |w| {
        let mut encoder = GifEncoder::new_with_speed(w, 10);
        encoder
            .set_repeat(Repeat::Infinite)
            .map_err(std::io::Error::other)?;
        let delay = Delay::from_numer_denom_ms(1000, fps);
        for img in images {
            encoder
                .encode_frame(Frame::from_parts(img, 0, 0, delay))
                .map_err(std::io::Error::other)?;
        }
        Ok(())
    })
}
