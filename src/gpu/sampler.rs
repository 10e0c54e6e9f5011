//! Annealed Langevin sampling of images on the GPU (MATH §4.4), with classifier-free guidance
//! (MATH §4.10) and an optional final Tweedie denoising step (MATH §5), plus the "noise ladder":
//! one image noised at every level with its Tweedie estimate.

use super::context::Gpu;
use super::kernel::{Dispatch, submit};
use super::kernels::Kernels;
use super::kernels::dsm::normal;
use super::kernels::elementwise;
use super::kernels::embed::NULL_CLASS;
use super::kernels::langevin::{self, LangevinParams};
use super::models::{ModelSpec, Net};
use super::params::ParamStore;

/// Sampling settings.
#[derive(Clone, Debug, PartialEq)]
pub struct SampleSpec {
    pub n: usize,
    /// T, Langevin steps per level.
    pub steps_per_level: usize,
    /// alpha_i / sigma_i^2 (MATH §8: 0.2, i.e. eps = 0.2 sigma_min^2).
    pub step_ratio: f32,
    pub seed: u32,
    /// A class for a conditional model.
    pub class: Option<u32>,
    /// Condition image `i` on class `i mod classes` instead (a conditional model, no `class`):
    /// with guidance 1 the batch is a draw of `p(x) = sum_y p(y) p(x | y)` with the classes
    /// equally likely, each image from its class's score (MATH §4.10).
    pub every_class: bool,
    /// gamma in s(x) + gamma (s(x|y) - s(x)); 1 is the plain conditional score.
    pub cfg_scale: f32,
    /// Finish with x + sigma^2 s(x, sigma) at the last level run.
    pub denoise: bool,
    /// Run only the levels with sigma >= this ([`levels_down_to`]; 0 runs them all).
    pub stop_sigma: f32,
}

impl SampleSpec {
    /// The conditional net's label per image (None: the null class only, no conditional net),
    /// checked against a model of `classes` classes.
    pub fn labels(&self, classes: usize) -> Result<Option<Vec<u32>>, String> {
        if classes == 0 && (self.class.is_some() || self.every_class) {
            return Err("this model is unconditional: it takes no class".to_string());
        }
        match (self.class, self.every_class) {
            (Some(_), true) => Err("sample one class or every class, not both".to_string()),
            (Some(c), false) if c as usize >= classes => Err(format!(
                "class {c} is outside the model's 0..{}",
                classes - 1
            )),
            (Some(c), false) => Ok(Some(vec![c; self.n])),
            (None, true) => Ok(Some((0..self.n).map(|i| (i % classes) as u32).collect())),
            (None, false) => Ok(None),
        }
    }

    pub fn new(n: usize) -> SampleSpec {
        SampleSpec {
            n,
            steps_per_level: 100,
            step_ratio: 0.2,
            seed: 0,
            class: None,
            every_class: false,
            cfg_scale: 1.0,
            denoise: true,
            stop_sigma: 0.0,
        }
    }
}

/// The levels with `sigma >= stop` (all of them for `stop <= 0`), at least one: sampling that
/// stops there and denoises at the last of them suits a network that has not yet learned the
/// smallest levels (the panel and `images sample --stop-sigma`).
pub fn levels_down_to(sigmas: &[f32], stop: f32) -> Result<&[f32], String> {
    if !stop.is_finite() {
        return Err(format!("the stopping sigma must be finite, got {stop}"));
    }
    let kept = sigmas.iter().take_while(|&&s| s >= stop).count();
    if kept == 0 {
        return Err(format!(
            "the stopping sigma {stop} is above the largest level {}",
            sigmas.first().copied().unwrap_or(0.0)
        ));
    }
    Ok(&sigmas[..kept])
}

