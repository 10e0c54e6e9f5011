//! End-to-end runs of the `scorefield` binary: every subcommand on small inputs, output parsed
//! and checked; bad arguments and bad files give errors that name what is wrong.

mod support;

use support::{bin, csv_rows, json, run_err, run_ok, scratch};

#[test]
fn presets_lists_every_data_set() {
    let out = run_ok(bin().arg("presets"));
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "ncsn-two-modes",
        "ring8",
        "grid25",
        "three-anisotropic",
        "two-moons",
        "rings",
        "spiral",
        "checkerboard",
        "circle",
    ] {
        assert!(text.lines().any(|l| l.starts_with(name)), "{name} missing");
    }
}

#[test]
fn field_writes_the_exact_grid() {
    let dir = scratch("field");
    let out = dir.join("f.csv");
    run_ok(
        bin()
            .args([
                "field",
                "--preset",
                "ncsn-two-modes",
                "--sigma",
                "0.5",
                "--grid",
                "9",
            ])
            .args(["--xlim", "-8,8", "--ylim=-6,6", "--out"])
            .arg(&out),
    );
    let header = std::fs::read_to_string(&out).expect("csv");
    assert!(header.starts_with("x,y,log_density,score_x,score_y\n"));
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 81);
    assert_eq!((rows[0][0], rows[0][1]), (-8.0, -6.0));
    assert_eq!((rows[80][0], rows[80][1]), (8.0, 6.0));
    // Near the (-5,-5) mode the score points to the mode: at (-8,-6), both components positive.
    assert!(rows[0][3] > 0.0 && rows[0][4] > 0.0);
    // At a mode centre far from the other, score ~ 0 and the density is highest near it.
    let best = rows
        .iter()
        .max_by(|a, b| a[2].total_cmp(&b[2]))
        .expect("rows");
    assert!(
        (best[0] + 4.0).abs() <= 2.0 && (best[1] + 4.5).abs() <= 1.5,
        "{best:?}"
    );
    // VP level through --abar works, and sample-only data needs sigma > 0.
    run_ok(
        bin()
            .args([
                "field", "--preset", "ring8", "--abar", "0.5", "--grid", "4", "--out",
            ])
            .arg(dir.join("vp.csv")),
    );
    let err = run_err(
        bin()
            .args(["field", "--preset", "circle", "--sigma", "0", "--out"])
            .arg(dir.join("c.csv")),
    );
    assert!(err.contains("--sigma"), "{err}");
    run_ok(
        bin()
            .args([
                "field", "--preset", "circle", "--sigma", "0.2", "--grid", "5", "--out",
            ])
            .arg(dir.join("c.csv")),
    );
}

/// MATH §7 from the command line: Langevin keeps the initial split (TV >= 0.2), annealed
/// Langevin recovers 0.8 / 0.2 (TV <= 0.03).
#[test]
fn ncsn_two_modes_experiment_from_the_cli() {
    let dir = scratch("ncsn");
    let common = [
        "--preset",
        "ncsn-two-modes",
        "--particles",
        "1280",
        "--seed",
        "0",
    ];
    let langevin = json(&run_ok(
        bin()
            .arg("sample")
            .args(common)
            .args(["--sampler", "langevin", "--eps", "0.1", "--steps", "1000"])
            .args(["--init", "uniform:-8,8", "--out"])
            .arg(dir.join("l.csv")),
    ));
    let annealed = json(&run_ok(
        bin()
            .arg("sample")
            .args(common)
            .args([
                "--sampler",
                "annealed-langevin",
                "--eps",
                "0.1",
                "--steps",
                "100",
            ])
            .args(["--levels", "10", "--sigma-max", "20", "--sigma-min", "1"])
            .args(["--init", "uniform:-8,8", "--out"])
            .arg(dir.join("a.csv")),
    ));
    for key in [
        "mode_fractions",
        "tv",
        "diverged_fraction",
        "energy_distance",
        "score_evals",
        "wall_s",
    ] {
        assert!(!langevin[key].is_null(), "missing {key}");
    }
    let tv_l = langevin["tv"].as_f64().expect("tv");
    let tv_a = annealed["tv"].as_f64().expect("tv");
    assert!(tv_l >= 0.2, "Langevin TV {tv_l}");
    assert!(tv_a <= 0.03, "annealed TV {tv_a}");
    assert_eq!(langevin["score_evals"].as_u64(), Some(1280 * 1000));
    assert_eq!(csv_rows(&dir.join("a.csv")).len(), 1280);
}

