//! Atomic file writes: write a temporary file beside the target, flush it to disk, then rename
//! it over the target. A write that fails part-way leaves the target as it was.
//!
//! Also:
//! - a target that is a symbolic link is written through: the file it points to is replaced and
//!   the link stays;
//! - a target that exists keeps its permission bits (a private file stays private);
//! - temporary files that an earlier write of the same target left behind (the writer was
//!   killed) are removed, unless the process that made them is still running.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Symbolic links followed before a target is declared a loop.
const MAX_LINKS: usize = 40;

/// The prefix of every temporary file of `name`: `.NAME.tmp-`.
fn temp_prefix(name: &str) -> String {
    format!(".{name}.tmp-")
}

/// The temporary path used while writing `target`: a hidden file in the same folder (so the
/// final rename stays on one file system), `.NAME.tmp-PID-N`.
fn temp_path_for(target: &Path) -> PathBuf {
    let name = file_name(target);
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    target.with_file_name(format!(
        "{}{}-{unique}",
        temp_prefix(&name),
        std::process::id()
    ))
}

fn file_name(target: &Path) -> String {
    target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string())
}

/// The file a write to `target` replaces: `target` itself, or where its chain of symbolic links
/// ends (that file may not exist yet).
fn resolve_links(target: &Path) -> std::io::Result<PathBuf> {
    let mut path = target.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            _ => return Ok(path),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

/// Whether the process `pid` may still be running (always `true` where that cannot be told).
fn may_be_running(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc_root = Path::new("/proc");
    !proc_root.is_dir() || proc_root.join(pid.to_string()).exists()
}

/// Removes temporary files of `target` left by writers that no longer run.
fn remove_stale_temporaries(target: &Path) {
    let prefix = temp_prefix(&file_name(target));
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|pid| !may_be_running(pid)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes the output of `fill` to `target` atomically. `fill` writes into a buffered temporary
/// file; if it (or anything after it) fails, the temporary file is removed and the target is
/// untouched. Errors name the target.
pub fn write_atomic<F>(target: &Path, fill: F) -> Result<(), String>
where
    F: FnOnce(&mut dyn Write) -> std::io::Result<()>,
{
    let fail = |e: std::io::Error| format!("{}: cannot write: {e}", target.display());
    let real = resolve_links(target).map_err(fail)?;
    remove_stale_temporaries(&real);
    let permissions = std::fs::metadata(&real).ok().map(|m| m.permissions());
    let temp = temp_path_for(&real);
    let result = (|| -> std::io::Result<()> {
        let file = std::fs::File::create(&temp)?;
        if let Some(p) = permissions {
            file.set_permissions(p)?;
        }
        let mut writer = std::io::BufWriter::new(file);
        fill(&mut writer)?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temp, &real)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        fail(e)
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
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("dir")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
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
        assert_eq!(names_in(&dir), vec!["out.csv"]);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_write_into_a_missing_folder_names_the_target() {
        let target = std::env::temp_dir().join("no-such-folder-scorefield/x.csv");
        let err = write_bytes_atomic(&target, b"x").expect_err("missing folder");
        assert!(err.contains("no-such-folder-scorefield/x.csv"), "{err}");
    }

    #[test]
    fn stale_temporaries_of_dead_writers_are_removed_and_live_ones_kept() {
        let dir = scratch_dir("stale");
        let target = dir.join("out.csv");
        // No process has pid 4294967295; this process is alive.
        let dead = dir.join(".out.csv.tmp-4294967295-0");
        let alive = dir.join(format!(".out.csv.tmp-{}-999999", std::process::id()));
        let other = dir.join(".other.csv.tmp-4294967295-0");
        for p in [&dead, &alive, &other] {
            std::fs::write(p, b"partial").expect("write");
        }
        write_bytes_atomic(&target, b"new").expect("write");
        assert!(!dead.exists(), "a dead writer's temporary stays");
        assert!(alive.exists() && other.exists());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[cfg(unix)]
    #[test]
    fn links_are_written_through_and_permissions_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = scratch_dir("links");
        let real = dir.join("real.json");
        std::fs::write(&real, b"old").expect("write");
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let link = dir.join("link.json");
        std::os::unix::fs::symlink("real.json", &link).expect("symlink");
        write_bytes_atomic(&link, b"new").expect("write");
        let meta = std::fs::symlink_metadata(&link).expect("link");
        assert!(
            meta.file_type().is_symlink(),
            "the link was replaced by a file"
        );
        assert_eq!(std::fs::read(&real).expect("real"), b"new");
        let mode = std::fs::metadata(&real).expect("real").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        std::fs::remove_dir_all(&dir).ok();
    }
}
