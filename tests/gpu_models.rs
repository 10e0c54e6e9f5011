//! The image networks on the GPU: whole-network gradients against finite differences (the
//! graph's wiring, not just each kernel), a short end-to-end run whose held-out DSM loss falls,
//! checkpoint round trips, and the sampler. A missing adapter fails, except where
//! `SCOREFIELD_NO_GPU=1` says none is expected.

mod common;

use scorefield::gpu::checkpoint::Checkpoint;
use scorefield::gpu::kernel::submit;
use scorefield::gpu::kernels::dsm;
use scorefield::gpu::kernels::embed::NULL_CLASS;
use scorefield::gpu::models::{Arch, ModelSpec, Net};
use scorefield::gpu::params::{ParamStore, Weights};
use scorefield::gpu::pixel_prior::PixelPrior;
use scorefield::gpu::sampler::{ImageSampler, SampleSpec, noise_ladder};
use scorefield::gpu::trainer::{ImageTrainer, TrainSpec};
use scorefield::gpu::{Gpu, Kernels};
use scorefield::images::ImageSet;
use scorefield::images::source::load_mnist5k;
use std::sync::Arc;

fn setup() -> Option<(Gpu, Arc<Kernels>)> {
    let g = common::gpu_or_expected_absence()?;
    let k = Arc::new(Kernels::new(&g));
    Some((g, k))
}

fn vals(n: usize, seed: u32) -> Vec<f32> {
    (0..n as u32)
        .map(|i| dsm::uniform01(dsm::key(seed, 3, i)) * 2.0 - 1.0)
        .collect()
}

