//! Sample-quality metrics (MATH §6).

pub mod energy;
pub mod fisher;
pub mod modes;

pub use energy::energy_distance;
pub use fisher::relative_fisher;
pub use modes::{ModeReport, mode_report};
