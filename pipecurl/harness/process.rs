//! A client process driven by a test while it runs: its output line by
//! line, and a bounded wait for its end.

use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use super::{HarnessError, lines, wait};

/// Starts `command` with piped stdin and stdout (stderr goes to the
/// test's): its stdout arrives line by line on the returned channel. A
/// thread reads it to the end even after the receiver is dropped, so the
/// process never meets a closed or full pipe because the test stopped
/// listening.
///
/// # Errors
///
/// [`HarnessError::Spawn`] when it cannot start.
///
/// # Examples
///
/// ```no_run
/// use std::process::Command;
/// use std::time::Duration;
///
/// let mut watcher = Command::new("my-client");
/// watcher.arg("watch");
/// let (child, _stdin, lines) = pipecurl::harness::spawn_lines(watcher).unwrap();
/// let first = lines.recv_timeout(Duration::from_secs(30)).unwrap();
/// # let _ = (child, first);
/// ```
pub fn spawn_lines(
    mut command: Command,
) -> Result<(Child, Option<ChildStdin>, Receiver<String>), HarnessError> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|source| HarnessError::Spawn {
            command: format!("{command:?}"),
            source,
        })?;
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("stdout was piped");
    Ok((child, stdin, lines::read_lines(stdout)))
}

/// Waits for `child` to exit, for at most `within`; past that it is killed
/// and `None` returned.
pub fn wait_or_kill(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    match wait::until(child, Instant::now() + within) {
        Some(Ok(status)) => Some(status),
        Some(Err(_)) | None => {
            let _ = child.kill();
            let _ = child.wait();
            None
        }
    }
}
