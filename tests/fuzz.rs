//! A seeded mutation fuzzer over every file the program reads: sessions, score models (JSON and
//! safetensors), mixtures, playlists and image checkpoints. Each valid file is mutated many
//! times, as bytes (flips, cuts, insertions, repeats) and as a JSON tree (a node replaced by an
//! extreme number, a wrong type, a long or hostile string, deleted, or given a stranger), then
//! loaded. Every case must end without a panic: either an error that names the file, or a file
//! that loads and then runs a bounded amount of work without trouble.
//!
//! `SCOREFIELD_FUZZ_SEED=N cargo test --test fuzz -- --nocapture` runs other cases than CI's.

use scorefield::data::Dataset;
use scorefield::data::mixture_file::{load_mixture_file, mixture_to_json};
use scorefield::dist::NoiseLevel;
use scorefield::geom::Point;
use scorefield::gpu::checkpoint::{Checkpoint, CheckpointHeader, LossRecord};
use scorefield::gpu::models::{Arch, ModelSpec};
use scorefield::gpu::params::{Init, ParamLayout, Weights};
use scorefield::gpu::pixel_prior::PixelPrior;
use scorefield::gpu::train_schedule::LevelWeighting;
use scorefield::nn::{
    Activation, Mlp, MlpConfig, NoiseKind, OutputParam, ScoreModel, SigmaEmbedding,
};
use scorefield::noise::StreamRng;
use scorefield::sample::{DataInfo, LearnedScore, Plan, SamplerRun, reference_source};
use scorefield::session::Session;
use scorefield::session::playlist::load_playlist;
use serde_json::Value;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Mutated cases per valid file.
const CASES_PER_FILE: usize = 1000;

