//! The directory that holds the sockets of bare names on Unix.
//!
//! `$XDG_RUNTIME_DIR` is per user, mode 0700 and cleaned at logout, so it is
//! the right home when set. Otherwise a per-uid directory under `/tmp`, which
//! anyone can create first. Whoever controls the directory controls which
//! socket a name reaches, so the server (creating it 0700) and the client
//! (before connecting) both run [`check_private`] on it: it must be a real
//! directory, owned by this user, writable by no one else.

use std::path::Path;
use std::path::PathBuf;

/// Where bare names live on Unix: `$XDG_RUNTIME_DIR/piperpc` when that is
/// set to an absolute path, else `/tmp/piperpc-<uid>`.
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

/// True when `path` is a socket in the default directory, the home of bare
/// names (however the address was written).
pub(crate) fn is_in_default_dir(path: &Path) -> bool {
    path.parent() == Some(default_socket_dir().as_path())
}

/// What [`check_private`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DirState {
    /// A directory of this user that no one else may write to.
    Private,
    /// Nothing at that path.
    Missing,
    /// Unsafe to trust, and why (naming the directory and its owner).
    Unsafe(String),
}

/// Checks that `dir` is a real directory (not a symlink), owned by this
/// process's effective user, and not writable by group or others.
pub(crate) fn check_private(dir: &Path) -> std::io::Result<DirState> {
    use std::os::unix::fs::MetadataExt;

    let meta = match std::fs::symlink_metadata(dir) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DirState::Missing),
        Err(e) => return Err(e),
    };
    let me = crate::identity::current_uid().unwrap_or(u32::MAX);
    // The owner is named (a user-database lookup) only when refusing.
    let owner = || crate::identity::describe_uid(meta.uid());
    let shown = dir.display();
    Ok(if !meta.file_type().is_dir() {
        DirState::Unsafe(format!("{shown} is not a directory (owner: {})", owner()))
    } else if meta.uid() != me {
        DirState::Unsafe(format!(
            "{shown} belongs to {}, not to this user ({})",
            owner(),
            crate::identity::describe_uid(me)
        ))
    } else if meta.mode() & 0o022 != 0 {
        DirState::Unsafe(format!(
            "{shown} is writable by group or others (mode {:o}, owner {}); it must be 0700",
            meta.mode() & 0o777,
            owner()
        ))
    } else {
        DirState::Private
    })
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn scratch(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("piperpc-dircheck-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        dir
    }

    fn state_with_mode(tag: &str, mode: u32) -> DirState {
        let dir = scratch(tag);
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode)).unwrap();
        let state = check_private(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        state
    }

    #[test]
    fn only_an_owner_only_directory_is_private() {
        assert_eq!(state_with_mode("700", 0o700), DirState::Private);
        assert_eq!(state_with_mode("750", 0o750), DirState::Private);
        for (tag, mode) in [("770", 0o770), ("707", 0o707), ("777", 0o777)] {
            let DirState::Unsafe(reason) = state_with_mode(tag, mode) else {
                panic!("mode {mode:o} passed");
            };
            assert!(reason.contains("writable by group or others"), "{reason}");
            assert!(reason.contains(&format!("mode {mode:o}")), "{reason}");
        }
    }

    #[test]
    fn a_missing_directory_and_a_symlink_are_told_apart() {
        let dir = scratch("link");
        assert_eq!(
            check_private(&dir.join("absent")).unwrap(),
            DirState::Missing
        );
        let link = dir.join("link");
        std::os::unix::fs::symlink(&dir, &link).unwrap();
        let state = check_private(&link).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let DirState::Unsafe(reason) = state else {
            panic!("a symlink passed: {state:?}");
        };
        assert!(reason.contains("is not a directory"), "{reason}");
    }

    #[test]
    fn another_owner_is_named() {
        // Only root can hand a directory to another user.
        if crate::identity::current_uid() != Some(0) {
            eprintln!("skipped: another_owner_is_named needs root to chown");
            return;
        }
        let dir = scratch("owner");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), None).unwrap();
        let state = check_private(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let DirState::Unsafe(reason) = state else {
            panic!("another user's directory passed");
        };
        assert!(reason.contains("belongs to uid 65534"), "{reason}");
        assert!(reason.contains("not to this user (uid 0"), "{reason}");
    }
}
