//! Unix-only pieces of the harness.

use std::process::Child;

/// Sends SIGTERM to `child`, the polite stop after stdin was ignored.
pub(super) fn terminate(child: &Child) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) on our own child's pid, which is not yet reaped
        // (the caller holds the Child and has not waited for its exit).
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
}
