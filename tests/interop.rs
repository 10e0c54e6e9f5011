//! What a researcher comparing scorefield with other implementations needs, end to end through
//! the binary: the learned field as data, safetensors models, particle-level reproducibility
//! (start points in, every noise draw out) and the standard sampler options.

mod support;

use scorefield::data::{Dataset, preset};
use scorefield::dist::NoiseLevel;
use scorefield::geom::Point;
use scorefield::nn::{
    Activation, Mlp, MlpConfig, NoiseKind, OutputParam, ScoreModel, SigmaEmbedding,
};
use scorefield::sample::{ExactMixtureScore, LearnedScore, ScoreSource};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use support::{bin, csv_header, csv_rows, json, run_err, run_ok, scratch};

/// Trains a small model for a few steps (one thread, so the result is reproducible).
fn train_tiny(out: &Path) {
    run_ok(
        bin()
            .args(["train", "--preset", "ncsn-two-modes", "--objective", "ncsn"])
            .args(["--steps", "30", "--batch", "32", "--hidden", "16,16"])
            .args([
                "--threads",
                "1",
                "--seed",
                "4",
                "--report-every",
                "30",
                "--out",
            ])
            .arg(out),
    );
}

fn field_args(dir: &Path, model: &Path, with_data: bool, name: &str) -> PathBuf {
    let out = dir.join(name);
    let mut cmd = bin();
    cmd.args(["field", "--model"]).arg(model);
    if with_data {
        cmd.args(["--preset", "ncsn-two-modes"]);
    }
    cmd.args([
        "--sigma",
        "0.7",
        "--grid",
        "9",
        "--xlim=-8,8",
        "--ylim=-8,8",
        "--out",
    ])
    .arg(&out);
    run_ok(&mut cmd);
    out
}

#[test]
fn field_writes_the_learned_field_from_either_model_format() {
    let dir = scratch("interop-field");
    let (js, st) = (dir.join("m.json"), dir.join("m.safetensors"));
    train_tiny(&js);
    train_tiny(&st);
    let bytes = std::fs::read(&st).expect("safetensors written");
    assert_eq!(
        bytes[8], b'{',
        "a safetensors file: length, then the JSON header"
    );
    assert_ne!(bytes[0], b'{', "not the JSON model format");

    // The same training in two formats gives the same field, to the last digit.
    let a = field_args(&dir, &js, true, "a.csv");
    let b = field_args(&dir, &st, true, "b.csv");
    assert_eq!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
    assert_eq!(
        csv_header(&a),
        "x,y,log_density,score_x,score_y,exact_score_x,exact_score_y,error"
    );
    let rows = csv_rows(&a);
    assert_eq!(rows.len(), 81);

    // The density and exact score are those of `field` without a model.
    let exact = dir.join("exact.csv");
    run_ok(
        bin()
            .args([
                "field",
                "--preset",
                "ncsn-two-modes",
                "--sigma",
                "0.7",
                "--grid",
                "9",
            ])
            .args(["--xlim=-8,8", "--ylim=-8,8", "--out"])
            .arg(&exact),
    );
    let exact_rows = csv_rows(&exact);
    for (r, e) in rows.iter().zip(&exact_rows) {
        assert_eq!(&r[..3], &e[..3], "x, y, log density");
        assert_eq!([r[5], r[6]], [e[3], e[4]], "the exact score");
        let err = ((r[3] - r[5]).powi(2) + (r[4] - r[6]).powi(2)).sqrt();
        assert!((err - r[7]).abs() <= 1e-12 * (1.0 + err), "error column");
    }
    // A trained network is not the exact score.
    assert!(rows.iter().any(|r| r[7] > 1e-3));

    // Without data: the learned columns only, with the same values.
    let c = field_args(&dir, &st, false, "c.csv");
    assert_eq!(csv_header(&c), "x,y,score_x,score_y");
    for (r, l) in rows.iter().zip(csv_rows(&c)) {
        assert_eq!([r[0], r[1], r[3], r[4]], [l[0], l[1], l[2], l[3]]);
    }

    // The model's score agrees with the library reading the file.
    let model = ScoreModel::load(&st).expect("loads");
    let learned = LearnedScore::new(Arc::new(model));
    let pts: Vec<Point> = rows.iter().map(|r| Point::new(r[0], r[1])).collect();
    let mut s = vec![Point::zeros(); pts.len()];
    learned.score_batch(NoiseLevel::Ve { sigma: 0.7 }, &pts, &mut s);
    for (r, s) in rows.iter().zip(&s) {
        assert_eq!([r[3], r[4]], [s.x, s.y]);
    }

    // Sampling reads safetensors too; a class on an unconditional model is refused by name.
    let report = json(&run_ok(
        bin()
            .args([
                "sample",
                "--preset",
                "ncsn-two-modes",
                "--sampler",
                "annealed-langevin",
            ])
            .args([
                "--particles",
                "16",
                "--steps",
                "3",
                "--levels",
                "3",
                "--score",
            ])
            .arg(format!("model:{}", st.display()))
            .arg("--out")
            .arg(dir.join("s.csv")),
    ));
    assert_eq!(report["score"], "learned");
    let err = run_err(
        bin()
            .args(["field", "--sigma", "1", "--class", "0", "--model"])
            .arg(&st)
            .arg("--out")
            .arg(dir.join("x.csv")),
    );
    assert!(err.contains("not a conditional model"), "{err}");
    // Without a model, data is still required.
    let err = run_err(
        bin()
            .args(["field", "--sigma", "1", "--out"])
            .arg(dir.join("x.csv")),
    );
    assert!(err.contains("--preset"), "{err}");
}

