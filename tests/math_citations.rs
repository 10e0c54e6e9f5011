//! Every `MATH §N` citation in the code, the tests and the README names a section of
//! `src/math.md`, and nothing points at mathematics outside the repository.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("rs" | "md" | "wgsl" | "py")
        ) {
            out.push(path);
        }
    }
}

/// The section numbers after each `MATH §` in `text` (`4`, `4.10`, ...).
fn citations(text: &str) -> Vec<String> {
    text.split("MATH §")
        .skip(1)
        .map(|rest| {
            let n: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            n.trim_end_matches('.').to_string()
        })
        // `MATH §N` itself, where a text explains the notation.
        .filter(|n| !n.is_empty())
        .collect()
}

#[test]
fn every_math_citation_resolves_inside_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let math = std::fs::read_to_string(root.join("src/math.md")).expect("src/math.md");
    let sections: BTreeSet<String> = math
        .lines()
        .filter(|l| l.starts_with('#'))
        .filter_map(|l| l.split('§').nth(1))
        .map(|s| s.split_whitespace().next().unwrap_or_default().to_string())
        .collect();
    assert!(
        sections.contains("4.10") && sections.contains("2.1"),
        "{sections:?}"
    );
    let mut files = vec![root.join("README.md")];
    for dir in ["src", "tests", "shaders"] {
        files_under(&root.join(dir), &mut files);
    }
    let mut missing = Vec::new();
    let mut count = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("text file");
        for n in citations(&text) {
            count += 1;
            if !sections.contains(&n) {
                missing.push(format!("{}: MATH §{n}", path.display()));
            }
        }
        if path.file_name().is_some_and(|n| n != "math_citations.rs") {
            for outside in ["MATH.md", "../shared", "shared/seeds"] {
                assert!(
                    !text.contains(outside),
                    "{} refers to {outside}, outside the repository",
                    path.display()
                );
            }
        }
    }
    assert!(count > 100, "only {count} citations found");
    assert!(
        missing.is_empty(),
        "citations without a section:\n{}",
        missing.join("\n")
    );
}
