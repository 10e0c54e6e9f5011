//! Resource budgets (`src/budget.rs`) end to end: a request just over a budget is refused before
//! any work, with a message naming the setting and the limit; one just under runs. And the
//! output scan that every end-to-end test applies catches a non-finite value.

mod support;

use support::{assert_all_finite, bin, json, run_err, run_ok, scratch};

fn sample(args: &[&str], out: &std::path::Path) -> std::process::Command {
    let mut cmd = bin();
    cmd.args(["sample", "--preset", "ncsn-two-modes"])
        .args(args)
        .arg("--out")
        .arg(out);
    cmd
}

#[test]
fn sampler_budgets_refuse_just_over_and_run_just_under() {
    let dir = scratch("budget-sampler");
    let out = dir.join("s.csv");
    // Steps in one run: 1,000,000.
    let err = run_err(&mut sample(
        &[
            "--sampler",
            "gradient-ascent",
            "--particles",
            "1",
            "--steps",
            "1000001",
        ],
        &out,
    ));
    assert!(
        err.contains("--steps (1000001) is over the limit of 1000000"),
        "{err}"
    );
    let report = json(&run_ok(&mut sample(
        &[
            "--sampler",
            "gradient-ascent",
            "--particles",
            "1",
            "--steps",
            "1000000",
        ],
        &out,
    )));
    assert_eq!(report["steps"], 1_000_000);
    // Levels x steps per level.
    let err = run_err(&mut sample(
        &[
            "--sampler",
            "annealed-langevin",
            "--particles",
            "1",
            "--levels",
            "1000",
            "--steps",
            "1001",
        ],
        &out,
    ));
    assert!(err.contains("--levels × --steps = 1001000"), "{err}");
    run_ok(&mut sample(
        &[
            "--sampler",
            "annealed-langevin",
            "--particles",
            "1",
            "--levels",
            "1000",
            "--steps",
            "1000",
        ],
        &out,
    ));
    // Particles.
    let err = run_err(&mut sample(
        &[
            "--sampler",
            "gradient-ascent",
            "--particles",
            "2000001",
            "--steps",
            "1",
        ],
        &out,
    ));
    assert!(
        err.contains("--particles (2000001) is over the limit of 2000000"),
        "{err}"
    );
    // Particle-steps: 2e9.
    let err = run_err(&mut sample(
        &[
            "--sampler",
            "gradient-ascent",
            "--particles",
            "2001",
            "--steps",
            "1000000",
        ],
        &out,
    ));
    assert!(err.contains("--particles × steps = 2001000000"), "{err}");
    // Trajectory points: 5e7 (frames = steps / stride + 2).
    let traj = dir.join("t.csv");
    let err = run_err(
        sample(
            &[
                "--sampler",
                "gradient-ascent",
                "--particles",
                "500000",
                "--steps",
                "99",
            ],
            &out,
        )
        .args(["--stride", "1", "--trajectories"])
        .arg(&traj),
    );
    assert!(err.contains("trajectory frames"), "{err}");
    run_ok(
        sample(
            &[
                "--sampler",
                "gradient-ascent",
                "--particles",
                "100",
                "--steps",
                "99",
            ],
            &out,
        )
        .args(["--stride", "1", "--trajectories"])
        .arg(&traj),
    );
}

#[test]
fn training_budgets_refuse_just_over_and_run_just_under() {
    let dir = scratch("budget-train");
    let out = dir.join("m.json");
    let train = |batch: &str, hidden: &str, extra: &[&str]| {
        let mut cmd = bin();
        cmd.args(["train", "--preset", "ring8", "--objective", "ncsn"])
            .args(["--batch", batch, "--hidden", hidden])
            .args(extra)
            .arg("--out")
            .arg(&out);
        cmd
    };
    // Batch x widest layer: 2e7 activations.
    let one = ["--steps", "1"];
    let err = run_err(&mut train("4883", "4096", &one));
    assert!(err.contains("--batch × the widest --hidden layer"), "{err}");
    run_ok(&mut train("4882", "4096", &one));
    // Thread counts are capped at the cores, not refused, and not a thousand threads.
    run_ok(&mut train(
        "16",
        "8",
        &["--steps", "1", "--threads", "100000"],
    ));
    let err = run_err(&mut train("16", "8", &["--steps", "100000001"]));
    assert!(
        err.contains("--steps (100000001) is over the limit"),
        "{err}"
    );
    let err = run_err(&mut train("16", "8", &["--steps", "1", "--levels", "1001"]));
    assert!(err.contains("--levels must be in 1..=1000"), "{err}");
}

#[test]
fn animation_budget_is_checked_before_drawing() {
    let dir = scratch("budget-gif");
    let gif = dir.join("a.gif");
    let animate = |frames: &str, w: &str, h: &str| {
        let mut cmd = bin();
        cmd.args(["animate", "--preset", "ring8", "--frames", frames])
            .args(["--width", w, "--height", h, "--out"])
            .arg(&gif);
        cmd
    };
    let err = run_err(&mut animate("401", "1000", "1000"));
    assert!(
        err.contains("--frames × --width × --height = 401000000"),
        "{err}"
    );
    let err = run_err(&mut animate("10", "0", "0"));
    assert!(
        err.contains("--width and --height must be in 64..=8192"),
        "{err}"
    );
    let err = run_err(&mut animate("10", "40000", "40000"));
    assert!(err.contains("--width and --height"), "{err}");
    run_ok(&mut animate("2", "64", "64"));
    assert!(gif.exists());
}

#[test]
fn the_output_scan_catches_non_finite_values() {
    assert_all_finite("good", "x,y\n1,2.5e-3\n-4,1e300\n{\"a\": [1, 2]}");
    for bad in [
        "x,y\n1,NaN\n",
        "x,y\ninf,2\n",
        "{\"a\": -inf}",
        "1,Infinity",
    ] {
        let caught = std::panic::catch_unwind(|| assert_all_finite("bad", bad));
        assert!(caught.is_err(), "missed a non-finite value in {bad:?}");
    }
}
