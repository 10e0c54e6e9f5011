//! The app's state as owned parts. Each part owns its worker and changes only through the
//! command loop ([`super::command`]); panels read the parts and emit commands.

pub mod data;
pub mod field;
pub mod messages;
pub mod navigation;
pub mod samplers;
pub mod training;
pub mod undo;

pub use data::DataState;
pub use field::FieldState;
pub use messages::Messages;
pub use navigation::Navigation;
pub use samplers::SamplerState;
pub use training::TrainingState;
pub use undo::UndoStack;
