//! Distributions with known scores (MATH §2) and noise schedules (MATH §1, §3.6).

pub mod ddpm;
pub mod empirical;
pub mod gaussian;
pub mod mixture;
pub mod noise_level;
pub mod schedule;
pub mod softmax;

pub use ddpm::DdpmSchedule;
pub use empirical::EmpiricalMixture;
pub use gaussian::Gaussian2;
pub use mixture::{GaussianMixture, PerturbedMixture};
pub use noise_level::NoiseLevel;
pub use schedule::{SigmaSchedule, max_pairwise_distance};
