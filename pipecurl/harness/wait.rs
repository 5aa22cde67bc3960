//! Waiting for a child process with a bound: std's `wait` has none.

use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

/// The exit status, or `None` if the process still runs at `deadline`.
pub(super) fn until(child: &mut Child, deadline: Instant) -> Option<std::io::Result<ExitStatus>> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(Ok(status)),
            Ok(None) if Instant::now() >= deadline => return None,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(error) => return Some(Err(error)),
        }
    }
}
