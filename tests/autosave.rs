//! The app's autosave under a full disk: a child process saves a session too large for its
//! file-size limit (RLIMIT_FSIZE, set with the shell's `ulimit -f`), and the autosave that was
//! there before must still load. The test runs itself as that child.

use scorefield::dist::EmpiricalMixture;
use scorefield::geom::Point;
use scorefield::session::autosave::AutosaveStore;
use scorefield::session::{DataSpec, Session, Settings};
use std::path::PathBuf;
use std::process::Command;

const CHILD_DIR: &str = "SCOREFIELD_AUTOSAVE_CHILD_DIR";
const TEST_NAME: &str = "a_save_cut_short_by_a_full_disk_keeps_the_previous_autosave";

fn session(seed: u64, n_points: usize) -> Session {
    let points = (0..n_points)
        .map(|i| Point::new(i as f64 * 1e-3, -(i as f64) * 1e-3))
        .collect();
    Session {
        title: format!("seed {seed}"),
        data: DataSpec::Inline(scorefield::data::Dataset::Points(EmpiricalMixture::new(
            points,
        ))),
        settings: Settings {
            seed,
            ..Settings::default()
        },
        model: None,
    }
}

#[test]
fn a_save_cut_short_by_a_full_disk_keeps_the_previous_autosave() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        // The child: about 1 MB of session against a limit of a few kB.
        let store = AutosaveStore::new(PathBuf::from(dir));
        let result = store.save(&session(8, 40_000), &[]);
        println!("child save: {result:?}");
        return;
    }
    let dir =
        std::env::temp_dir().join(format!("scorefield-autosave-fsize-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = AutosaveStore::new(dir.clone());
    store
        .save(&session(7, 10), &["a.json".into()])
        .expect("first save");
    let status = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 8 && exec \"$0\" --exact \"$1\" --nocapture --test-threads 1")
        .arg(std::env::current_exe().expect("test binary"))
        .arg(TEST_NAME)
        .env(CHILD_DIR, &dir)
        .status()
        .expect("sh runs");
    // Killed by SIGXFSZ, or failed with EFBIG: either way not a clean save.
    println!("child: {status}");
    let restored = store.load();
    let back = restored.session.expect("an autosave still loads");
    assert_eq!(
        back.settings.seed, 7,
        "the previous autosave: {:?}",
        restored.messages
    );
    assert_eq!(back.title, "seed 7");
    // The next save with room to spare works and clears what the cut-off writer left.
    store
        .save(&session(9, 10), &[])
        .expect("save after the full disk");
    assert_eq!(store.load().session.map(|s| s.settings.seed), Some(9));
    let leftovers: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    std::fs::remove_dir_all(&dir).ok();
}