/// Nets and dispatches for one sampling configuration.
///
/// `sigmas` are the model's levels; the sampler runs those down to `spec.stop_sigma`.
pub struct ImageSampler {
    gpu: Gpu,
    pub spec: SampleSpec,
    sigmas: Vec<f32>,
    /// The null-class network; at guidance 1 it carries the classes asked for instead.
    uncond: Net,
    /// The class-conditional network, when it is mixed with the null-class one.
    cond: Option<Net>,
    mix: Option<Dispatch>,
    start: Dispatch,
    /// Per level: sigma_b <- sigma_i for each net.
    fills: Vec<Vec<Dispatch>>,
    steps: Vec<Vec<Dispatch>>,
    denoise: Option<(Vec<Dispatch>, Dispatch)>,
}

impl ImageSampler {
    pub fn new(
        gpu: &Gpu,
        k: &Kernels,
        model: ModelSpec,
        store: &ParamStore,
        sigmas: &[f32],
        mean: &[f32],
        spec: SampleSpec,
    ) -> Result<ImageSampler, String> {
        if spec.n == 0 || spec.steps_per_level == 0 {
            return Err("sampling needs at least one image and one step per level".into());
        }
        let sigmas = levels_down_to(sigmas, spec.stop_sigma)?;
        if !(spec.step_ratio.is_finite() && spec.step_ratio > 0.0) {
            return Err(format!(
                "the step ratio must be > 0, got {}",
                spec.step_ratio
            ));
        }
        let labels = spec.labels(model.classes)?;
        let pixels = model.pixels();
        let x = gpu.zeros("particles", spec.n * pixels);
        let uncond = Net::new(gpu, k, model, store, spec.n, false, Some(x.clone()));
        let (cond, score, mix) = match labels {
            // At guidance 1 the guided score s_u + 1 (s_c - s_u) is the class score itself:
            // one network evaluation per step, with the labels in the first network.
            Some(labels) if spec.cfg_scale == 1.0 => {
                gpu.write(&uncond.label, &labels);
                (None, uncond.out.value.clone(), None)
            }
            Some(labels) => {
                let net = Net::new(gpu, k, model, store, spec.n, false, Some(x.clone()));
                gpu.write(&net.label, &labels);
                let mixed = gpu.zeros("guided score", spec.n * pixels);
                let d = elementwise::lerp(
                    gpu,
                    k,
                    &uncond.out.value,
                    &net.out.value,
                    spec.cfg_scale,
                    &mixed,
                );
                (Some(net), mixed, Some(d))
            }
            None => (None, uncond.out.value.clone(), None),
        };
        let mean_v = gpu.upload("mean image", mean);
        let params = |step: u32, sigma: f32, alpha: f32| LangevinParams {
            n: (spec.n * pixels) as u32,
            pixels: pixels as u32,
            seed: spec.seed,
            step,
            alpha,
            sigma,
            batch: spec.n as u32,
            _pad: 0,
        };
        let start = langevin::start(gpu, k, &params(0, sigmas[0], 0.0), &x, &mean_v);
        let nets: Vec<&Net> = std::iter::once(&uncond).chain(cond.as_ref()).collect();
        let fill = |sigma: f32| -> Vec<Dispatch> {
            nets.iter()
                .map(|n| langevin::fill_sigma(gpu, k, &params(0, sigma, 0.0), &n.sigma))
                .collect()
        };
        let mut fills = Vec::new();
        let mut steps = Vec::new();
        let mut counter = 1u32;
        for &sigma in sigmas {
            fills.push(fill(sigma));
            let alpha = spec.step_ratio * sigma * sigma;
            let level: Vec<Dispatch> = (0..spec.steps_per_level)
                .map(|_| {
                    counter += 1;
                    langevin::step(gpu, k, &params(counter, sigma, alpha), &x, &score)
                })
                .collect();
            steps.push(level);
        }
        let last = *sigmas.last().ok_or("no noise levels")?;
        let denoise = spec.denoise.then(|| {
            (
                fill(last),
                langevin::denoise(gpu, k, &params(0, last, 0.0), &x, &score),
            )
        });
        Ok(ImageSampler {
            gpu: gpu.clone(),
            spec,
            sigmas: sigmas.to_vec(),
            uncond,
            cond,
            mix,
            start,
            fills,
            steps,
            denoise,
        })
    }

