//! Samplers (MATH §4), driven by a [`ScoreSource`].
//!
//! A sampler is compiled into a [`Plan`]: its initial distribution and a list of [`Op`]s, one per
//! step, each carrying its step sizes and noise level. A [`SamplerRun`] applies the ops to
//! particles in fixed chunks in parallel (rayon). Noise is counter-based ([`crate::noise`]): the
//! increment of particle `i` at step `k` depends only on `(seed, i, k)`, so two samplers with the
//! same seed and initial distribution share particles and noise (common random numbers), and the
//! result does not depend on the number of threads.

pub mod chosen;
pub mod init;
pub mod langevin;
pub mod learned;
pub mod mala;
pub mod op;
pub mod op_list;
pub mod pc;
pub mod plan;
pub mod plan_error;
pub mod runner;
pub mod smld;
pub mod source;
pub mod ve_sde;
pub mod vp;

pub use chosen::{ChosenScore, ScoreChoice};
pub use init::{InitDist, InitSpec};
pub use learned::LearnedScore;
pub use op::Op;
pub use op_list::OpList;
pub use plan::{DataInfo, Plan, SamplerKind, SamplerSettings};
pub use plan_error::{PlanError, PlanParam};
pub use runner::{SamplerRun, Trajectories};
pub use source::{
    EmpiricalScore, ExactMixtureScore, GuidedMixtureScore, ScoreSource, reference_source,
};