#[test]
fn sample_writes_trajectories_and_runs_every_sampler() {
    let dir = scratch("samplers");
    for name in [
        "gradient-ascent",
        "langevin",
        "mala",
        "annealed-langevin",
        "smld",
        "ve-sde",
        "pf-ode-euler",
        "pf-ode-heun",
        "ddpm",
        "ddim",
        "pc",
        "pc-vp",
    ] {
        let report = json(&run_ok(
            bin()
                .args(["sample", "--preset", "three-anisotropic", "--sampler", name])
                .args([
                    "--particles",
                    "64",
                    "--steps",
                    "20",
                    "--levels",
                    "5",
                    "--out",
                ])
                .arg(dir.join(format!("{name}.csv"))),
        ));
        assert_eq!(report["sampler"], name);
        assert_eq!(report["diverged_fraction"].as_f64(), Some(0.0), "{name}");
        assert_eq!(csv_rows(&dir.join(format!("{name}.csv"))).len(), 64);
    }
    let traj = dir.join("t.csv");
    run_ok(
        bin()
            .args([
                "sample",
                "--preset",
                "two-moons",
                "--sampler",
                "annealed-langevin",
            ])
            .args([
                "--particles",
                "10",
                "--levels",
                "3",
                "--steps",
                "10",
                "--stride",
                "5",
            ])
            .args(["--out"])
            .arg(dir.join("s.csv"))
            .arg("--trajectories")
            .arg(&traj),
    );
    let text = std::fs::read_to_string(&traj).expect("trajectories");
    assert!(text.starts_with("step,particle,x,y,diverged\n"));
    // 30 steps at stride 5: frames at 0, 5, ..., 30 = 7 frames of 10 particles.
    assert_eq!(text.lines().count() - 1, 70);
}

#[test]
fn guidance_concentrates_on_the_class() {
    let dir = scratch("guidance");
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
                "500",
                "--guidance-class",
                "1",
                "--guidance-scale",
                "1",
            ])
            .arg("--out")
            .arg(dir.join("g.csv")),
    ));
    let f1 = report["mode_fractions"][1].as_f64().expect("fraction");
    assert!(f1 > 0.99, "{report}");
    let err = run_err(
        bin()
            .args(["sample", "--preset", "ring8", "--sampler", "langevin"])
            .args(["--guidance-class", "8", "--out"])
            .arg(dir.join("x.csv")),
    );
    assert!(err.contains("--guidance-class 8"), "{err}");
}