    /// The forward pass(es) and the guided mix: the score at the particles.
    fn score_dispatches(&self) -> Vec<&Dispatch> {
        let mut list: Vec<&Dispatch> = self.uncond.passes.forward.iter().collect();
        if let Some(c) = &self.cond {
            list.extend(c.passes.forward.iter());
        }
        list.extend(self.mix.as_ref());
        list
    }

    /// Runs every level; `progress(level)` after each one's submission. Returns the images,
    /// `n x pixels` values (not clamped).
    pub fn run(&self, mut progress: impl FnMut(usize)) -> Result<Vec<f32>, String> {
        let g = &self.gpu;
        submit(g, &[&self.start]);
        let score = self.score_dispatches();
        for (i, level) in self.steps.iter().enumerate() {
            let mut list: Vec<&Dispatch> = self.fills[i].iter().collect();
            for step in level {
                list.extend(score.iter().copied());
                list.push(step);
            }
            submit(g, &list);
            g.finish()?;
            progress(i);
        }
        if let Some((fill, denoise)) = &self.denoise {
            let mut list: Vec<&Dispatch> = fill.iter().collect();
            list.extend(score.iter().copied());
            list.push(denoise);
            submit(g, &list);
        }
        g.read(&self.uncond.x)
    }

    /// The noise levels run (down to the stop).
    pub fn levels(&self) -> &[f32] {
        &self.sigmas
    }

    /// Score evaluations per image for one run.
    pub fn evaluations(&self) -> usize {
        (1 + self.cond.is_some() as usize)
            * (self.sigmas.len() * self.spec.steps_per_level + self.spec.denoise as usize)
    }
}

/// One image noised at every level, `x0 + sigma_i z`, and its Tweedie estimate
/// `x~ + sigma_i^2 s(x~, sigma_i)`: (noisy, denoised), one row per level.
pub fn noise_ladder(
    gpu: &Gpu,
    k: &Kernels,
    model: ModelSpec,
    store: &ParamStore,
    sigmas: &[f32],
    x0: &[f32],
    seed: u32,
) -> Result<(Vec<f32>, Vec<f32>), String> {
    let levels = sigmas.len();
    let pixels = model.pixels();
    let net = Net::new(gpu, k, model, store, levels, false, None);
    let noisy: Vec<f32> = (0..levels * pixels)
        .map(|i| x0[i % pixels] + sigmas[i / pixels] * normal(seed, 0, i as u32))
        .collect();
    let s = net.evaluate(gpu, &noisy, sigmas, &vec![NULL_CLASS; levels])?;
    let denoised = noisy
        .iter()
        .zip(&s)
        .enumerate()
        .map(|(i, (x, g))| x + sigmas[i / pixels].powi(2) * g)
        .collect();
    Ok((noisy, denoised))
}

#[cfg(test)]
mod tests {
    use super::SampleSpec;

    #[test]
    fn labels_are_one_class_every_class_in_turn_or_none() {
        let mut s = SampleSpec::new(5);
        assert_eq!(s.labels(10), Ok(None));
        s.class = Some(3);
        assert_eq!(s.labels(10), Ok(Some(vec![3; 5])));
        assert!(s.labels(3).expect_err("class 3 of 3").contains("0..2"));
        s.every_class = true;
        assert!(s.labels(10).expect_err("both").contains("not both"));
        s.class = None;
        assert_eq!(s.labels(3), Ok(Some(vec![0, 1, 2, 0, 1])));
        assert!(
            s.labels(0)
                .expect_err("no classes")
                .contains("unconditional")
        );
    }
}