/// The seed offset: 0 in CI (reproducible); `SCOREFIELD_FUZZ_SEED=N` explores other cases.
fn seed_offset() -> u64 {
    std::env::var("SCOREFIELD_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

struct Rng(StreamRng);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        ((self.0.uniform() * n as f64) as usize).min(n.saturating_sub(1))
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const NUMBERS: [&str; 16] = [
    "0",
    "-1",
    "1e308",
    "-1e308",
    "1e-320",
    "4294967297",
    "18446744073709551615",
    "1e19",
    "0.5",
    "2",
    "100000",
    "1000000000",
    "-0",
    "3.5",
    "1e6",
    "65537",
];

fn hostile_string(rng: &mut Rng) -> Value {
    let long = "x".repeat(10_000);
    let options = [
        "",
        "NaN",
        "inf",
        "/dev/zero",
        "lecture:nope",
        "lecture:langevin-vs-annealed",
        "ddpm",
        "ncsn",
        "sin1000000",
        "silu",
        "../../etc/passwd",
        "ring8",
        long.as_str(),
    ];
    Value::String(rng.pick(&options).to_string())
}

fn random_value(rng: &mut Rng) -> Value {
    match rng.below(7) {
        0..=2 => {
            let text: &&str = rng.pick(&NUMBERS);
            serde_json::from_str(text).expect("number")
        }
        3 => hostile_string(rng),
        4 => Value::Bool(rng.below(2) == 0),
        5 => Value::Null,
        _ => Value::Array(vec![serde_json::json!(1e308); rng.below(4)]),
    }
}

/// Every node of a JSON tree, as JSON pointers.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                pointers(
                    c,
                    format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(a) => {
            // A few elements of each array, so that settings and headers are hit as often as data.
            for (i, c) in a.iter().enumerate().take(3) {
                pointers(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn mutate_tree(text: &[u8], rng: &mut Rng) -> Vec<u8> {
    let Ok(mut doc) = serde_json::from_slice::<Value>(text) else {
        return mutate_bytes(text, rng);
    };
    let mut all = Vec::new();
    pointers(&doc, String::new(), &mut all);
    for _ in 0..1 + rng.below(3) {
        let at = rng.pick(&all).clone();
        let parent_at = at.rsplit_once('/').map(|(p, _)| p.to_string());
        let key = at.rsplit('/').next().unwrap_or_default().to_string();
        match rng.below(4) {
            0 | 1 => {
                if let Some(node) = doc.pointer_mut(&at) {
                    *node = random_value(rng);
                }
            }
            2 => {
                if let Some(Value::Object(m)) =
                    parent_at.as_deref().and_then(|p| doc.pointer_mut(p))
                {
                    m.remove(&key);
                }
            }
            _ => {
                if let Some(Value::Object(m)) = doc.pointer_mut(&at) {
                    m.insert("stranger".into(), random_value(rng));
                }
            }
        }
    }
    serde_json::to_vec(&doc).expect("serialises")
}

fn mutate_bytes(bytes: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len().max(1));
        match rng.below(5) {
            0 if !b.is_empty() => b[at] ^= 1 << rng.below(8),
            1 => b.truncate(at),
            2 => {
                let junk: Vec<u8> = (0..1 + rng.below(16))
                    .map(|_| rng.below(256) as u8)
                    .collect();
                b.splice(at.min(b.len())..at.min(b.len()), junk);
            }
            3 if !b.is_empty() => {
                let end = (at + 1 + rng.below(64)).min(b.len());
                let chunk = b[at..end].to_vec();
                b.splice(at..at, chunk.iter().copied().cycle().take(chunk.len() * 3));
            }
            _ if !b.is_empty() => b[at] = *rng.pick(b"{}[],:\"0-e9\\\x00\xff"),
            _ => {}
        }
    }
    b
}

/// What a loaded file must survive: a bounded amount of real work.
type Check = fn(&Path) -> Result<(), String>;

fn check_session(path: &Path) -> Result<(), String> {
    let s = Session::load(path)?;
    let data = s.dataset()?;
    let settings = s.settings.sampler_settings(s.settings.sampler_a);
    let source = reference_source(&data);
    let plan = Plan::build(&settings, &DataInfo::of(&data), source.as_ref())?;
    let mut run = SamplerRun::new(plan, s.settings.particles.min(32), s.settings.seed);
    run.advance(source.as_ref(), 50);
    assert!(run.positions().iter().all(scorefield::geom::is_finite));
    if let Some(model) = s.model {
        scores_of(model);
    }
    Ok(())
}

fn scores_of(model: ScoreModel) {
    let source = LearnedScore::new(Arc::new(model));
    let xs = [
        Point::new(0.0, 0.0),
        Point::new(3.0, -2.0),
        Point::new(-1e3, 1e3),
    ];
    let mut out = [Point::zeros(); 3];
    use scorefield::sample::ScoreSource;
    source.score_batch(NoiseLevel::Ve { sigma: 0.5 }, &xs, &mut out);
    source.score_batch(NoiseLevel::Vp { abar: 0.3 }, &xs, &mut out);
}

fn check_model(path: &Path) -> Result<(), String> {
    scores_of(ScoreModel::load(path)?);
    Ok(())
}

fn check_mixture(path: &Path) -> Result<(), String> {
    let m = load_mixture_file(path).map_err(|e| e.to_string())?;
    let data = Dataset::Mixture(m);
    let xs = [
        Point::new(0.0, 0.0),
        Point::new(1e6, -1e6),
        Point::new(5.0, 5.0),
    ];
    for level in [
        NoiseLevel::CLEAN,
        NoiseLevel::Ve { sigma: 3.0 },
        NoiseLevel::Vp { abar: 0.2 },
    ] {
        for (l, s) in data.reference_field(level, &xs) {
            assert!(
                l.is_finite() && scorefield::geom::is_finite(&s),
                "{l} {s:?} at {level:?}"
            );
        }
    }
    Ok(())
}

fn check_playlist(path: &Path) -> Result<(), String> {
    for entry in load_playlist(path)? {
        entry.session()?;
    }
    Ok(())
}

fn check_checkpoint(path: &Path) -> Result<(), String> {
    let c = Checkpoint::load(path)?;
    assert_eq!(c.weights.theta.len(), c.header.layout.total);
    assert_eq!(c.weights.ema.len(), c.header.layout.total);
    // A loaded prior is usable by the skip kernel: one finite mean and variance >= 0 per pixel.
    let p = c.header.prior();
    let pixels = c.header.model.pixels();
    assert_eq!((p.mean.len(), p.variance.len()), (pixels, pixels));
    assert!(p.mean.iter().all(|m| m.is_finite()));
    assert!(p.variance.iter().all(|v| v.is_finite() && *v >= 0.0));
    Ok(())
}

fn valid_model() -> ScoreModel {
    let config = MlpConfig {
        hidden: vec![8, 8],
        activation: Activation::Silu,
        embedding: SigmaEmbedding::Sinusoidal { n: 2 },
        n_classes: 2,
        output: OutputParam::DivideBySigma,
    };
    ScoreModel {
        net: Mlp::new(config, 3),
        noise: NoiseKind::Ve,
    }
}

fn valid_checkpoint() -> Vec<u8> {
    let mut layout = ParamLayout::default();
    layout.add("w", &[4, 3], Init::Const(0.0));
    layout.add("b", &[4], Init::Const(0.0));
    let n = layout.total;
    let header = CheckpointHeader {
        model: ModelSpec {
            arch: Arch::Mlp { hidden: 4 },
            width: 2,
            height: 2,
            classes: 0,
        },
        sigmas: vec![5.0, 1.0, 0.1],
        mean: vec![0.5; 4],
        step: 10,
        data: "mnist5k".into(),
        batch: 8,
        lr: 1e-3,
        seed: 0,
        p_uncond: 0.0,
        weighting: LevelWeighting::Balanced,
        warmup_steps: 100,
        layout,
        ema: true,
        prior: Some(PixelPrior {
            mean: vec![0.1; 4],
            variance: vec![0.0, 0.01, 0.1, 0.2],
        }),
        history: vec![
            LossRecord {
                step: 5,
                loss: 2.0,
                held_out: Some(2.5),
                held_out_averaged: Some(2.4),
            },
            LossRecord {
                step: 10,
                loss: 1.5,
                held_out: None,
                held_out_averaged: None,
            },
        ],
    };
    let mut weights = Weights::fresh(vec![0.1; n]);
    weights.ema = vec![0.2; n];
    let c = Checkpoint { header, weights };
    c.to_bytes().expect("bytes")
}

struct Outcome {
    accepted: usize,
    refused: usize,
}

fn fuzz(kind: &str, file_name: &str, valid: &[u8], json: bool, check: Check, seed: u64) -> Outcome {
    let dir = std::env::temp_dir().join(format!("scorefield-fuzz-{kind}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    // A session beside the playlist, for its file entries.
    std::fs::write(
        dir.join("one.json"),
        scorefield::session::lectures::lecture("langevin-vs-annealed")
            .map(|l| l.session().to_json())
            .unwrap_or_default(),
    )
    .expect("write");
    let path: PathBuf = dir.join(file_name);
    let mut rng = Rng(StreamRng::from_seed(seed.wrapping_add(seed_offset() << 8)));
    let mut outcome = Outcome {
        accepted: 0,
        refused: 0,
    };
    let mut failures = Vec::new();
    std::fs::write(&path, valid).expect("write");
    assert!(
        check(&path).is_ok(),
        "{kind}: the valid file must load: {:?}",
        check(&path)
    );
    for case in 0..CASES_PER_FILE {
        let bytes = if json && rng.below(3) > 0 {
            mutate_tree(valid, &mut rng)
        } else {
            mutate_bytes(valid, &mut rng)
        };
        std::fs::write(&path, &bytes).expect("write");
        match catch_unwind(AssertUnwindSafe(|| check(&path))) {
            Ok(Ok(())) => outcome.accepted += 1,
            Ok(Err(e)) if e.contains(file_name) => outcome.refused += 1,
            Ok(Err(e)) => failures.push(format!("case {case}: error without the file name: {e}")),
            Err(_) => {
                let keep = dir.join(format!("panic-{case}-{file_name}"));
                std::fs::write(&keep, &bytes).expect("keep");
                failures.push(format!(
                    "case {case}: panic; input kept at {}",
                    keep.display()
                ));
            }
        }
    }
    println!(
        "{kind}: {CASES_PER_FILE} cases, {} loaded and ran, {} refused with a named error, {} failures",
        outcome.accepted,
        outcome.refused,
        failures.len()
    );
    assert!(failures.is_empty(), "{kind}:\n{}", failures.join("\n"));
    outcome
}

#[test]
fn mutated_sessions_never_panic() {
    let lecture = scorefield::session::lectures::lecture("langevin-vs-annealed").expect("lecture");
    let mut session = lecture.session();
    session.model = Some(valid_model());
    let o = fuzz(
        "session",
        "s.json",
        session.to_json().as_bytes(),
        true,
        check_session,
        1,
    );
    assert!(
        o.refused > 0 && o.accepted > 0,
        "the mutations reach both outcomes"
    );
}

#[test]
fn mutated_models_never_panic() {
    let model = valid_model();
    fuzz(
        "model",
        "m.json",
        model.to_json().as_bytes(),
        true,
        check_model,
        2,
    );
    let st = model.to_safetensors().expect("safetensors");
    fuzz("safetensors", "m.safetensors", &st, false, check_model, 3);
}

#[test]
fn mutated_mixtures_never_panic() {
    let m = match scorefield::data::preset("three-anisotropic")
        .expect("preset")
        .dataset()
    {
        Dataset::Mixture(m) => m,
        Dataset::Points(_) => panic!("a mixture"),
    };
    fuzz(
        "mixture",
        "mix.json",
        mixture_to_json(&m).as_bytes(),
        true,
        check_mixture,
        4,
    );
}

#[test]
fn mutated_playlists_never_panic() {
    let playlist = br#"{"format": "scorefield-playlist", "version": 1, "sessions": ["one.json", "lecture:langevin-vs-annealed", "lecture:tweedie"]}"#;
    fuzz("playlist", "p.json", playlist, true, check_playlist, 5);
}

#[test]
fn mutated_checkpoints_never_panic() {
    fuzz(
        "checkpoint",
        "c.ckpt",
        &valid_checkpoint(),
        false,
        check_checkpoint,
        6,
    );
}

/// `valid_checkpoint()` with its JSON header passed through `edit`.
fn checkpoint_with_header(edit: impl Fn(&mut serde_json::Map<String, Value>)) -> Vec<u8> {
    let bytes = valid_checkpoint();
    let len = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")) as usize;
    let mut header: Value = serde_json::from_slice(&bytes[16..16 + len]).expect("header");
    edit(header.as_object_mut().expect("an object"));
    let text = serde_json::to_vec(&header).expect("json");
    let mut out = bytes[..8].to_vec();
    out.extend((text.len() as u64).to_le_bytes());
    out.extend(text);
    out.extend(&bytes[16 + len..]);
    out
}

#[test]
fn checkpoints_keep_the_level_weighting_and_warm_up_and_older_files_read_as_before() {
    let ck = Checkpoint::from_bytes(&valid_checkpoint(), "new.sfimg").expect("valid");
    assert_eq!(ck.header.weighting, LevelWeighting::Balanced);
    assert_eq!(ck.header.warmup_steps, 100);
    let old = checkpoint_with_header(|h| {
        h.remove("weighting");
        h.remove("warmup_steps");
    });
    let ck = Checkpoint::from_bytes(&old, "old.sfimg").expect("an older file loads");
    assert_eq!(ck.header.weighting, LevelWeighting::SigmaSquared);
    assert_eq!(ck.header.warmup_steps, 0);
    for (key, value, says) in [
        ("warmup_steps", serde_json::json!(1u64 << 40), "warm-up of"),
        ("weighting", serde_json::json!("edm"), "bad header"),
    ] {
        let bad = checkpoint_with_header(|h| {
            h.insert(key.into(), value.clone());
        });
        let e = Checkpoint::from_bytes(&bad, "bad.sfimg").expect_err("refused");
        assert!(e.contains("bad.sfimg") && e.contains(says), "{key}: {e}");
    }
}
