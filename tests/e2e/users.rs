//! Acting as other users on Unix (the tests run as root in CI): scratch
//! directories others can enter, and commands run as another uid through
//! `setpriv`, from a copy of the binary that user can execute.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::common::BIN;

/// The uid of `nobody`, the stranger in these tests.
pub const NOBODY: u32 = 65534;

/// A scratch directory others can enter (0755), removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("piperpc-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        Scratch(dir)
    }

    /// A scratch directory at exactly `dir` (removed first if left over).
    pub fn at(dir: PathBuf) -> Scratch {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        Scratch(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The binary `original`, copied here so any user can run it.
    pub fn bin(&self, original: &str) -> PathBuf {
        let name = Path::new(original)
            .file_name()
            .expect("a binary's file name");
        let bin = self.0.join(name);
        if !bin.exists() {
            std::fs::copy(original, &bin).unwrap();
            std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        bin
    }

    /// `piperpc` as `uid`/`gid` with no supplementary groups.
    pub fn command_as(&self, uid: u32, gid: u32) -> Command {
        self.run_as(BIN, uid, gid)
    }

    /// The binary `original` as `uid`/`gid` with no supplementary groups.
    pub fn run_as(&self, original: &str, uid: u32, gid: u32) -> Command {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid", &uid.to_string(), "--regid", &gid.to_string()])
            .args(["--clear-groups", "--"])
            .arg(self.bin(original));
        command
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// True (after saying so) when the test cannot run: it needs root to act
/// as other users. CI runs as root.
pub fn needs_root(test: &str) -> bool {
    if is_root() {
        return false;
    }
    crate::common::notice(&format!(
        "skipped: {test} needs root to act as another user"
    ));
    true
}

pub fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}
