//! Unix-only pieces of the harness: signals to a server process.

use std::process::Child;

/// Sends SIGTERM to `child`, the polite stop after stdin was ignored.
pub(super) fn terminate(child: &Child) {
    signal(child, libc::SIGTERM);
}

/// Sends `signal` to `child`.
pub(super) fn signal(child: &Child, signal: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) on our own child's pid, which is not yet reaped
        // (the caller holds the Child and has not waited for its exit).
        unsafe { libc::kill(pid, signal) };
    }
}

/// Stops `child` with SIGSTOP and waits until it is stopped, or has exited.
///
/// kill(2) returns once the signal is queued: the kernel wakes one of the
/// process's threads to take it, and the others stop only when that thread
/// has run. On a busy machine that can be long enough for another thread
/// to accept a connection and answer it.
pub(super) fn pause(child: &Child) {
    signal(child, libc::SIGSTOP);
    let id = libc::id_t::from(child.id());
    loop {
        // SAFETY: an all-zero siginfo_t is a valid value for waitid to fill.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // WNOWAIT leaves the state to be collected: an exit stays for
        // `Child::wait` to reap, and std's waits never ask for stops.
        // SAFETY: waitid(2) on our own, not yet reaped, child, with a valid
        // out-pointer.
        let waited = unsafe {
            libc::waitid(
                libc::P_PID,
                id,
                &mut info,
                libc::WSTOPPED | libc::WEXITED | libc::WNOWAIT,
            )
        };
        if waited == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
        {
            return;
        }
    }
}