fn random_model(n_classes: usize, output: OutputParam, noise: NoiseKind) -> ScoreModel {
    let config = MlpConfig {
        hidden: vec![12, 7],
        activation: Activation::Softplus,
        embedding: SigmaEmbedding::Sinusoidal { n: 3 },
        n_classes,
        output,
    };
    ScoreModel {
        net: Mlp::new(config, 17),
        noise,
    }
}

#[test]
fn safetensors_round_trips_give_identical_scores_and_damage_is_named() {
    let dir = scratch("interop-roundtrip");
    let models = [
        random_model(0, OutputParam::DivideBySigma, NoiseKind::Ve),
        random_model(3, OutputParam::DivideBySigma, NoiseKind::Ve),
        random_model(
            0,
            OutputParam::Raw,
            NoiseKind::Vp {
                ddpm_steps: 1000,
                beta_1: 1e-4,
                beta_t: 0.02,
            },
        ),
    ];
    let pts: Vec<Point> = (0..40)
        .map(|i| Point::new(0.37 * i as f64 - 7.0, 3.0 - 0.21 * i as f64))
        .collect();
    for (k, model) in models.into_iter().enumerate() {
        let path = dir.join(format!("m{k}.safetensors"));
        model.save(&path).expect("saves");
        let back = ScoreModel::load(&path).expect("loads");
        assert_eq!(back, model, "model {k}");
        let classes = if model.net.config.n_classes > 0 {
            vec![None, Some(2)]
        } else {
            vec![None]
        };
        for class in classes {
            let a = LearnedScore {
                model: Arc::new(model.clone()),
                class,
                cfg_scale: 1.5,
            };
            let b = LearnedScore {
                model: Arc::new(back.clone()),
                class,
                cfg_scale: 1.5,
            };
            for level in [NoiseLevel::Ve { sigma: 0.3 }, NoiseLevel::Vp { abar: 0.6 }] {
                let (mut sa, mut sb) = (vec![Point::zeros(); 40], vec![Point::zeros(); 40]);
                a.score_batch(level, &pts, &mut sa);
                b.score_batch(level, &pts, &mut sb);
                assert_eq!(sa, sb, "model {k}, class {class:?}, {level:?}");
            }
        }
    }
    // A truncated file, a file of another tool and a wrong shape are named errors.
    let good = std::fs::read(dir.join("m0.safetensors")).expect("read");
    let cut = dir.join("cut.safetensors");
    std::fs::write(&cut, &good[..good.len() - 5]).expect("write");
    let err = ScoreModel::load(&cut).expect_err("truncated");
    assert!(err.contains("cut.safetensors"), "{err}");
    let foreign = dir.join("foreign.safetensors");
    let bytes = safetensors_without_metadata();
    std::fs::write(&foreign, bytes).expect("write");
    let err = ScoreModel::load(&foreign).expect_err("foreign");
    assert!(
        err.contains("foreign.safetensors") && err.contains("__metadata__.format"),
        "{err}"
    );
}

/// A valid safetensors file with one tensor and no metadata, written by hand.
fn safetensors_without_metadata() -> Vec<u8> {
    let header = br#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header);
    bytes.extend_from_slice(&1.0f32.to_le_bytes());
    bytes
}

