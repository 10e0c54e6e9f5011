//! Initial particle distributions.

use crate::geom::{Bounds, Point};
use crate::noise::{LANE_INIT, StreamRng};

/// What the user asks for: `uniform:LO,HI` (the square `[LO, HI]^2`) or `gaussian:STD`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum InitSpec {
    Uniform { lo: f64, hi: f64 },
    Gaussian { std: f64 },
}

impl InitSpec {
    /// Parses `uniform:LO,HI` or `gaussian:STD`.
    pub fn parse(text: &str) -> Result<InitSpec, String> {
        let bad = || format!("--init '{text}': expected uniform:LO,HI or gaussian:STD");
        let (kind, rest) = text.split_once(':').ok_or_else(bad)?;
        match kind {
            "uniform" => {
                let (lo, hi) = rest.split_once(',').ok_or_else(bad)?;
                let lo: f64 = lo.trim().parse().map_err(|_| bad())?;
                let hi: f64 = hi.trim().parse().map_err(|_| bad())?;
                let limit = crate::geom::MAX_COORDINATE;
                if !(lo.is_finite() && hi.is_finite() && lo < hi)
                    || lo.abs() > limit
                    || hi.abs() > limit
                {
                    return Err(format!(
                        "--init '{text}': need finite LO < HI within ±{limit:e}"
                    ));
                }
                Ok(InitSpec::Uniform { lo, hi })
            }
            "gaussian" => {
                let std: f64 = rest.trim().parse().map_err(|_| bad())?;
                let limit = crate::geom::MAX_COORDINATE;
                if !(std.is_finite() && std > 0.0 && std <= limit) {
                    return Err(format!(
                        "--init '{text}': need a finite STD in (0, {limit:e}]"
                    ));
                }
                Ok(InitSpec::Gaussian { std })
            }
            _ => Err(bad()),
        }
    }
}

/// A resolved initial distribution.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum InitDist {
    /// Uniform on a box.
    Uniform(Bounds),
    /// `N(center, std^2 I)`.
    Gaussian { center: Point, std: f64 },
}

impl InitDist {
    /// Particle `i`'s initial position: a function of `(seed, i)` alone.
    pub fn particle(&self, seed: u64, i: u64) -> Point {
        let mut rng = StreamRng::for_key(seed, i, 0, LANE_INIT);
        match *self {
            InitDist::Uniform(b) => Point::new(
                b.x_min + (b.x_max - b.x_min) * rng.uniform(),
                b.y_min + (b.y_max - b.y_min) * rng.uniform(),
            ),
            InitDist::Gaussian { center, std } => center + rng.gaussian2() * std,
        }
    }

    /// `n` initial particles.
    pub fn particles(&self, seed: u64, n: usize) -> Vec<Point> {
        (0..n as u64).map(|i| self.particle(seed, i)).collect()
    }
}
