//! Running a client process (or any command) to its end, within a bound.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::HarnessError;

/// Runs `command` to its end with stdin closed, collecting its stdout and
/// stderr, as `Command::output` does, but never for longer than `within`:
/// a process still running then is killed and reported, so a test of a
/// client that hangs fails instead of hanging.
///
/// # Errors
///
/// [`HarnessError::Spawn`] when it cannot start, [`HarnessError::Overran`]
/// when it had to be killed, [`HarnessError::Wait`] when waiting failed.
/// Any exit status is `Ok`: checking it is the test's business.
///
/// # Examples
///
/// ```no_run
/// use std::process::Command;
/// use std::time::Duration;
///
/// let mut client = Command::new("my-client");
/// client.args(["--connect", "my-app"]);
/// let output = pipecurl::harness::run(client, Duration::from_secs(60)).unwrap();
/// assert!(output.status.success());
/// ```
pub fn run(mut command: Command, within: Duration) -> Result<Output, HarnessError> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| HarnessError::Spawn {
            command: format!("{command:?}"),
            source,
        })?;
    // Read both pipes to their ends on threads of their own, so a chatty
    // process never blocks on a full pipe.
    let readers = [
        child
            .stdout
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|pipe| Box::new(pipe) as Box<dyn Read + Send>),
    ]
    .map(|pipe| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    });
    let Some(status) = super::wait::until(&mut child, Instant::now() + within) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(HarnessError::Overran {
            command: format!("{command:?}"),
            waited: within,
        });
    };
    let status = status.map_err(HarnessError::Wait)?;
    let [stdout, stderr] = readers.map(|reader| reader.join().unwrap_or_default());
    Ok(Output {
        status,
        stdout,
        stderr,
    })
}