fn read_points(path: &Path) -> Vec<Point> {
    csv_rows(path)
        .iter()
        .map(|r| Point::new(r[0], r[1]))
        .collect()
}

#[test]
fn init_file_reproduces_a_deterministic_run_from_its_first_frame() {
    let dir = scratch("interop-init");
    let (a, traj) = (dir.join("a.csv"), dir.join("t.csv"));
    run_ok(
        bin()
            .args([
                "sample",
                "--preset",
                "ncsn-two-modes",
                "--sampler",
                "pf-ode-heun",
            ])
            .args([
                "--particles",
                "50",
                "--steps",
                "20",
                "--seed",
                "3",
                "--stride",
                "5",
            ])
            .arg("--trajectories")
            .arg(&traj)
            .arg("--out")
            .arg(&a),
    );
    let first: Vec<String> = std::fs::read_to_string(&traj)
        .expect("trajectories")
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("0,"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{},{}", f[2], f[3])
        })
        .collect();
    assert_eq!(first.len(), 50);
    let start = dir.join("start.csv");
    std::fs::write(&start, format!("x,y\n{}\n", first.join("\n"))).expect("write");
    let b = dir.join("b.csv");
    let report = json(&run_ok(
        bin()
            .args([
                "sample",
                "--preset",
                "ncsn-two-modes",
                "--sampler",
                "pf-ode-heun",
            ])
            .args(["--steps", "20", "--seed", "99", "--init-file"])
            .arg(&start)
            .arg("--out")
            .arg(&b),
    ));
    assert_eq!(report["particles"], 50);
    assert_eq!(std::fs::read(&a).expect("a"), std::fs::read(&b).expect("b"));
    assert_eq!(csv_header(&a), "x,y,particle,diverged");
    for (i, r) in csv_rows(&a).iter().enumerate() {
        assert_eq!((r[2], r[3]), (i as f64, 0.0));
    }
    let err = run_err(
        bin()
            .args([
                "sample",
                "--preset",
                "ring8",
                "--sampler",
                "ddim",
                "--particles",
                "7",
            ])
            .arg("--init-file")
            .arg(&start)
            .arg("--out")
            .arg(&b),
    );
    assert!(
        err.contains("--particles 7") && err.contains("start.csv"),
        "{err}"
    );
}

#[test]
fn diverged_particles_are_kept_and_flagged() {
    let dir = scratch("interop-diverged");
    let out = dir.join("a.csv");
    // Huge steps throw every particle out of the escape box.
    let report = json(&run_ok(
        bin()
            .args([
                "sample",
                "--preset",
                "ncsn-two-modes",
                "--sampler",
                "langevin",
            ])
            .args([
                "--particles",
                "10",
                "--steps",
                "5",
                "--eps",
                "1e9",
                "--escape",
                "50",
            ])
            .arg("--out")
            .arg(&out),
    ));
    assert_eq!(report["diverged_fraction"].as_f64(), Some(1.0));
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 10);
    assert!(
        rows.iter()
            .all(|r| r[3] == 1.0 && r[0].is_finite() && r[1].is_finite())
    );
}

fn two_modes() -> scorefield::dist::GaussianMixture {
    match preset("ncsn-two-modes").expect("preset").dataset() {
        Dataset::Mixture(m) => m,
        Dataset::Points(_) => panic!("a mixture"),
    }
}

fn exact_scores(level: NoiseLevel, xs: &[Point]) -> Vec<Point> {
    let m = two_modes();
    let mut out = vec![Point::zeros(); xs.len()];
    ExactMixtureScore { mixture: &m }.score_batch(level, xs, &mut out);
    out
}