#[test]
fn bad_arguments_name_the_argument() {
    let dir = scratch("badargs");
    let out = dir.join("x.csv");
    let cases: [(&[&str], &str); 6] = [
        (
            &["--preset", "nope", "--sampler", "langevin"],
            "unknown preset 'nope'",
        ),
        (
            &["--preset", "ring8", "--sampler", "warp-drive"],
            "unknown sampler 'warp-drive'",
        ),
        (
            &[
                "--preset",
                "ring8",
                "--sampler",
                "langevin",
                "--init",
                "cube:3",
            ],
            "--init 'cube:3'",
        ),
        (
            &["--preset", "ring8", "--sampler", "langevin", "--eps", "-1"],
            "--eps",
        ),
        (
            &["--preset", "ring8", "--sampler", "smld", "--sigma-min", "0"],
            "--sigma-min",
        ),
        (
            &[
                "--preset",
                "ring8",
                "--sampler",
                "langevin",
                "--particles",
                "0",
            ],
            "--particles",
        ),
    ];
    for (args, expected) in cases {
        let err = run_err(bin().arg("sample").args(args).arg("--out").arg(&out));
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let err = run_err(
        bin()
            .args([
                "field", "--preset", "ring8", "--sigma", "1", "--xlim", "3,1", "--out",
            ])
            .arg(&out),
    );
    assert!(err.contains("--xlim"), "{err}");
    assert!(!out.exists(), "a failed command wrote its output");
}

#[test]
fn bad_mixture_files_name_the_file_and_field() {
    let dir = scratch("badfiles");
    let cases: [(&str, &str, &str); 8] = [
        (
            "neg.json",
            r#"{"components":[{"weight":-0.5,"mean":[0,0],"cov":[[1,0],[0,1]]}]}"#,
            "components[0].weight: must be finite and in [0, 1e12]",
        ),
        (
            "notpd.json",
            r#"{"components":[{"weight":1,"mean":[0,0],"cov":[[1,0],[0,1]]},
            {"weight":1,"mean":[0,0],"cov":[[1,2],[2,1]]}]}"#,
            "components[1].cov: is not positive definite",
        ),
        (
            "asym.json",
            r#"{"components":[{"weight":1,"mean":[0,0],"cov":[[1,0.5],[0,1]]}]}"#,
            "components[0].cov: is not symmetric",
        ),
        (
            "nan.json",
            "{\"components\":[{\"weight\":1,\n\"mean\":[NaN,0],\"cov\":[[1,0],[0,1]]}]}",
            "line 2, column",
        ),
        (
            "trunc.json",
            r#"{"components":[{"weight":1,"mean":[0,"#,
            "line 1, column",
        ),
        (
            "type.json",
            r#"{"components":[{"weight":"heavy","mean":[0,0],"cov":[[1,0],[0,1]]}]}"#,
            "invalid type",
        ),
        (
            "extra.json",
            r#"{"components":[{"weight":1,"mean":[0,0],"cov":[[1,0],[0,1]],"color":"red"}]}"#,
            "unknown field `color`",
        ),
        (
            "empty.json",
            r#"{"components":[]}"#,
            "components: needs at least one component",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        let err = run_err(
            bin()
                .args(["field", "--sigma", "1", "--grid", "3", "--mixture"])
                .arg(&path)
                .arg("--out")
                .arg(dir.join("o.csv")),
        );
        assert!(
            err.contains(name),
            "{name}: error does not name the file: {err}"
        );
        assert!(err.contains(expected), "{name}: {err}");
    }
    let err = run_err(
        bin()
            .args(["field", "--sigma", "1", "--mixture"])
            .arg(dir.join("missing.json"))
            .arg("--out")
            .arg(dir.join("o.csv")),
    );
    assert!(err.contains("missing.json: cannot read"), "{err}");
    // A good file with unnormalised weights loads, and weights are normalised.
    let good = dir.join("good.json");
    std::fs::write(
        &good,
        r#"{"components":[{"weight":8,"mean":[-5,-5],"cov":[[1,0],[0,1]]},
        {"weight":2,"mean":[5,5],"cov":[[1,0],[0,1]]}]}"#,
    )
    .expect("write");
    let report = json(&run_ok(
        bin()
            .args([
                "sample",
                "--sampler",
                "ddim",
                "--particles",
                "200",
                "--mixture",
            ])
            .arg(&good)
            .arg("--out")
            .arg(dir.join("o.csv")),
    ));
    assert_eq!(report["true_weights"], serde_json::json!([0.8, 0.2]));
}

#[test]
fn points_files_work_and_bad_ones_name_the_line() {
    let dir = scratch("points");
    let good = dir.join("p.csv");
    std::fs::write(&good, "x,y\n0,0\n1,1\n2,0\n").expect("write");
    run_ok(
        bin()
            .args([
                "sample",
                "--sampler",
                "annealed-langevin",
                "--particles",
                "20",
                "--steps",
                "5",
                "--points",
            ])
            .arg(&good)
            .arg("--out")
            .arg(dir.join("o.csv")),
    );
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "x,y\n0,0\n1,one\n").expect("write");
    let err = run_err(
        bin()
            .args(["sample", "--sampler", "langevin", "--points"])
            .arg(&bad)
            .arg("--out")
            .arg(dir.join("o.csv")),
    );
    assert!(err.contains("bad.csv: line 3"), "{err}");
}

#[test]
fn bench_sample_prints_json_lines() {
    let out = run_ok(bin().args([
        "bench",
        "sample",
        "--particles",
        "2000",
        "--windows",
        "3",
        "--steps",
        "10",
    ]));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 4);
    let expected = [
        ("langevin_analytic_gmm8", 1),
        ("langevin_analytic_gmm8", 2),
        ("langevin_learned_3-128-128-128-2", 1),
        ("langevin_learned_3-128-128-128-2", 2),
    ];
    for (line, (bench, threads)) in lines.iter().zip(expected) {
        assert_eq!(line["bench"], bench);
        assert_eq!(line["impl"], "scorefield");
        assert_eq!(line["threads"], threads);
        assert_eq!(line["particles"], 2000);
        let median = line["particle_steps_per_s_median"]
            .as_f64()
            .expect("median");
        let (min, max) = (
            line["particle_steps_per_s_min"].as_f64().expect("min"),
            line["particle_steps_per_s_max"].as_f64().expect("max"),
        );
        assert!(min > 0.0 && min <= median && median <= max);
    }
}

