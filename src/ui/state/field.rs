//! The drawn field: requests to the field worker keyed by the view spec's [`FieldSpec`], the
//! newest result with the spec it was computed for, and the cached [`Scene`] (and heatmap
//! texture) built from it, rebuilt only when the result or the layer spec changes.

use crate::data::Dataset;
use crate::geom::Bounds;
use crate::live::field_worker::{FieldRequest, FieldResult, FieldWorker};
use crate::live::latest::Wake;
use crate::nn::ScoreModel;
use crate::scene::spec::{FieldSpec, LayerSpec};
use crate::scene::{Scene, field_scene};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// While training runs, a new learned field is asked for this long after the last request.
/// Checked once a frame, so at 60 Hz the interval is 90–107 ms: about 10 refreshes a second
/// (`bench app`; 100 ms gave 9.2).
const MODEL_REFRESH: Duration = Duration::from_millis(90);

/// How the shown field relates to the one the settings ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// The field asked for (perhaps with slightly older weights while training runs).
    Current,
    /// Another field of the same data set is shown while the new one is computed (dimmed).
    Computing,
    /// Nothing of this data set yet: the field is not drawn at all.
    Nothing,
}

/// The newest field and what it shows.
pub struct Shown {
    pub spec: FieldSpec,
    pub result: FieldResult,
}

pub struct FieldState {
    worker: FieldWorker,
    next_id: u64,
    /// Specs of the requests in flight, by id.
    in_flight: VecDeque<(u64, FieldSpec)>,
    requested: Option<(FieldSpec, Instant)>,
    pub shown: Option<Shown>,
    /// Results received so far (the refresh rate of `--measure-frames`).
    pub received: u64,
    scene: Option<((u64, LayerSpec), Scene)>,
    /// Bumped on every scene rebuild; the texture holds the generation it was made from.
    generation: u64,
    texture: Option<(u64, egui::TextureHandle)>,
}

impl FieldState {
    pub fn new(wake: Wake) -> FieldState {
        FieldState {
            worker: FieldWorker::spawn(wake),
            next_id: 0,
            in_flight: VecDeque::new(),
            requested: None,
            shown: None,
            received: 0,
            scene: None,
            generation: 0,
            texture: None,
        }
    }

    /// Takes the newest finished result.
    pub fn poll(&mut self) {
        if let Some(result) = self.worker.latest()
            && let Some(at) = self.in_flight.iter().position(|(id, _)| *id == result.id)
        {
            let spec = self.in_flight[at].1.clone();
            self.in_flight.drain(..=at);
            self.shown = Some(Shown { spec, result });
            self.received += 1;
        }
    }

    /// Asks for `spec` unless it was the last request; a change of the weights alone is asked
    /// for at most every [`MODEL_REFRESH`].
    pub fn want(
        &mut self,
        spec: &FieldSpec,
        data: &Arc<Dataset>,
        bounds: Bounds,
        model: Option<Arc<ScoreModel>>,
    ) {
        if let Some((last, at)) = &self.requested
            && (last == spec || (last.same_but_weights(spec) && at.elapsed() < MODEL_REFRESH))
        {
            return;
        }
        self.next_id += 1;
        let request = FieldRequest::for_spec(
            spec,
            data.clone(),
            bounds,
            crate::scene::figures::HEAT_N,
            model,
            self.next_id,
        );
        self.in_flight.push_back((self.next_id, spec.clone()));
        while self.in_flight.len() > 32 {
            self.in_flight.pop_front();
        }
        self.requested = Some((spec.clone(), Instant::now()));
        self.worker.request(request);
    }

    /// How the shown field relates to `wanted`.
    pub fn freshness(&self, wanted: &FieldSpec) -> Freshness {
        match &self.shown {
            Some(s) if s.spec.same_but_weights(wanted) => Freshness::Current,
            Some(s) if s.spec.view_epoch == wanted.view_epoch => Freshness::Computing,
            _ => Freshness::Nothing,
        }
    }

    pub fn result(&self) -> Option<&FieldResult> {
        self.shown.as_ref().map(|s| &s.result)
    }

    /// The scene of the shown field with `layers`, rebuilt only when either changed.
    pub fn scene(&mut self, layers: &LayerSpec) -> Option<&Scene> {
        let shown = self.shown.as_ref()?;
        let key = (shown.result.id, layers.clone());
        if self.scene.as_ref().is_none_or(|(k, _)| *k != key) {
            let scene = field_scene(&shown.result, layers, "");
            self.scene = Some((key, scene));
            self.generation += 1;
        }
        self.scene.as_ref().map(|(_, s)| s)
    }

    /// The cached scene, as last built.
    pub fn cached_scene(&self) -> Option<&Scene> {
        self.scene.as_ref().map(|(_, s)| s)
    }

    /// The heatmap texture of the cached scene (uploaded when the scene was rebuilt).
    pub fn texture(&mut self, ctx: &egui::Context) -> Option<&egui::TextureHandle> {
        let (_, scene) = self.scene.as_ref()?;
        let heat = scene.heat.as_ref()?;
        let stamp = self.generation;
        if self.texture.as_ref().is_none_or(|(s, _)| *s != stamp) {
            let rgba: Vec<u8> = heat
                .rgb
                .iter()
                .flat_map(|c| [c[0], c[1], c[2], 255])
                .collect();
            let image = egui::ColorImage::from_rgba_unmultiplied([heat.n, heat.n], &rgba);
            match &mut self.texture {
                Some((s, t)) => {
                    t.set(image, egui::TextureOptions::LINEAR);
                    *s = stamp;
                }
                None => {
                    let t = ctx.load_texture("heatmap", image, egui::TextureOptions::LINEAR);
                    self.texture = Some((stamp, t));
                }
            }
        }
        self.texture.as_ref().map(|(_, t)| t)
    }

    /// Forces the next frame to rebuild the scene and the texture (the frame benchmark).
    pub fn invalidate_scene(&mut self) {
        self.scene = None;
        self.texture = None;
    }
}