#[test]
fn noise_out_lets_another_implementation_replay_langevin() {
    let dir = scratch("interop-noise");
    let start = dir.join("start.csv");
    std::fs::write(&start, "x,y\n-4,-6\n0.5,0.25\n6,4\n-1,3\n").expect("write");
    let (out, noise) = (dir.join("a.csv"), dir.join("z.csv"));
    let (eps, steps) = (0.05, 6);
    run_ok(
        bin()
            .args([
                "sample",
                "--preset",
                "ncsn-two-modes",
                "--sampler",
                "langevin",
            ])
            .args([
                "--eps",
                "0.05",
                "--steps",
                "6",
                "--seed",
                "11",
                "--init-file",
            ])
            .arg(&start)
            .arg("--noise-out")
            .arg(&noise)
            .arg("--out")
            .arg(&out),
    );
    assert_eq!(csv_header(&noise), "step,particle,z_x,z_y");
    let z = csv_rows(&noise);
    assert_eq!(z.len(), 4 * steps);
    // x <- x + (eps/2) s(x) + sqrt(eps) z with the clean exact score (MATH §4.2, §8).
    let mut xs = read_points(&start);
    for step in 0..steps {
        let s = exact_scores(NoiseLevel::CLEAN, &xs);
        for (i, x) in xs.iter_mut().enumerate() {
            let r = &z[step * 4 + i];
            assert_eq!((r[0], r[1]), (step as f64, i as f64));
            *x += s[i] * (0.5 * eps) + Point::new(r[2], r[3]) * eps.sqrt();
        }
    }
    for (x, y) in xs.iter().zip(read_points(&out)) {
        assert!((x - y).norm() < 1e-12, "{x:?} vs {y:?}");
    }
    // A deterministic sampler draws nothing.
    run_ok(
        bin()
            .args([
                "sample",
                "--preset",
                "ring8",
                "--sampler",
                "ddim",
                "--particles",
                "3",
            ])
            .arg("--noise-out")
            .arg(&noise)
            .arg("--out")
            .arg(&out),
    );
    assert_eq!(csv_rows(&noise).len(), 0);
}

fn sample_report(dir: &Path, name: &str, args: &[&str]) -> (serde_json::Value, Vec<Point>) {
    let out = dir.join(name);
    let report = json(&run_ok(
        bin()
            .args([
                "sample",
                "--preset",
                "ring8",
                "--particles",
                "64",
                "--seed",
                "5",
            ])
            .args(args)
            .arg("--out")
            .arg(&out),
    ));
    (report, read_points(&out))
}

fn max_gap(a: &[Point], b: &[Point]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(a, b)| (a - b).norm())
        .fold(0.0, f64::max)
}

#[test]
fn ddim_eta_and_ddpm_variance_follow_the_standard_definitions() {
    let dir = scratch("interop-vp");
    let (ddim, a) = sample_report(
        &dir,
        "a.csv",
        &["--sampler", "ddim", "--steps", "50", "--eta", "1"],
    );
    let (ddpm, b) = sample_report(
        &dir,
        "b.csv",
        &[
            "--sampler",
            "ddpm",
            "--steps",
            "50",
            "--variance",
            "posterior",
        ],
    );
    let (plain, c) = sample_report(&dir, "c.csv", &["--sampler", "ddpm", "--steps", "50"]);
    let (det, d) = sample_report(&dir, "d.csv", &["--sampler", "ddim", "--steps", "50"]);
    // DDIM with eta = 1 is DDPM with the posterior variance, draw for draw.
    assert!(max_gap(&a, &b) < 1e-9, "{}", max_gap(&a, &b));
    assert!(max_gap(&b, &c) > 1e-3 && max_gap(&a, &d) > 1e-3);
    assert_eq!(ddim["params"]["eta"], 1.0);
    assert_eq!(det["params"]["eta"], 0.0);
    assert_eq!(ddpm["params"]["variance"], "posterior");
    assert_eq!(plain["params"]["variance"], "beta");
    assert_eq!(plain["params"]["spacing"], "trailing");

    let (lead, e) = sample_report(
        &dir,
        "e.csv",
        &["--sampler", "ddim", "--steps", "10", "--spacing", "leading"],
    );
    let (trail, f) = sample_report(&dir, "f.csv", &["--sampler", "ddim", "--steps", "10"]);
    assert_eq!(lead["params"]["spacing"], "leading");
    assert_eq!(trail["params"]["spacing"], "trailing");
    assert!(max_gap(&e, &f) > 1e-3);
}