/// d/dtheta of L = sum_i r_i s_i(theta) from the GPU backward pass against central
/// differences of GPU forward passes, at three entries of every parameter tensor.
fn check_network_gradient(spec: ModelSpec) {
    let Some((g, k)) = setup() else { return };
    let batch = 2;
    let layout = spec.model_layout(&g);
    let theta0 = layout.init_values(1);
    // A prior with constant pixels (variance 0) and varying ones, as MNIST has.
    let prior = PixelPrior {
        mean: vals(spec.pixels(), 6)
            .iter()
            .map(|v| 0.2 + 0.1 * v)
            .collect(),
        variance: (0..spec.pixels()).map(|j| (j % 3) as f32 * 0.05).collect(),
    };
    let store = ParamStore::new(&g, layout.clone(), &Weights::fresh(theta0.clone()), &prior);
    let net = Net::new(&g, &k, spec, &store, batch, true, None);
    let x = vals(batch * spec.pixels(), 5);
    let sigma = [0.4f32, 2.5];
    let label = [spec.classes.saturating_sub(1) as u32, NULL_CLASS];
    let r = vals(batch * spec.pixels(), 6);
    g.write(&net.x, &x);
    g.write(&net.sigma, &sigma);
    g.write(&net.label, &label);
    g.write(net.out.grad.as_ref().expect("training net"), &r);
    let mut all: Vec<_> = net.passes.forward.iter().collect();
    all.extend(net.passes.backward.iter());
    submit(&g, &all);
    let grad: Vec<f32> = g.read(&store.grad).expect("gradients");
    let loss = |theta: &[f32]| -> f64 {
        g.write(&store.theta, theta);
        let s = net.evaluate(&g, &x, &sigma, &label).expect("forward");
        s.iter().zip(&r).map(|(a, b)| *a as f64 * *b as f64).sum()
    };
    let mut checked = 0;
    for p in &layout.specs {
        for j in [0, p.len() / 2, p.len() - 1] {
            let i = p.offset + j;
            let h = 3e-3f32.max(theta0[i].abs() * 3e-3);
            let mut t = theta0.clone();
            t[i] += h;
            let up = loss(&t);
            t[i] -= 2.0 * h;
            let down = loss(&t);
            let fd = (up - down) / (2.0 * h as f64);
            let an = grad[i] as f64;
            assert!(
                (fd - an).abs() <= 0.03 * an.abs().max(fd.abs()) + 2e-3,
                "{} [{j}]: backward {an}, finite difference {fd}",
                p.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 3 * layout.specs.len());
}

trait LayoutOf {
    fn model_layout(&self, g: &Gpu) -> scorefield::gpu::params::ParamLayout;
}

impl LayoutOf for ModelSpec {
    fn model_layout(&self, g: &Gpu) -> scorefield::gpu::params::ParamLayout {
        self.layout(g)
    }
}

#[test]
fn mlp_gradient_of_the_whole_network_matches_finite_differences() {
    check_network_gradient(ModelSpec {
        arch: Arch::Mlp { hidden: 12 },
        width: 5,
        height: 4,
        classes: 3,
    });
}

#[test]
fn unet_gradient_of_the_whole_network_matches_finite_differences() {
    check_network_gradient(ModelSpec {
        arch: Arch::Unet { channels: 4 },
        width: 6,
        height: 4,
        classes: 2,
    });
}

fn small_mnist(n: usize) -> (ImageSet, ImageSet) {
    let all = load_mnist5k().expect("embedded data");
    // Every (5000 / n)-th image keeps all ten digits.
    let stride = all.len() / n;
    let pixels = (0..n)
        .flat_map(|i| all.image(i * stride).to_vec())
        .collect();
    let labels = all
        .labels
        .as_ref()
        .map(|l| (0..n).map(|i| l[i * stride]).collect());
    let set = ImageSet::new("mnist subset".into(), 28, 28, pixels, labels).expect("subset");
    set.split().expect("split")
}

fn end_to_end(arch: Arch, steps: usize, batch: usize) {
    let Some((g, k)) = setup() else { return };
    let (train, held) = small_mnist(400);
    let model = ModelSpec {
        arch,
        width: 28,
        height: 28,
        classes: 10,
    };
    let mut spec = TrainSpec::new(model);
    spec.batch = batch;
    spec.lr = 2e-3;
    let mut t = ImageTrainer::new(&g, k.clone(), spec, &train, &held).expect("trainer");
    let before = t.held_out_loss(4).expect("held-out loss");
    for _ in 0..steps {
        t.step().expect("step");
    }
    let after = t.held_out_loss(4).expect("held-out loss");
    let last = t.last_loss().expect("loss").mean;
    t.record_loss(last, Some(after.mean), None);
    t.record_loss(last, None, None); // once per step: a second record at the same step is dropped
    assert_eq!(t.history().len(), 1);
    println!(
        "{arch:?}: held-out DSM loss {:.2} -> {:.2} after {steps} steps; per level {:.1?} -> {:.1?}",
        before.mean, after.mean, before.per_level, after.per_level
    );
    // Predicting s = 0 scores 1/2 E||z||^2 = D / 2 = 392 at every level; the untrained network,
    // already the per-pixel prior's denoiser (MATH §3.7), starts near 105. The smallest levels
    // move little in a short run (denoising at sigma = 0.01 needs the data manifold); some
    // middle one must improve clearly (300 steps gave a 21 % drop).
    let best_drop = before
        .per_level
        .iter()
        .zip(&after.per_level)
        .map(|(b, a)| 1.0 - a / b)
        .fold(0.0, f64::max);
    assert!(
        after.mean.is_finite() && after.mean < 0.97 * before.mean && after.mean < 392.0,
        "held-out loss {} -> {}",
        before.mean,
        after.mean
    );
    assert!(best_drop > 0.12, "no level improved by 12 %: {best_drop}");
    assert_eq!(t.step_count(), steps as u64);
    // The moving average has its own held-out loss: it has learned too (it trails the weights
    // by a few dozen steps), and it is not the weights' figure.
    let averaged = t.held_out_loss_averaged(4).expect("averaged held-out loss");
    println!(
        "{arch:?}: the moving average's held-out loss {:.2}",
        averaged.mean
    );
    assert!(
        averaged.mean < 0.99 * before.mean && averaged.mean != after.mean,
        "{} -> averaged {} (weights {})",
        before.mean,
        averaged.mean,
        after.mean
    );
    assert_eq!(
        t.held_out_loss(4).expect("again").mean,
        after.mean,
        "evaluating the average leaves the weights' figure as it was"
    );

    // Checkpoint round trip: identical bytes, identical outputs.
    let ck = t.checkpoint().expect("checkpoint");
    let dir = std::env::temp_dir().join(format!(
        "sf-gpu-ckpt-{}-{}",
        arch.name(),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("model.sfimg");
    ck.save(&path).expect("save");
    let back = Checkpoint::load(&path).expect("load");
    assert_eq!(back, ck);
    let w = &back.weights;
    let apart = w
        .ema
        .iter()
        .zip(&w.theta)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    assert!(
        apart > 1e-4,
        "the moving average differs from the weights: {apart}"
    );
    assert_eq!(
        back.header.history.last().map(|r| r.step),
        Some(steps as u64)
    );

    // A checkpoint from before the moving average (three blocks) loads with average = weights.
    let mut old = back.clone();
    old.header.ema = false;
    old.header.prior = None;
    let old_back = Checkpoint::from_bytes(&old.to_bytes().expect("bytes"), "old").expect("old");
    assert_eq!(old_back.weights.ema, old_back.weights.theta);
    // ... and with the uniform prior (mean 0, variance sigma_data^2) it was trained with.
    assert_eq!(old_back.header.prior(), PixelPrior::uniform(784, 0.25));
    // The stored prior is the training images' per-pixel statistics: the corners never vary.
    let stored = back.header.prior();
    assert_eq!(stored, t.prior);
    assert_eq!((stored.mean[0], stored.variance[0]), (0.0, 0.0));
    assert!(stored.variance.iter().any(|&v| v > 0.05));
    let x = vals(3 * 784, 9);
    let sigma = [0.01f32, 0.5, 8.0];
    let label = [NULL_CLASS, 3, 7];
    let net_a = Net::new(&g, &k, model, &t.store, 3, false, None);
    let a = net_a.evaluate(&g, &x, &sigma, &label).expect("a");
    let store_b = ParamStore::new(
        &g,
        back.header.layout.clone(),
        &back.weights,
        &back.header.prior(),
    );
    let net_b = Net::new(&g, &k, model, &store_b, 3, false, None);
    let b = net_b.evaluate(&g, &x, &sigma, &label).expect("b");
    assert_eq!(a, b, "a loaded checkpoint gives identical outputs");
    let resumed = ImageTrainer::resume(&g, k.clone(), &back, &train, &held).expect("resume");
    assert_eq!(resumed.step_count(), steps as u64);

    // A damaged file is refused with its name, and an atomic save never leaves a partial one.
    let bytes = std::fs::read(&path).expect("bytes");
    std::fs::write(dir.join("cut.sfimg"), &bytes[..bytes.len() - 5]).expect("write");
    let e = Checkpoint::load(&dir.join("cut.sfimg")).expect_err("must be refused");
    assert!(
        e.contains("cut.sfimg") && e.contains("bytes of parameters"),
        "{e}"
    );
    let e = Checkpoint::load(&dir.join("missing.sfimg")).expect_err("must be refused");
    assert!(e.contains("missing.sfimg"), "{e}");
    std::fs::write(dir.join("png.sfimg"), b"\x89PNG\r\n\x1a\n....").expect("write");
    assert!(
        Checkpoint::load(&dir.join("png.sfimg"))
            .expect_err("must be refused")
            .contains("not a scorefield")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn mlp_training_on_the_software_adapter_lowers_the_held_out_loss_and_checkpoints_round_trip() {
    end_to_end(Arch::Mlp { hidden: 128 }, 300, 32);
}

#[test]
fn unet_training_on_the_software_adapter_lowers_the_held_out_loss_and_checkpoints_round_trip() {
    end_to_end(Arch::Unet { channels: 4 }, 60, 8);
}

#[test]
fn sampling_is_deterministic_finite_and_guidance_changes_it() {
    let Some((g, k)) = setup() else { return };
    let model = ModelSpec {
        arch: Arch::Mlp { hidden: 16 },
        width: 28,
        height: 28,
        classes: 10,
    };
    let layout = model.layout(&g);
    let store = ParamStore::new(
        &g,
        layout.clone(),
        &Weights::fresh(layout.init_values(3)),
        &PixelPrior::uniform(784, 0.25),
    );
    let sigmas = [5.0f32, 1.0, 0.1];
    let mean = vec![0.2f32; 784];
    let mut spec = SampleSpec::new(4);
    spec.steps_per_level = 5;
    let run = |spec: &SampleSpec| {
        let s = ImageSampler::new(&g, &k, model, &store, &sigmas, &mean, spec.clone())
            .expect("sampler");
        let mut levels = Vec::new();
        let x = s.run(|i| levels.push(i)).expect("run");
        assert_eq!(levels, vec![0, 1, 2]);
        x
    };
    let a = run(&spec);
    assert_eq!(a.len(), 4 * 784);
    assert!(a.iter().all(|v| v.is_finite()));
    assert_eq!(run(&spec), a, "same seed, same images");
    spec.class = Some(3);
    spec.cfg_scale = 3.0;
    let guided = run(&spec);
    assert_ne!(guided, a);
    spec.class = Some(10);
    assert!(ImageSampler::new(&g, &k, model, &store, &sigmas, &mean, spec).is_err());
    let x0 = vec![0.5f32; 784];
    let (noisy, denoised) = noise_ladder(&g, &k, model, &store, &sigmas, &x0, 1).expect("ladder");
    assert_eq!((noisy.len(), denoised.len()), (3 * 784, 3 * 784));
    // The largest level's noise is about 5 per pixel.
    let sd0 = (noisy[..784].iter().map(|v| (v - 0.5).powi(2)).sum::<f32>() / 784.0).sqrt();
    assert!((4.0..6.0).contains(&sd0), "{sd0}");
}

#[test]
fn the_worker_thread_trains_samples_saves_and_loads_by_commands() {
    use scorefield::gpu::worker::{ImageCommand, ImageEvent, ImageWorkerHandle};
    use scorefield::images::DatasetSource;
    use std::time::Duration;
    let Some((g, k)) = setup() else { return };
    let h = ImageWorkerHandle::spawn(Arc::new(|| {})).expect("thread");
    let wait = |what: &str, pred: &dyn Fn(&ImageEvent) -> bool| -> ImageEvent {
        loop {
            match h.next_event(Duration::from_secs(120)) {
                Some(ImageEvent::Error(e)) => panic!("{what}: error {e}"),
                Some(e) if pred(&e) => return e,
                Some(_) => {}
                None => panic!("timed out waiting for {what}"),
            }
        }
    };
    wait("ready", &|e| matches!(e, ImageEvent::Ready { .. }));
    start_mlp(&h, 16, 8, 10);
    h.send(ImageCommand::Step(5)).expect("send");
    let snap = wait(
        "5 steps",
        &|e| matches!(e, ImageEvent::Snapshot(s) if s.step == 5 && !s.running),
    );
    if let ImageEvent::Snapshot(s) = snap {
        assert_eq!((s.classes, s.sigmas.len(), s.width), (10, 10, 28));
        let loss = s.loss.as_ref().expect("a batch ran").mean;
        assert!(loss.is_finite() && s.held_out.mean.is_finite());
        let last = s.history.last().expect("the step-5 loss is logged");
        assert_eq!((last.step, last.loss), (5, loss));
        assert!(
            s.images_per_s.is_none(),
            "stepped, never run: no rate measured"
        );
    }
    let mut sample = SampleSpec::new(3);
    sample.steps_per_level = 1;
    h.send(ImageCommand::Sample(Box::new(sample.clone())))
        .expect("send");
    let mut sampled = Vec::new();
    if let ImageEvent::Samples {
        images, n, step, ..
    } = wait("samples", &|e| matches!(e, ImageEvent::Samples { .. }))
    {
        assert_eq!((images.len(), n, step), (3 * 784, 3, 5));
        sampled = images.to_vec();
    }
    h.send(ImageCommand::Ladder { index: 0, seed: 1 })
        .expect("send");
    if let ImageEvent::Ladder {
        noisy,
        denoised,
        sigmas,
        ..
    } = wait("ladder", &|e| matches!(e, ImageEvent::Ladder { .. }))
    {
        assert_eq!((noisy.len(), denoised.len()), (10 * 784, 10 * 784));
        assert_eq!(sigmas.len(), 10);
    }
    let path = std::env::temp_dir().join(format!("sf-worker-{}.sfimg", std::process::id()));
    h.send(ImageCommand::Save(path.clone())).expect("send");
    wait("saved", &|e| matches!(e, ImageEvent::Saved(_)));
    // The worker sampled with the moving average of the weights, not the last iterate.
    let ck = Checkpoint::load(&path).expect("load");
    let hd = &ck.header;
    let store = ParamStore::new(&g, hd.layout.clone(), &ck.weights, &hd.prior());
    let sample_with = |store: &ParamStore| {
        ImageSampler::new(
            &g,
            &k,
            hd.model,
            store,
            &hd.sigmas,
            &hd.mean,
            sample.clone(),
        )
        .expect("sampler")
        .run(|_| {})
        .expect("run")
    };
    assert_ne!(
        ck.weights.ema, ck.weights.theta,
        "the average lags the iterate"
    );
    assert_eq!(
        sample_with(&store.averaged()),
        sampled,
        "the average is sampled"
    );
    assert_ne!(sample_with(&store), sampled, "the last iterate is not");
    h.send(ImageCommand::Step(2)).expect("send");
    wait(
        "7 steps",
        &|e| matches!(e, ImageEvent::Snapshot(s) if s.step == 7),
    );
    h.send(ImageCommand::Load {
        path: path.clone(),
        source: DatasetSource::Mnist5k,
    })
    .expect("send");
    let loaded = wait(
        "loaded at step 5",
        &|e| matches!(e, ImageEvent::Snapshot(s) if s.step == 5),
    );
    if let ImageEvent::Snapshot(s) = loaded {
        // The checkpoint's own history; no invented loss for the batch that did not run.
        assert!(s.loss.is_none(), "no batch has run since the load");
        assert!(s.images_per_s.is_none());
        assert_eq!(s.history.last().map(|r| r.step), Some(5));
        assert!(s.history.iter().all(|r| r.step <= 5 && r.loss.is_finite()));
        assert_eq!(s.network, 2, "a load is a new network");
    }
    h.send(ImageCommand::Load {
        path: std::env::temp_dir().join("no-such.sfimg"),
        source: DatasetSource::Mnist5k,
    })
    .expect("send");
    match h.next_event(Duration::from_secs(60)) {
        Some(ImageEvent::Error(e)) => assert!(e.contains("no-such.sfimg"), "{e}"),
        other => panic!("expected an error, got {other:?}"),
    }
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_gpu_error_stops_the_worker_with_a_message_and_the_checkpoint_stays() {
    use scorefield::gpu::worker::{ImageCommand, ImageEvent, ImageWorkerHandle};
    use std::time::Duration;
    if setup().is_none() {
        return;
    }
    let h = ImageWorkerHandle::spawn(Arc::new(|| {})).expect("thread");
    let next = || h.next_event(Duration::from_secs(120)).expect("an event");
    assert!(matches!(next(), ImageEvent::Ready { .. }));
    start_mlp(&h, 8, 4, 0);
    assert!(matches!(next(), ImageEvent::Snapshot(_)));
    let path = std::env::temp_dir().join(format!("sf-gpu-error-{}.sfimg", std::process::id()));
    h.send(ImageCommand::Save(path.clone())).expect("send");
    assert!(matches!(next(), ImageEvent::Saved(_)));
    let saved = std::fs::read(&path).expect("checkpoint");
    // 400,000 images of 784 values need buffers past every adapter's size limit: a real GPU
    // validation error, caught by the worker's handler instead of a panic.
    let mut sample = SampleSpec::new(400_000);
    sample.steps_per_level = 1;
    h.send(ImageCommand::Sample(Box::new(sample)))
        .expect("send");
    let stopped = loop {
        match next() {
            ImageEvent::Stopped(m) => break m,
            ImageEvent::Error(_) | ImageEvent::Snapshot(_) => {}
            other => panic!("expected the worker to stop, got {other:?}"),
        }
    };
    assert!(
        stopped.contains("GPU") && stopped.contains("checkpoint is intact"),
        "{stopped}"
    );
    h.send(ImageCommand::Step(1)).expect("send");
    match next() {
        ImageEvent::Error(e) => assert!(e.contains("stopped after a GPU failure"), "{e}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        std::fs::read(&path).expect("checkpoint"),
        saved,
        "the checkpoint is untouched"
    );
    let _ = std::fs::remove_file(&path);
}

/// Asks the worker for a fresh MLP on the embedded digits.
fn start_mlp(
    h: &scorefield::gpu::worker::ImageWorkerHandle,
    hidden: usize,
    batch: usize,
    classes: usize,
) {
    let model = ModelSpec {
        arch: Arch::Mlp { hidden },
        width: 28,
        height: 28,
        classes,
    };
    let mut spec = TrainSpec::new(model);
    spec.batch = batch;
    let source = scorefield::images::DatasetSource::Mnist5k;
    h.send(scorefield::gpu::worker::ImageCommand::Start {
        source,
        spec: Box::new(spec),
    })
    .expect("send");
}
