//! Does the image trainer learn digits? A small class-conditional MLP is trained on the embedded
//! digits within this test's budget on the software adapter, sampled with annealed Langevin from
//! its moving-average weights, and judged by the embedded digit classifier (MATH §6):
//! - a sample of the whole data set made from the class scores (every class in turn, guidance 1)
//!   scores more than three times pure noise (`NOISE_SCORE`, 1.55; 7.26 measured) and is read as
//!   the class each image was drawn for at least half the time (0.83 measured);
//! - unguided (null-class) samples score more than 1.5 times pure noise (3.06 measured; at this
//!   length the null-class score, trained on 15 % of the batches, trails the class scores);
//! - samples guided to a class are read as that class at least half the time (chance: 1 in 10;
//!   1.00 measured).

mod common;

use scorefield::gpu::Kernels;
use scorefield::gpu::models::{Arch, ModelSpec};
use scorefield::gpu::sampler::{ImageSampler, SampleSpec};
use scorefield::gpu::trainer::{ImageTrainer, TrainSpec};
use scorefield::images::classifier::{DigitClassifier, NOISE_SCORE, PIXELS, quality};
use scorefield::images::source::load_mnist5k;
use std::sync::Arc;

/// Training steps and batch: 16 s on two AVX-512 cores and 140 s on two AVX2 cores under
/// lavapipe.
const STEPS: usize = 600;
const BATCH: usize = 128;
/// Samples per class in the guided batch, and the guidance strength.
const PER_CLASS: usize = 10;
const GUIDANCE: f32 = 3.0;
/// Langevin steps per level: fewer than the command line's 100, enough to mix at each level.
const STEPS_PER_LEVEL: usize = 20;
/// Sampling stops at the last level with sigma >= this and denoises there: a short run has not
/// learned the smallest levels (`images sample --stop-sigma`, README).
const STOP_SIGMA: f32 = 0.5;
/// Unguided samples, and every class in turn, must score these many times pure noise's
/// inception score.
const UNGUIDED_MARGIN: f64 = 1.5;
const EVERY_CLASS_MARGIN: f64 = 3.0;

#[test]
fn a_short_conditional_run_draws_digits_of_the_class_asked_for() {
    let Some(gpu) = common::gpu_or_expected_absence() else {
        return;
    };
    let kernels = Arc::new(Kernels::new(&gpu));
    let (train, held) = load_mnist5k().expect("data").split().expect("split");
    let model = ModelSpec {
        arch: Arch::Mlp { hidden: 256 },
        width: 28,
        height: 28,
        classes: 10,
    };
    let mut spec = TrainSpec::new(model);
    spec.batch = BATCH;
    spec.lr = 2e-3;
    let mut t = ImageTrainer::new(&gpu, kernels.clone(), spec, &train, &held).expect("trainer");
    let started = std::time::Instant::now();
    for _ in 0..STEPS {
        t.step().expect("step");
    }
    println!(
        "{STEPS} steps of batch {BATCH} in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let averaged = t.store.averaged();
    let draw_with = |n: usize, mut s: SampleSpec, seed: u32| {
        s.n = n;
        s.steps_per_level = STEPS_PER_LEVEL;
        s.seed = seed;
        s.stop_sigma = STOP_SIGMA;
        let sampler = ImageSampler::new(&gpu, &kernels, model, &averaged, &t.sigmas, &t.mean, s)
            .expect("sampler");
        sampler.run(|_| {}).expect("samples")
    };
    let draw = |n: usize, class: Option<u32>, seed: u32| {
        let mut s = SampleSpec::new(n);
        s.class = class;
        s.cfg_scale = GUIDANCE;
        draw_with(n, s, seed)
    };
    let classifier = DigitClassifier::embedded().expect("classifier");

    let unguided = draw(10 * PER_CLASS, None, 1);
    assert_eq!(unguided.len(), 10 * PER_CLASS * PIXELS);
    let q = quality(classifier, &unguided).expect("quality");
    let mut hits = 0;
    for class in 0..10u32 {
        let images = draw(PER_CLASS, Some(class), 2 + class);
        hits += images
            .chunks(PIXELS)
            .filter(|x| classifier.predict(x) == class as usize)
            .count();
    }
    let rate = hits as f64 / (10 * PER_CLASS) as f64;
    // Every class in turn at guidance 1: a sample of the data distribution from the class
    // scores, each image read against the class it was drawn for.
    let mut every = SampleSpec::new(10 * PER_CLASS);
    every.every_class = true;
    let asked: Vec<u32> = (0..10 * PER_CLASS as u32).map(|i| i % 10).collect();
    let q_every = quality(classifier, &draw_with(10 * PER_CLASS, every, 20)).expect("quality");
    let every_rate = q_every.share_matching(&asked);
    println!(
        "unguided: score {:.2}, entropy {:.2}; guided samples read as their class: {rate:.2}; \
         every class in turn: score {:.2}, read as asked {every_rate:.2}",
        q.inception_score, q.label_entropy, q_every.inception_score
    );
    assert!(
        q_every.inception_score > EVERY_CLASS_MARGIN * NOISE_SCORE,
        "every class in turn scores {:.2}, noise {NOISE_SCORE}",
        q_every.inception_score
    );
    assert!(
        q.inception_score > UNGUIDED_MARGIN * NOISE_SCORE,
        "unguided samples score {:.2}, noise {NOISE_SCORE}",
        q.inception_score
    );
    // Chance is 0.1; 100 draws at chance reach 0.5 with probability below 1e-15.
    assert!(rate >= 0.5, "guided samples read as their class: {rate}");
    assert!(
        every_rate >= 0.5,
        "every class in turn, read as asked: {every_rate}"
    );
}
