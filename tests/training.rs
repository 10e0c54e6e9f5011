//! Training end to end: convergence to the exact score, the learned score in a sampler, the NaN
//! guard, model files, and the worker thread's command protocol.

use scorefield::data::{Dataset, preset};
use scorefield::dist::{Gaussian2, GaussianMixture, NoiseLevel, SigmaSchedule};
use scorefield::geom::Point;
use scorefield::metrics::{mode_report, relative_fisher};
use scorefield::nn::{ScoreModel, SigmaEmbedding};
use scorefield::sample::{
    DataInfo, LearnedScore, Plan, SamplerKind, SamplerRun, SamplerSettings, ScoreSource,
};
use scorefield::train::{
    NoiseSpec, TrainConfig, Trainer, TrainerCommand, TrainerEvent, TrainerHandle,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn mixture(name: &str) -> GaussianMixture {
    match preset(name).expect("preset").dataset() {
        Dataset::Mixture(m) => m,
        Dataset::Points(_) => unreachable!("{name} is a mixture"),
    }
}

fn train(config: TrainConfig, data: Dataset, steps: usize) -> Trainer {
    let mut t = Trainer::new(config, data).expect("valid config");
    for _ in 0..steps {
        t.step();
    }
    t
}

/// NCSN DSM on ring8 (levels 8 -> 0.1, sin4 embedding, lr 3e-3) reaches a mean relative Fisher
/// divergence <= 0.1 over its levels. (With sigma_min = 0.01 the smallest levels are
/// noise-dominated and need far longer; see the README.)
#[test]
fn ncsn_on_ring8_learns_the_score_at_every_level() {
    let ring8 = mixture("ring8");
    let schedule = SigmaSchedule::geometric(8.0, 0.1, 10).expect("schedule");
    let mut config = TrainConfig::ncsn_default(schedule.clone());
    config.lr = 3e-3;
    config.embedding = SigmaEmbedding::Sinusoidal { n: 4 };
    config.threads = 2;
    let t = train(config, Dataset::Mixture(ring8.clone()), 2000);
    let source = LearnedScore::new(Arc::new(t.model()));
    let per_level = relative_fisher(&source, &ring8, schedule.sigmas(), 2000, 1);
    let mean = per_level.iter().sum::<f64>() / per_level.len() as f64;
    assert!(
        mean <= 0.1,
        "mean relative Fisher {mean}, per level {per_level:?}"
    );
}

/// DSM at one sigma on N(mu, s^2 I) learns -(x - mu) / (s^2 + sigma^2).
#[test]
fn dsm_on_one_gaussian_learns_the_smoothed_score() {
    let (mu, s2, sigma) = (Point::new(1.0, -0.5), 0.5, 0.7);
    let g = GaussianMixture::new(vec![Gaussian2::isotropic(mu, s2)], &[1.0]);
    let mut config = TrainConfig::ncsn_default(SigmaSchedule::geometric(1.0, 0.5, 2).expect("s"));
    config.noise = NoiseSpec::Single { sigma };
    config.hidden = vec![32, 32];
    config.lr = 3e-3;
    let t = train(config, Dataset::Mixture(g), 1500);
    let source = LearnedScore::new(Arc::new(t.model()));
    let xs: Vec<Point> = (0..25)
        .map(|i| mu + Point::new((i % 5) as f64 - 2.0, (i / 5) as f64 - 2.0) * 0.5)
        .collect();
    let mut s = vec![Point::zeros(); xs.len()];
    source.score_batch(NoiseLevel::Ve { sigma }, &xs, &mut s);
    for (x, s) in xs.iter().zip(&s) {
        let want = -(x - mu) / (s2 + sigma * sigma);
        assert!(
            (s - want).norm() < 0.12 * (1.0 + want.norm()),
            "at {x:?}: {s:?} vs {want:?}"
        );
    }
}

/// Annealed Langevin with the learned score recovers the ncsn-two-modes weights.
#[test]
fn annealed_langevin_with_the_learned_score_recovers_the_weights() {
    let m = mixture("ncsn-two-modes");
    let data = Dataset::Mixture(m.clone());
    let schedule = SigmaSchedule::geometric(20.0, 0.1, 10).expect("schedule");
    let mut config = TrainConfig::ncsn_default(schedule);
    config.lr = 3e-3;
    config.threads = 2;
    let t = train(config, data.clone(), 1500);
    let source = LearnedScore::new(Arc::new(t.model()));
    let settings = SamplerSettings {
        sigma_min: Some(0.1),
        sigma_max: Some(20.0),
        eps: Some(0.2 * 0.1 * 0.1),
        ..SamplerSettings::new(SamplerKind::AnnealedLangevin)
    };
    let plan = Plan::build(&settings, &DataInfo::of(&data), &source).expect("plan");
    let mut run = SamplerRun::new(plan, 2000, 5);
    run.run_to_end(&source, None);
    let report = mode_report(&m, run.positions(), run.alive());
    assert!(
        report.tv <= 0.05,
        "fractions {:?}, TV {}",
        report.mode_fractions,
        report.tv
    );
    assert_eq!(report.diverged_fraction, 0.0);
}

/// A learning rate of 10 blows up; the guard rolls back, halves the rate, and training goes on
/// with finite parameters.
#[test]
fn the_nan_guard_rolls_back_and_training_continues() {
    let mut config = TrainConfig::ncsn_default(SigmaSchedule::geometric(8.0, 0.01, 10).expect("s"));
    config.lr = 10.0;
    let mut t = Trainer::new(config, preset("ring8").expect("p").dataset()).expect("valid");
    let mut rollbacks = 0;
    for _ in 0..300 {
        let outcome = t.step();
        if outcome.rolled_back.is_some() {
            rollbacks += 1;
        }
        assert!(
            t.net().is_finite(),
            "non-finite parameters after step {}",
            outcome.step
        );
    }
    assert!(rollbacks >= 1, "lr = 10 never triggered the guard");
    assert!(t.lr() < 10.0);
    let last = t.step();
    assert!(
        last.loss.is_finite(),
        "training did not recover: loss {}",
        last.loss
    );
}

#[test]
fn save_then_load_gives_identical_scores() {
    let mut config = TrainConfig::ncsn_default(SigmaSchedule::geometric(8.0, 0.1, 5).expect("s"));
    config.hidden = vec![16, 16];
    config.conditional = true;
    let t = train(config, preset("ring8").expect("p").dataset(), 20);
    let model = t.model();
    let dir = std::env::temp_dir().join(format!("scorefield-model-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("m.json");
    model.save(&path).expect("save");
    let loaded = ScoreModel::load(&path).expect("load");
    assert_eq!(loaded, model);
    let xs: Vec<Point> = (0..50)
        .map(|i| Point::new(i as f64 * 0.1 - 2.5, 1.0))
        .collect();
    for class in [None, Some(3)] {
        let (mut a, mut b) = (vec![Point::zeros(); 50], vec![Point::zeros(); 50]);
        let mk = |m: &ScoreModel| LearnedScore {
            model: Arc::new(m.clone()),
            class,
            cfg_scale: 2.0,
        };
        mk(&model).score_batch(NoiseLevel::Ve { sigma: 0.3 }, &xs, &mut a);
        mk(&loaded).score_batch(NoiseLevel::Ve { sigma: 0.3 }, &xs, &mut b);
        assert_eq!(a, b);
    }
    // Bad model files name the file and what is wrong.
    let bad = dir.join("bad.json");
    std::fs::write(
        &bad,
        model.to_json().replace("\"version\":1", "\"version\":7"),
    )
    .expect("write");
    let err = ScoreModel::load(&bad).expect_err("wrong version");
    assert!(
        err.contains("bad.json") && err.contains("version 7"),
        "{err}"
    );
    std::fs::write(&bad, &model.to_json()[..100]).expect("write");
    let err = ScoreModel::load(&bad).expect_err("truncated");
    assert!(err.contains("bad.json: line 1"), "{err}");
}

fn wait_for<F: Fn(&TrainerEvent) -> bool>(h: &TrainerHandle, what: &str, f: F) -> TrainerEvent {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Some(e) = h.next_event(Duration::from_millis(100))
            && f(&e)
        {
            return e;
        }
    }
    panic!("timed out waiting for {what}");
}

fn snapshot_step(e: &TrainerEvent) -> Option<u64> {
    match e {
        TrainerEvent::Snapshot(s) => Some(s.step),
        _ => None,
    }
}

#[test]
fn the_worker_runs_pauses_steps_and_resets() {
    let mut config = TrainConfig::ncsn_default(SigmaSchedule::geometric(8.0, 0.1, 5).expect("s"));
    config.hidden = vec![16, 16];
    config.batch = 64;
    let data = preset("ring8").expect("p").dataset();
    let woken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let w = woken.clone();
    let h = TrainerHandle::spawn(
        config.clone(),
        data.clone(),
        Arc::new(move || {
            w.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }),
    )
    .expect("spawn");
    assert_eq!(
        snapshot_step(&wait_for(&h, "first snapshot", |e| snapshot_step(e).is_some())),
        Some(0)
    );
    h.send(TrainerCommand::Step(25)).expect("send");
    wait_for(&h, "25 steps", |e| snapshot_step(e) == Some(25));
    h.send(TrainerCommand::Run).expect("send");
    wait_for(&h, "running", |e| snapshot_step(e).is_some_and(|s| s > 100));
    h.send(TrainerCommand::Pause).expect("send");
    let paused_at = snapshot_step(&wait_for(
        &h,
        "pause",
        |e| matches!(e, TrainerEvent::Snapshot(s) if !s.running),
    ))
    .expect("step");
    std::thread::sleep(Duration::from_millis(300));
    let later: Vec<u64> = h.drain_events().iter().filter_map(snapshot_step).collect();
    assert!(
        later.iter().all(|s| *s == paused_at),
        "steps moved while paused: {later:?}"
    );
    h.send(TrainerCommand::SetLr(-1.0)).expect("send");
    wait_for(
        &h,
        "an error for a bad lr",
        |e| matches!(e, TrainerEvent::Error(m) if m.contains("learning rate")),
    );
    h.send(TrainerCommand::Reset(Box::new(config), Box::new(data)))
        .expect("send");
    wait_for(&h, "reset", |e| snapshot_step(e) == Some(0));
    assert!(
        woken.load(std::sync::atomic::Ordering::Relaxed) > 3,
        "the UI was not woken"
    );
    drop(h); // joins the thread
}
