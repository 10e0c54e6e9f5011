//! The data set on screen: the data, its version, the view box fitted to it, and the mixture
//! component being edited.

use crate::data::Dataset;
use crate::geom::Bounds;
use crate::live::mixture_edit::Grab;
use crate::sample::DataInfo;
use std::sync::Arc;

pub struct DataState {
    pub data: Arc<Dataset>,
    /// Bumped on every change of the data.
    pub version: u64,
    /// Measured once per data set (the sigma_max heuristic samples 1,000 points, O(n^2)).
    pub info: DataInfo,
    pub view: Bounds,
    /// Bumped whenever the view is refitted to new data.
    pub view_epoch: u64,
    /// Whether the data is still the named preset (else a session stores it whole).
    pub is_preset: bool,
    pub selected: Option<usize>,
    pub grab: Option<Grab>,
}

impl DataState {
    pub fn new(data: Dataset) -> DataState {
        DataState {
            view: crate::scene::view_of(&data),
            info: DataInfo::of(&data),
            data: Arc::new(data),
            version: 0,
            view_epoch: 0,
            is_preset: true,
            selected: None,
            grab: None,
        }
    }

    /// Replaces the data; `refit_view` recentres the plot on it (a new data set).
    pub fn set(&mut self, data: Dataset, refit_view: bool) {
        if refit_view {
            self.view = crate::scene::view_of(&data);
            self.view_epoch += 1;
            self.selected = None;
            self.grab = None;
        }
        self.info = DataInfo::of(&data);
        self.data = Arc::new(data);
        self.version += 1;
    }

    /// Mixture components (`None` for a point set).
    pub fn components(&self) -> Option<usize> {
        self.data.mixture().map(|m| m.len())
    }
}
