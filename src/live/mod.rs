//! The live view's workers, below the egui front end: the field worker (layers of the drawn
//! field), the sampler worker (panes stepping in lockstep) and mixture editing. Nothing here
//! imports egui; each worker publishes its newest result through [`latest`] and wakes the UI.

pub mod field_worker;
pub mod latest;
pub mod mixture_edit;
pub mod sampler_worker;
pub mod timeline;
