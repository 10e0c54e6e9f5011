//! Helpers of the end-to-end tests that run the `scorefield` binary. Each test crate uses a
//! subset of them.
#![allow(dead_code)]

pub mod harness;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_scorefield"))
}

/// A fresh scratch folder per test.
pub fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scorefield-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Runs and expects success; then every text file the command wrote (its `--out`,
/// `--trajectories`, `--noise-out` and `--raw` files) and its stdout must hold no non-finite
/// number.
pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("binary runs");
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_all_finite("stdout", &String::from_utf8_lossy(&out.stdout));
    for path in output_paths(cmd) {
        let text_file = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("csv" | "json" | "txt")
        );
        if text_file && let Ok(text) = std::fs::read_to_string(&path) {
            assert_all_finite(&path.display().to_string(), &text);
        }
    }
    out
}

/// The files a command was told to write.
fn output_paths(cmd: &Command) -> Vec<PathBuf> {
    const FLAGS: [&str; 4] = ["--out", "--trajectories", "--noise-out", "--raw"];
    let args: Vec<_> = cmd.get_args().collect();
    args.windows(2)
        .filter(|w| FLAGS.iter().any(|f| w[0] == *f))
        .map(|w| PathBuf::from(w[1]))
        .collect()
}

/// Fails when any number-like token of `text` is NaN or infinite (as Rust and most tools
/// print them: `NaN`, `inf`, `-inf`, `Infinity`).
pub fn assert_all_finite(what: &str, text: &str) {
    let bad = text
        .split(|c: char| c.is_whitespace() || ",:;[]{}\"".contains(c))
        .find(|t| t.parse::<f64>().is_ok_and(|v| !v.is_finite()));
    assert!(bad.is_none(), "{what} holds a non-finite value: {bad:?}");
}

/// Runs and expects failure; returns stderr.
pub fn run_err(cmd: &mut Command) -> String {
    let out = cmd.output().expect("binary runs");
    assert!(!out.status.success(), "expected a failure");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).expect("one JSON object on stdout")
}

pub fn csv_rows(path: &Path) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(path).expect("csv written");
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().expect("number")).collect())
        .collect()
}

/// The header line of a CSV file.
pub fn csv_header(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("csv written");
    text.lines().next().unwrap_or_default().to_string()
}
