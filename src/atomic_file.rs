//! Atomic file writes: write a temporary file beside the target, flush it to disk, then rename
//! it over the target. A write that fails part-way leaves the target as it was.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// The temporary path used while writing `target`: a hidden file in the same folder (so the
/// final rename stays on one file system).
fn temp_path_for(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string());
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    target.with_file_name(format!(".{name}.tmp-{}-{unique}", std::process::id()))
}

/// Writes the output of `fill` to `target` atomically. `fill` writes into a buffered temporary
/// file; if it (or anything after it) fails, the temporary file is removed and the target is
/// untouched. Errors name the target.
pub fn write_atomic<F>(target: &Path, fill: F) -> Result<(), String>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let temp = temp_path_for(target);
    let result = (|| -> std::io::Result<()> {
        let file = std::fs::File::create(&temp)?;
        let mut writer = std::io::BufWriter::new(file);
        fill(&mut writer)?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temp, target)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        format!("{}: cannot write: {e}", target.display())
    })
}

/// Writes bytes to `target` atomically.
pub fn write_bytes_atomic(target: &Path, bytes: &[u8]) -> Result<(), String> {
    write_atomic(target, |w| w.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_dir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("scorefield-atomic-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = scratch_dir("fail");
        let target = dir.join("out.csv");
        write_bytes_atomic(&target, b"old contents").expect("first write");
        let err = write_atomic(&target, |w| {
            w.write_all(b"half of the new")?;
            Err(std::io::Error::other("disk on fire"))
        })
        .expect_err("the write fails");
        assert!(
            err.contains("out.csv") && err.contains("disk on fire"),
            "{err}"
        );
        assert_eq!(std::fs::read(&target).expect("target"), b"old contents");
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name() != "out.csv")
            .collect();
        assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_write_into_a_missing_folder_names_the_target() {
        let target = std::env::temp_dir().join("no-such-folder-scorefield/x.csv");
        let err = write_bytes_atomic(&target, b"x").expect_err("missing folder");
        assert!(err.contains("no-such-folder-scorefield/x.csv"), "{err}");
    }
}
