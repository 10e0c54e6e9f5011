//! Animated GIFs of sampler runs: one frame every `stride` steps, the particles over the density,
//! each frame's title naming the step and the noise level (the annealing level). Frames are
//! rendered by the same scene code as the stills.
//!
//! Size: the heatmap is drawn in [`HEAT_BANDS`] flat bands of its colour map, every frame
//! shares one 63-colour global palette (NeuQuant over pixels of all frames), and each frame
//! after the first stores only the rectangle that changed, its unchanged pixels transparent, so
//! a frame where only particles move costs little more than the particles. What remains is the
//! particles' own motion: 1,280 particles that move every frame cost 8-14 KB a frame.

use super::files::FigureSize;
use crate::atomic_file::write_atomic;
use crate::scene::Scene;
use std::collections::HashMap;
use std::path::Path;

/// The palette index left transparent in difference frames; the 63 below it are colours (a
/// 64-entry palette codes in shorter LZW codes than 256, and banded frames need no more).
const TRANSPARENT: u8 = 63;

/// Flat colour bands of a GIF frame's heatmap (smooth gradients defeat LZW).
pub const HEAT_BANDS: usize = 32;

/// At most this many pixels train the palette (every k-th pixel of every frame).
const PALETTE_SAMPLE: usize = 1 << 20;

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

/// The shared palette: 255 colours learnt from a sample of every frame's pixels (RGB).
fn shared_palette(frames: &[Vec<u8>]) -> color_quant::NeuQuant {
    let pixels: usize = frames.iter().map(|f| f.len() / 3).sum();
    let stride = pixels.div_ceil(PALETTE_SAMPLE).max(1);
    let mut sample = Vec::with_capacity(4 * pixels / stride + 4);
    for frame in frames {
        for c in frame.chunks(3).step_by(stride) {
            sample.extend([c[0], c[1], c[2], 255]);
        }
    }
    color_quant::NeuQuant::new(10, usize::from(TRANSPARENT), &sample)
}

/// A frame's pixels as palette indices (a cache spares the search for repeated colours).
fn indexed(
    frame: &[u8],
    palette: &color_quant::NeuQuant,
    cache: &mut HashMap<[u8; 3], u8>,
) -> Vec<u8> {
    frame
        .chunks(3)
        .map(|c| {
            let key = [c[0], c[1], c[2]];
            *cache
                .entry(key)
                .or_insert_with(|| palette.index_of(&[c[0], c[1], c[2], 255]) as u8)
        })
        .collect()
}

/// The smallest rectangle `(left, top, width, height)` holding every pixel where `now` differs
/// from `before` (`None` when nothing changed).
fn changed_box(before: &[u8], now: &[u8], width: usize) -> Option<(usize, usize, usize, usize)> {
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (k, (a, b)) in before.iter().zip(now).enumerate() {
        if a != b {
            let (x, y) = (k % width, k / width);
            x0 = x0.min(x);
            y0 = y0.min(y);
            x1 = x1.max(x);
            y1 = y1.max(y);
        }
    }
    (x0 != usize::MAX).then(|| (x0, y0, x1 - x0 + 1, y1 - y0 + 1))
}

/// The frame to store for `now` after `before`: the changed rectangle with the pixels that did
/// not change transparent (a 1x1 transparent frame when nothing changed).
fn difference_frame(before: &[u8], now: &[u8], width: usize) -> gif::Frame<'static> {
    let Some((left, top, w, h)) = changed_box(before, now, width) else {
        return gif::Frame {
            width: 1,
            height: 1,
            transparent: Some(TRANSPARENT),
            buffer: vec![TRANSPARENT].into(),
            ..gif::Frame::default()
        };
    };
    let mut buffer = Vec::with_capacity(w * h);
    for y in top..top + h {
        let row = y * width + left..y * width + left + w;
        buffer.extend(
            before[row.clone()]
                .iter()
                .zip(&now[row])
                .map(|(a, b)| if a == b { TRANSPARENT } else { *b }),
        );
    }
    gif::Frame {
        left: left as u16,
        top: top as u16,
        width: w as u16,
        height: h as u16,
        transparent: Some(TRANSPARENT),
        buffer: buffer.into(),
        ..gif::Frame::default()
    }
}

/// The GIF's bytes: `frames` (RGB, `width x height`) with one shared palette, each frame after
/// the first as its difference to the one before, looping at `fps`.
pub fn encode_gif(
    frames: &[Vec<u8>],
    width: u32,
    height: u32,
    fps: u32,
) -> Result<Vec<u8>, String> {
    let (w16, h16) = (
        u16::try_from(width).map_err(|_| "GIF width above 65535")?,
        u16::try_from(height).map_err(|_| "GIF height above 65535")?,
    );
    let neuquant = shared_palette(frames);
    let mut palette = neuquant.color_map_rgb();
    palette.resize(3 * (usize::from(TRANSPARENT) + 1), 0);
    let mut bytes = Vec::new();
    {
        let mut encoder = gif::Encoder::new(&mut bytes, w16, h16, &palette)
            .map_err(|e| format!("GIF encoding: {e}"))?;
        encoder
            .set_repeat(gif::Repeat::Infinite)
            .map_err(|e| format!("GIF encoding: {e}"))?;
        // Hundredths of a second per frame, as GIF counts them.
        let delay = (100.0 / f64::from(fps.max(1))).round().max(1.0) as u16;
        let mut cache = HashMap::new();
        let mut before: Option<Vec<u8>> = None;
        for frame in frames {
            let now = indexed(frame, &neuquant, &mut cache);
            let mut out = match &before {
                None => gif::Frame {
                    width: w16,
                    height: h16,
                    buffer: now.clone().into(),
                    ..gif::Frame::default()
                },
                Some(before) => difference_frame(before, &now, width as usize),
            };
            out.delay = delay;
            out.dispose = gif::DisposalMethod::Keep;
            encoder
                .write_frame(&out)
                .map_err(|e| format!("GIF encoding: {e}"))?;
            before = Some(now);
        }
    }
    Ok(bytes)
}

/// Encodes `frames` (scenes) as a looping GIF at `fps`, `size`, atomically.
pub fn write_gif(frames: &[Scene], size: FigureSize, fps: u32, path: &Path) -> Result<(), String> {
    if frames.is_empty() {
        return Err(format!("{}: no frames to write", path.display()));
    }
    check_gif(frames.len(), size.width, size.height, fps)?;
    let size = FigureSize::checked(size.width, size.height, size.scale)?;
    let pixels = frames
        .iter()
        .map(|scene| super::files::gif_pixels(scene, size, HEAT_BANDS))
        .collect::<Result<Vec<_>, String>>()?;
    let bytes = encode_gif(&pixels, size.width, size.height, fps)?;
    write_atomic(path, |w| w.write_all(&bytes))
}
