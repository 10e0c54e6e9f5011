//! Undo for the actions that throw work away (a preset, lecture or session switch, loading
//! points, Reset training): before each, the settings, the data and the trained model are kept,
//! and Ctrl+Z puts them back.

use crate::data::Dataset;
use crate::nn::ScoreModel;
use crate::session::Settings;
use crate::train::TrainSnapshot;
use std::sync::Arc;

/// How many actions can be undone.
const DEPTH: usize = 10;

/// What an action threw away.
pub struct Kept {
    /// What the action was ("switch to preset ring8").
    pub what: String,
    pub settings: Settings,
    pub data: Arc<Dataset>,
    pub data_is_preset: bool,
    pub lecture: Option<usize>,
    /// The trained model as last seen (its step, loss and history too).
    pub snapshot: Option<Arc<TrainSnapshot>>,
    pub loaded_model: Option<Arc<ScoreModel>>,
    pub loss_history: Vec<[f64; 2]>,
}

#[derive(Default)]
pub struct UndoStack {
    kept: Vec<Kept>,
}

impl UndoStack {
    pub fn push(&mut self, kept: Kept) {
        self.kept.push(kept);
        if self.kept.len() > DEPTH {
            self.kept.remove(0);
        }
    }

    pub fn pop(&mut self) -> Option<Kept> {
        self.kept.pop()
    }
}
