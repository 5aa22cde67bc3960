//! The directory that holds the sockets of bare names on Unix.
//!
//! `$XDG_RUNTIME_DIR` is per user, mode 0700 and cleaned at logout, so it is
//! the right home when set. Otherwise a per-uid directory under `/tmp`; the
//! listener creates it 0700 and refuses it when it is not ours (see
//! `listener::unix`), because anyone can create a name in `/tmp` first.

use std::path::PathBuf;

/// Where bare names live on Unix: `$XDG_RUNTIME_DIR/piperpc` when that is
/// set to an absolute path, else `/tmp/piperpc-<uid>`.
#[cfg(unix)]
pub fn default_socket_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir.join("piperpc"),
        _ => {
            // SAFETY: getuid has no preconditions and cannot fail.
            let uid = unsafe { libc::getuid() };
            PathBuf::from(format!("/tmp/piperpc-{uid}"))
        }
    }
}

/// Windows has no socket directory: bare names become `\\.\pipe\NAME`.
/// This returns the pipe namespace's prefix, for display only.
#[cfg(windows)]
pub fn default_socket_dir() -> PathBuf {
    PathBuf::from(r"\\.\pipe\")
}
