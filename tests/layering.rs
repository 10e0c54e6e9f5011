//! The architecture's rules, checked on the source: the command line and the app do not import
//! each other; nothing below the front end imports egui; the app's state stays in owned parts
//! (at most 12 fields) and no front-end file grows past 500 lines.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

fn src(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(sub)
}

/// The code of a file without its comments (a doc comment may name another module).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .expect("source file")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Files under `sub` whose code mentions any of `needles`.
fn offenders(sub: &str, needles: &[&str]) -> Vec<String> {
    rust_files(&src(sub))
        .into_iter()
        .filter(|p| {
            let c = code(p);
            needles.iter().any(|n| c.contains(n))
        })
        .map(|p| p.display().to_string())
        .collect()
}

#[test]
fn the_command_line_and_the_app_do_not_import_each_other() {
    let cli = offenders("cli", &["crate::ui", "scorefield::ui", "super::super::ui"]);
    assert!(cli.is_empty(), "src/cli imports the app: {cli:?}");
    let ui = offenders(
        "ui",
        &["crate::cli", "scorefield::cli", "super::super::cli"],
    );
    assert!(ui.is_empty(), "src/ui imports the command line: {ui:?}");
}

#[test]
fn nothing_below_the_front_end_imports_egui() {
    for sub in [
        "live", "scene", "sample", "session", "render", "field", "metrics", "data", "cli",
    ] {
        let found = offenders(sub, &["egui", "eframe"]);
        assert!(found.is_empty(), "src/{sub} imports egui: {found:?}");
    }
}

#[test]
fn the_app_holds_owned_parts_and_its_files_stay_small() {
    let app = code(&src("ui/app.rs"));
    let start = app
        .find("pub struct ScorefieldApp {")
        .expect("the app struct");
    let body = &app[start..start + app[start..].find("\n}").expect("struct end")];
    let fields = body
        .lines()
        .skip(1)
        .filter(|l| l.trim_end().ends_with(','))
        .count();
    assert!(fields <= 12, "ScorefieldApp has {fields} fields");
    for file in rust_files(&src("ui")) {
        let lines = std::fs::read_to_string(&file)
            .expect("file")
            .lines()
            .count();
        assert!(lines <= 500, "{} has {lines} lines", file.display());
    }
}
