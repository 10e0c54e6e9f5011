//! Training the score network: what to train (`config`), batches (`batch_draw`), the stepper with
//! its NaN guard (`trainer`), and the background worker the UI talks to (`worker`).

pub mod batch_draw;
pub mod config;
pub mod trainer;
pub mod worker;

pub use config::{Lambda, NoiseSpec, TrainConfig};
pub use trainer::{StepOutcome, Trainer};
pub use worker::{TrainSnapshot, TrainerCommand, TrainerEvent, TrainerHandle};
