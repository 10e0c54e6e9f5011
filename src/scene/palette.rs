//! The colours of every figure, live and in files, from the Okabe-Ito colour-blind-safe set:
//! none collides with another, and each stays visible on the density map, whose colour scale
//! stops short of viridis' brightest yellow ([`HEAT_TOP`]).

use super::Rgb;

/// Particles of sampler A (vermillion) and B (sky blue).
pub const PANE: [Rgb; 2] = [[213, 94, 0], [86, 180, 233]];
/// The exact score's arrows.
pub const EXACT_ARROWS: Rgb = [255, 255, 255];
/// The learned score's arrows (yellow).
pub const LEARNED_ARROWS: Rgb = [240, 228, 66];
/// Tweedie arrows x → E[x0 | x] (reddish purple).
pub const TWEEDIE_ARROWS: Rgb = [204, 121, 167];
/// The target weights' bars and the data points.
pub const TRUTH: Rgb = [150, 150, 150];
/// The top of the heatmaps' colour scale, as a fraction of the colour map: white and yellow
/// marks stay visible on its brightest colour.
pub const HEAT_TOP: f64 = 0.85;
