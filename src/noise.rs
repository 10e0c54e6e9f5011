//! Counter-based random numbers for particles (common random numbers, MATH §1).
//!
//! Every random draw a sampler makes is a pure function of `(seed, particle, step, lane)`:
//! the generator for one particle at one step is a SplitMix64 stream whose state is a hash of
//! that key. So
//! - two samplers run with the same seed see the same noise `z` for particle `i` at step `k`
//!   (common random numbers), however many extra draws either of them makes elsewhere;
//! - results do not depend on the number of threads or on how particles are chunked;
//! - the same scheme can be twinned on a GPU (a hash per key, no shared state).

use crate::geom::Point;
use rand::RngExt;
use rand_core::{Infallible, TryRng};
use rand_distr::StandardNormal;

/// Lane of the Gaussian increment `z` of a step.
pub const LANE_GAUSSIAN: u64 = 0;
/// Lane of the uniform variate of an accept/reject test (MALA).
pub const LANE_ACCEPT: u64 = 1;
/// Lane of a particle's initial position.
pub const LANE_INIT: u64 = 2;

/// The SplitMix64 output function: a bijective 64-bit avalanche mixer.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// A SplitMix64 stream; a few draws per key are all a step needs.
#[derive(Clone, Debug)]
pub struct StreamRng {
    state: u64,
}

impl StreamRng {
    /// The stream for one `(seed, particle, step, lane)` key.
    #[inline]
    pub fn for_key(seed: u64, particle: u64, step: u64, lane: u64) -> StreamRng {
        let h = mix64(seed.wrapping_add(GOLDEN));
        let h = mix64(h ^ particle.wrapping_mul(0xd6e8_feb8_6659_fd93));
        let h = mix64(h ^ step.wrapping_mul(0xa076_1d64_78bd_642f));
        let h = mix64(h ^ lane.wrapping_mul(0xe703_7ed1_a0b4_28db));
        StreamRng { state: h }
    }

    /// A general-purpose stream from one seed (data sets, reference samples).
    pub fn from_seed(seed: u64) -> StreamRng {
        StreamRng::for_key(seed, u64::MAX, u64::MAX, u64::MAX)
    }

    /// A standard normal pair, one `N(0, I_2)` vector.
    #[inline]
    pub fn gaussian2(&mut self) -> Point {
        let a: f64 = self.sample(StandardNormal);
        let b: f64 = self.sample(StandardNormal);
        Point::new(a, b)
    }

    /// A uniform variate in `[0, 1)`.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        self.random::<f64>()
    }
}

impl TryRng for StreamRng {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        self.state = self.state.wrapping_add(GOLDEN);
        Ok(mix64(self.state))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(8) {
            let bytes = self.try_next_u64()?.to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

/// The Gaussian increment of particle `particle` at step `step`.
#[inline]
pub fn step_gaussian(seed: u64, particle: u64, step: u64) -> Point {
    StreamRng::for_key(seed, particle, step, LANE_GAUSSIAN).gaussian2()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_noise_other_key_other_noise() {
        assert_eq!(step_gaussian(7, 3, 11), step_gaussian(7, 3, 11));
        assert_ne!(step_gaussian(7, 3, 11), step_gaussian(7, 3, 12));
        assert_ne!(step_gaussian(7, 3, 11), step_gaussian(7, 4, 11));
        assert_ne!(step_gaussian(7, 3, 11), step_gaussian(8, 3, 11));
    }

    #[test]
    fn gaussian_moments_over_keys() {
        let n = 200_000u64;
        let (mut s1, mut s2, mut sxy) = (Point::zeros(), Point::zeros(), 0.0);
        for i in 0..n {
            let z = step_gaussian(1, i, i / 7);
            s1 += z;
            s2 += z.component_mul(&z);
            sxy += z.x * z.y;
        }
        let nf = n as f64;
        let mean = s1 / nf;
        let var = s2 / nf;
        // Standard errors: mean 1/sqrt(n) = 0.0022, variance sqrt(2/n) = 0.0032.
        assert!(mean.norm() < 0.01, "mean {mean:?}");
        assert!(
            (var.x - 1.0).abs() < 0.015 && (var.y - 1.0).abs() < 0.015,
            "var {var:?}"
        );
        assert!((sxy / nf).abs() < 0.01);
    }

    #[test]
    fn uniform_is_in_unit_interval_with_mean_half() {
        let mut rng = StreamRng::from_seed(5);
        let draws: Vec<f64> = (0..100_000).map(|_| rng.uniform()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 0.5).abs() < 0.005);
    }
}
