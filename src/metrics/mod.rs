//! Sample-quality metrics (MATH §6).

pub mod energy;
pub mod fisher;
pub mod modes;

pub use energy::energy_distance;
pub use fisher::{relative_fisher, relative_fisher_against};
pub use modes::{ModeReport, class_target, mode_report, mode_report_against};