#[test]
fn corrector_rule_changes_pc_vp_and_misplaced_options_are_refused() {
    let dir = scratch("interop-pc");
    let (paper, a) = sample_report(&dir, "a.csv", &["--sampler", "pc-vp", "--steps", "30"]);
    let (code, b) = sample_report(
        &dir,
        "b.csv",
        &[
            "--sampler",
            "pc-vp",
            "--steps",
            "30",
            "--corrector-rule",
            "one-minus-beta",
        ],
    );
    assert_eq!(paper["params"]["corrector_rule"], "abar");
    assert_eq!(code["params"]["corrector_rule"], "one-minus-beta");
    assert!(max_gap(&a, &b) > 1e-3);
    for (args, flag) in [
        (
            vec!["--sampler", "pc", "--corrector-rule", "abar"],
            "--corrector-rule",
        ),
        (vec!["--sampler", "ddpm", "--eta", "0.5"], "--eta"),
        (vec!["--sampler", "ddim", "--eta", "1.5"], "--eta"),
        (
            vec!["--sampler", "langevin", "--spacing", "leading"],
            "--spacing",
        ),
        (
            vec!["--sampler", "ddim", "--variance", "posterior"],
            "--variance",
        ),
        (vec!["--sampler", "ddim", "--spacing", "middle"], "middle"),
    ] {
        let err = run_err(
            bin()
                .args(["sample", "--preset", "ring8"])
                .args(&args)
                .arg("--out")
                .arg(dir.join("x.csv")),
        );
        assert!(err.contains(flag), "{args:?}: {err}");
    }
}

#[test]
fn denoise_takes_one_tweedie_step_at_the_final_level() {
    let dir = scratch("interop-denoise");
    let common = [
        "--sampler",
        "annealed-langevin",
        "--sigma-min",
        "0.5",
        "--sigma-max",
        "5",
        "--levels",
        "3",
        "--steps",
        "5",
    ];
    let run = |name: &str, extra: &[&str]| {
        let out = dir.join(name);
        let report = json(&run_ok(
            bin()
                .args(["sample", "--preset", "ncsn-two-modes", "--particles", "32"])
                .args(common)
                .args(extra)
                .arg("--out")
                .arg(&out),
        ));
        (report, read_points(&out))
    };
    let (plain, a) = run("a.csv", &[]);
    let (denoised, b) = run("b.csv", &["--denoise"]);
    assert_eq!(plain["params"]["denoise"], false);
    assert_eq!(denoised["params"]["denoise"], true);
    assert_eq!(denoised["params"]["denoise_sigma"], 0.5);
    // Tweedie at sigma_min (MATH §5): x + sigma^2 s(x, sigma).
    let s = exact_scores(NoiseLevel::Ve { sigma: 0.5 }, &a);
    for ((x, s), y) in a.iter().zip(&s).zip(&b) {
        let expected = x + s * 0.25;
        assert!((expected - y).norm() < 1e-12, "{expected:?} vs {y:?}");
    }
}

/// The reused inference workspace gives every chunk its own answer: chunks of changing sizes
/// and two models of different widths, interleaved on one thread, score as each point alone
/// does.
#[test]
fn reused_inference_workspaces_score_like_fresh_ones() {
    let wide = {
        let mut m = random_model(0, OutputParam::DivideBySigma, NoiseKind::Ve);
        m.net = Mlp::new(
            MlpConfig {
                hidden: vec![33, 9],
                ..m.net.config.clone()
            },
            5,
        );
        m
    };
    let models = [
        Arc::new(random_model(0, OutputParam::DivideBySigma, NoiseKind::Ve)),
        Arc::new(wide),
    ];
    let xs: Vec<Point> = (0..300)
        .map(|i| Point::new(0.05 * i as f64 - 7.0, (0.37 * i as f64).sin() * 3.0))
        .collect();
    let level = NoiseLevel::Ve { sigma: 0.7 };
    let alone = |model: &Arc<ScoreModel>| -> Vec<Point> {
        xs.iter()
            .map(|x| {
                let mut o = [Point::zeros()];
                LearnedScore::new(model.clone()).score_batch(
                    level,
                    std::slice::from_ref(x),
                    &mut o,
                );
                o[0]
            })
            .collect()
    };
    let expected = [alone(&models[0]), alone(&models[1])];
    for chunk in [256, 7, 256, 300, 1] {
        for (model, want) in models.iter().zip(&expected) {
            let source = LearnedScore::new(model.clone());
            let mut got = vec![Point::zeros(); xs.len()];
            for (x, o) in xs.chunks(chunk).zip(got.chunks_mut(chunk)) {
                source.score_batch(level, x, o);
            }
            for (g, w) in got.iter().zip(want) {
                assert!(
                    (g - w).norm() <= 1e-5 * (1.0 + w.norm()),
                    "chunk {chunk}: {g} vs {w}"
                );
            }
        }
    }
}