#[test]
fn train_prints_json_lines_saves_a_model_that_sample_uses() {
    let dir = scratch("train");
    let model = dir.join("m.json");
    let out = run_ok(
        bin()
            .args(["train", "--preset", "ncsn-two-modes", "--objective", "ncsn"])
            .args([
                "--sigma-min",
                "0.1",
                "--steps",
                "40",
                "--batch",
                "64",
                "--hidden",
                "32,32",
            ])
            .args(["--report-every", "20", "--threads", "2", "--out"])
            .arg(&model),
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 2);
    for (line, step) in lines.iter().zip([20, 40]) {
        assert_eq!(line["step"], step);
        for key in ["loss", "rel_fisher", "steps_per_s"] {
            assert!(
                line[key].as_f64().is_some_and(f64::is_finite),
                "{key} in {line}"
            );
        }
        assert_eq!(
            line["rel_fisher_per_level"].as_array().map(Vec::len),
            Some(10)
        );
    }
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
                "--sigma-min",
                "0.1",
                "--particles",
                "100",
                "--steps",
                "10",
                "--score",
            ])
            .arg(format!("model:{}", model.display()))
            .arg("--out")
            .arg(dir.join("s.csv")),
    ));
    assert_eq!(report["score"], "learned");
    // Every objective trains from the command line.
    for (objective, extra) in [
        ("esm", &[][..]),
        ("ism", &[][..]),
        ("ssm", &["--projections", "2"][..]),
        ("ssm-vr", &["--projection", "gaussian"][..]),
        ("dsm", &["--sigma", "0.3"][..]),
        ("ddpm", &[][..]),
        (
            "ncsn",
            &["--continuous", "--lambda", "one", "--act", "elu"][..],
        ),
    ] {
        run_ok(
            bin()
                .args(["train", "--preset", "ring8", "--objective", objective])
                .args(extra)
                .args(["--steps", "3", "--batch", "16", "--hidden", "8", "--out"])
                .arg(dir.join(format!("{objective}.json"))),
        );
    }
    // A conditional model takes --class and --cfg-scale.
    let cond = dir.join("cond.json");
    run_ok(
        bin()
            .args([
                "train",
                "--preset",
                "ring8",
                "--objective",
                "ncsn",
                "--conditional",
            ])
            .args(["--steps", "3", "--batch", "16", "--hidden", "8", "--out"])
            .arg(&cond),
    );
    run_ok(
        bin()
            .args([
                "sample",
                "--preset",
                "ring8",
                "--sampler",
                "ddim",
                "--particles",
                "10",
            ])
            .args(["--class", "2", "--cfg-scale", "3", "--score"])
            .arg(format!("model:{}", cond.display()))
            .arg("--out")
            .arg(dir.join("c.csv")),
    );
}

