//! Colour-blind-safe colour maps: viridis, by piecewise-linear interpolation of 9 anchors of
//! the published map.

/// Viridis anchors at t = 0, 1/8, ..., 1 (sRGB).
const VIRIDIS: [[u8; 3]; 9] = [
    [68, 1, 84],
    [71, 44, 122],
    [59, 81, 139],
    [44, 113, 142],
    [33, 144, 141],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
];

/// Cividis anchors at t = 0, 1/8, ..., 1 (sRGB): readable with colour-vision deficiency.
const CIVIDIS: [[u8; 3]; 9] = [
    [0, 34, 78],
    [18, 53, 112],
    [59, 73, 108],
    [87, 93, 109],
    [112, 113, 115],
    [138, 134, 120],
    [165, 156, 116],
    [195, 179, 105],
    [253, 234, 69],
];

/// The viridis colour at `t` in `[0, 1]` (clamped; NaN maps to the lowest colour).
pub fn viridis(t: f64) -> [u8; 3] {
    lookup(&VIRIDIS, t)
}

/// The cividis colour at `t` in `[0, 1]`.
pub fn cividis(t: f64) -> [u8; 3] {
    lookup(&CIVIDIS, t)
}

fn lookup(map: &[[u8; 3]; 9], t: f64) -> [u8; 3] {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let x = t * (map.len() - 1) as f64;
    let i = (x.floor() as usize).min(map.len() - 2);
    let f = x - i as f64;
    let (a, b) = (map[i], map[i + 1]);
    let lerp = |k: usize| (a[k] as f64 + (b[k] as f64 - a[k] as f64) * f).round() as u8;
    [lerp(0), lerp(1), lerp(2)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_clamping() {
        assert_eq!(viridis(0.0), VIRIDIS[0]);
        assert_eq!(viridis(1.0), VIRIDIS[8]);
        assert_eq!(viridis(-3.0), VIRIDIS[0]);
        assert_eq!(viridis(f64::NAN), VIRIDIS[0]);
        assert_eq!(viridis(0.5), VIRIDIS[4]);
    }
}
