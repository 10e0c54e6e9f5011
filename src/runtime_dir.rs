//! A private runtime directory for the graphics stack.
//!
//! The window system and graphics libraries (Wayland, xkbcommon, Mesa) look for
//! `$XDG_RUNTIME_DIR` and print `error: XDG_RUNTIME_DIR is invalid or not set` when it is missing,
//! which reads as a failure although nothing is wrong. Where it is unset or not a directory (CI,
//! containers, `sudo`, ssh sessions), the binary points it at a directory of its own before any
//! library starts: `$TMPDIR/scorefield-runtime-UID`, created with mode 0700 and used only if it is
//! ours and private. A usable value is left alone.

use std::path::{Path, PathBuf};

/// Sets `XDG_RUNTIME_DIR` to a private directory when it is unset or unusable. Returns the
/// directory it set, or `None` when the environment already had one (or none could be made).
///
/// Call it first thing in `main`, before any other thread exists.
pub fn ensure_runtime_dir() -> Option<PathBuf> {
    if std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| Path::new(&d).is_dir()) {
        return None;
    }
    let dir = private_dir()?;
    set_runtime_env(&dir);
    Some(dir)
}

#[cfg(unix)]
fn private_dir() -> Option<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
    // The owner of /proc/self is this process's effective user.
    let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).ok();
    let name = match uid {
        Some(uid) => format!("scorefield-runtime-{uid}"),
        None => format!("scorefield-runtime-pid{}", std::process::id()),
    };
    let dir = std::env::temp_dir().join(name);
    // An existing directory of that name is created again only if absent; then checked.
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    let meta = std::fs::symlink_metadata(&dir).ok()?;
    let ours = uid.is_none_or(|uid| meta.uid() == uid);
    let private = meta.permissions().mode() & 0o077 == 0;
    (meta.is_dir() && ours && private).then_some(dir)
}

#[cfg(not(unix))]
fn private_dir() -> Option<PathBuf> {
    None
}

/// The one place the crate changes its own environment.
#[allow(unsafe_code)]
fn set_runtime_env(dir: &Path) {
    // SAFETY: `set_var` is unsound only while another thread may read the environment at the
    // same time. `ensure_runtime_dir` is called at the top of `main`, before the binary starts
    // any thread (rayon, eframe, wgpu and the workers all start later).
    unsafe { std::env::set_var("XDG_RUNTIME_DIR", dir) };
}
