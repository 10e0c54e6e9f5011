//! The flat parameter buffer: every tensor of a model at a 256-byte aligned offset, so one Adam
//! dispatch updates them all and a checkpoint is one read. Gradients and Adam's moments share
//! the layout.

use super::buffers::{ALIGN_ELEMENTS, View};
use super::context::Gpu;
use super::pixel_prior::PixelPrior;
use rand::SeedableRng;
use rand_distr::{Distribution, Uniform};

/// How a parameter starts.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Init {
    /// `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`, scaled by the factor.
    FanIn {
        fan_in: usize,
        scale: f32,
    },
    Const(f32),
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParamSpec {
    pub name: String,
    pub shape: Vec<usize>,
    /// In elements, a multiple of 64.
    pub offset: usize,
    pub init: Init,
}

impl ParamSpec {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Index of a parameter in its layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParamId(pub usize);

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParamLayout {
    pub specs: Vec<ParamSpec>,
    /// Elements including alignment padding.
    pub total: usize,
}

impl ParamLayout {
    pub fn add(&mut self, name: &str, shape: &[usize], init: Init) -> ParamId {
        let offset = self.total;
        let len: usize = shape.iter().product();
        self.total = offset + len.div_ceil(ALIGN_ELEMENTS) * ALIGN_ELEMENTS;
        self.specs.push(ParamSpec {
            name: name.to_string(),
            shape: shape.to_vec(),
            offset,
            init,
        });
        ParamId(self.specs.len() - 1)
    }

    /// Trainable values (without padding).
    pub fn count(&self) -> usize {
        self.specs.iter().map(ParamSpec::len).sum()
    }

    /// Fresh values for `seed`; padding is zero.
    pub fn init_values(&self, seed: u64) -> Vec<f32> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut out = vec![0.0; self.total];
        for s in &self.specs {
            let dst = &mut out[s.offset..s.offset + s.len()];
            match s.init {
                Init::Const(c) => dst.fill(c),
                Init::FanIn { fan_in, scale } => {
                    let bound = scale / (fan_in.max(1) as f32).sqrt();
                    let u = Uniform::new_inclusive(-bound, bound).expect("finite bound");
                    dst.iter_mut().for_each(|v| *v = u.sample(&mut rng));
                }
            }
        }
        out
    }
}

/// Parameters, Adam's two moment estimates and the moving average of the parameters, on the
/// CPU (a checkpoint's body), each `layout.total` values.
#[derive(Clone, Debug, PartialEq)]
pub struct Weights {
    pub theta: Vec<f32>,
    pub m: Vec<f32>,
    pub v: Vec<f32>,
    /// The exponential moving average of `theta` (what the samplers use).
    pub ema: Vec<f32>,
}

impl Weights {
    /// A fresh start at `theta`: zero moments, the average equal to `theta`.
    pub fn fresh(theta: Vec<f32>) -> Weights {
        let zeros = vec![0.0; theta.len()];
        Weights {
            m: zeros.clone(),
            v: zeros,
            ema: theta.clone(),
            theta,
        }
    }
}

/// Parameters, gradients, Adam's moments and the moving average on the GPU.
#[derive(Clone, Debug)]
pub struct ParamStore {
    pub layout: ParamLayout,
    pub theta: View,
    pub grad: View,
    pub m: View,
    pub v: View,
    pub ema: View,
    /// The skip connection's per-pixel prior, packed ([`PixelPrior::packed`]); not trained.
    pub prior: View,
}

impl ParamStore {
    pub fn new(gpu: &Gpu, layout: ParamLayout, w: &Weights, prior: &PixelPrior) -> ParamStore {
        assert_eq!(w.theta.len(), layout.total, "parameter count");
        ParamStore {
            prior: gpu.upload("pixel prior", &prior.packed()),
            theta: gpu.upload("theta", &w.theta),
            grad: gpu.zeros("grad", layout.total),
            m: gpu.upload("adam m", &w.m),
            v: gpu.upload("adam v", &w.v),
            ema: gpu.upload("theta ema", &w.ema),
            layout,
        }
    }

    /// The same store with the moving average in place of the parameters: a network built on
    /// it evaluates the averaged weights (the buffers are shared, not copied).
    pub fn averaged(&self) -> ParamStore {
        ParamStore {
            theta: self.ema.clone(),
            ..self.clone()
        }
    }

    fn sub(&self, whole: &View, id: ParamId) -> View {
        let s = &self.layout.specs[id.0];
        View {
            buffer: whole.buffer.clone(),
            offset_bytes: (s.offset * 4) as u64,
            len: s.len() as u64,
        }
    }

    pub fn value(&self, id: ParamId) -> View {
        self.sub(&self.theta, id)
    }

    pub fn gradient(&self, id: ParamId) -> View {
        self.sub(&self.grad, id)
    }

    /// Everything but the gradients, read back.
    pub fn read_all(&self, gpu: &Gpu) -> Result<Weights, String> {
        let mut r = gpu.read_many::<f32>(&[&self.theta, &self.m, &self.v, &self.ema])?;
        let ema = r.pop().unwrap_or_default();
        let v = r.pop().unwrap_or_default();
        let m = r.pop().unwrap_or_default();
        let theta = r.pop().unwrap_or_default();
        Ok(Weights { theta, m, v, ema })
    }
}