#[test]
fn train_refuses_bad_settings_with_the_option_named() {
    let dir = scratch("train-bad");
    let out = dir.join("m.json");
    let cases: [(&[&str], &str); 6] = [
        (
            &["--preset", "ring8", "--objective", "magic"],
            "--objective 'magic'",
        ),
        (
            &["--preset", "two-moons", "--objective", "esm"],
            "esm needs the exact score",
        ),
        (
            &[
                "--preset",
                "ring8",
                "--objective",
                "ncsn",
                "--hidden",
                "12,x",
            ],
            "--hidden '12,x'",
        ),
        (
            &["--preset", "ring8", "--objective", "ncsn", "--lr", "-1"],
            "--lr",
        ),
        (
            &["--preset", "ring8", "--objective", "ncsn", "--act", "relu6"],
            "--act",
        ),
        (
            &[
                "--preset",
                "two-moons",
                "--objective",
                "ncsn",
                "--conditional",
            ],
            "--conditional",
        ),
    ];
    for (args, expected) in cases {
        let err = run_err(bin().arg("train").args(args).arg("--out").arg(&out));
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let err = run_err(
        bin()
            .args([
                "sample",
                "--preset",
                "ring8",
                "--sampler",
                "ddim",
                "--score",
                "model:/no/such.json",
                "--out",
            ])
            .arg(dir.join("s.csv")),
    );
    assert!(err.contains("/no/such.json: cannot read"), "{err}");
}

#[test]
fn bench_train_prints_json_lines() {
    let out = run_ok(bin().args([
        "bench",
        "train",
        "--only",
        "dsm_train,grid_infer",
        "--windows",
        "1",
        "--window-s",
        "0.02",
    ]));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    // The FMA ceiling, then four DSM configurations and the grid, each on 1 and 2 threads.
    assert_eq!(lines.len(), 11);
    assert_eq!(lines[0]["bench"], "fma_peak");
    assert!(lines[0]["gflops_median"].as_f64().is_some_and(|v| v > 0.5));
    // Counted multiply-adds: 3 passes (forward, two backward products) over the layers of
    // 3-128-128-128-2 at batch 512, and the forward pass over the 128 x 128 grid.
    let layers = 3 * 128 + 128 * 128 * 2 + 128 * 2;
    for l in &lines[1..] {
        let expected = match (
            l["bench"].as_str(),
            l["model"].as_str(),
            l["batch"].as_u64(),
        ) {
            (Some("dsm_train"), Some("3-128-128-128-2"), Some(512)) => 3 * 512 * layers,
            (Some("grid_infer"), _, _) => 128 * 128 * layers,
            _ => continue,
        };
        // Within 1 %: the gradient with respect to the input itself is not formed.
        assert!(
            l["multiply_adds_per_unit"]
                .as_u64()
                .is_some_and(|m| m.abs_diff(expected as u64) <= expected as u64 / 100),
            "{l}"
        );
        // (A debug build's FMA loop is not the ceiling, so the fraction is only checked sane.)
        let fraction = l["fma_fraction"].as_f64().unwrap_or(f64::NAN);
        assert!(fraction.is_finite() && fraction > 0.0, "{l}");
    }
    for l in &lines[1..] {
        assert_eq!(l["impl"], "scorefield");
        let metric = if l["bench"] == "grid_infer" {
            "grids_per_s"
        } else {
            "steps_per_s"
        };
        assert!(
            l[format!("{metric}_median")]
                .as_f64()
                .is_some_and(|v| v > 0.0),
            "{l}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l["model"] == "3-64-64-2" && l["batch"] == 128)
    );
}

/// The app's launch flags are checked before any window opens: NaN or out-of-range seconds, a
/// bad window size, an unknown lecture and a missing session file are errors that say why.
#[test]
fn app_launch_flags_are_checked_before_the_window_opens() {
    for (args, expected) in [
        (
            vec!["--measure-frames", "nan"],
            "seconds must be in 1..=600",
        ),
        (
            vec!["--screenshot", "x.png", "--screenshot-after", "NaN"],
            "seconds must be in 0..=600",
        ),
        (vec!["--window-size", "0x0"], "within 320x240 and 7680x4320"),
        (vec!["--window-size", "big"], "give WIDTHxHEIGHT"),
        (vec!["--lecture", "nope"], "known lectures"),
        (
            vec!["--session", "/nonexistent/scorefield.session.json"],
            "/nonexistent/scorefield.session.json",
        ),
        (
            vec!["--images-checkpoint", "/nonexistent/digits.sfimg"],
            "--images-checkpoint: /nonexistent/digits.sfimg",
        ),
        (
            vec!["--images-checkpoint", "Cargo.toml"],
            "Cargo.toml: not a scorefield image checkpoint",
        ),
    ] {
        let out = support::bin()
            .args(&args)
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// The vector kernels change speed, not results: training with the kernels built for the
/// baseline instruction set and for the best one the CPU has writes the same model, bit for
/// bit (element-wise kernels have no reductions to reorder).
#[test]
fn every_simd_level_trains_the_same_model() {
    let dir = scratch("simd-levels");
    let mut models = Vec::new();
    for level in ["baseline", "best"] {
        let out = dir.join(format!("{level}.json"));
        run_ok(
            bin()
                .env("SCOREFIELD_SIMD", level)
                .args([
                    "train",
                    "--preset",
                    "ring8",
                    "--objective",
                    "ism",
                    "--sigma",
                    "0.5",
                ])
                .args([
                    "--steps", "20", "--batch", "64", "--hidden", "32,32", "--out",
                ])
                .arg(&out),
        );
        models.push(std::fs::read(&out).expect("model"));
    }
    assert!(
        models[0] == models[1],
        "the levels trained different models"
    );
}

/// `bench app` runs the real app headless and reports what a lecturer feels; its duration is
/// checked like every other number.
#[test]
fn bench_app_runs_the_app_headless_and_reports() {
    let out = run_ok(
        bin()
            .env("XDG_RUNTIME_DIR", scratch("bench-app-runtime"))
            .args(["bench", "app", "--seconds", "3"]),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let line: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON line");
    assert_eq!(line["bench"], "app");
    for key in [
        "train_steps_per_s",
        "bench_train_steps_per_s",
        "field_refreshes_per_s",
        "ui_ms_per_frame_median",
    ] {
        assert!(line[key].as_f64().is_some_and(|v| v > 0.0), "{key}: {line}");
    }
    assert!(line["frames"].as_u64().is_some_and(|f| f > 20), "{line}");
    let err = run_err(bin().args(["bench", "app", "--seconds", "nan"]));
    assert!(err.contains("--seconds must be in 1..=600"), "{err}");
}
