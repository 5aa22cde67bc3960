//! The identity example as a user runs it: the server starts its worker,
//! which is admitted and told its own pid; another process, of the same
//! user, is refused with `PERMISSION_DENIED` and the reason.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

/// Generous: the machine is shared and busy, and Wine is slow to start.
const TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn the_worker_is_admitted_and_sees_its_own_pid_another_process_is_refused() {
    let server = Server::start(&[]);

    let started = server.next_line();
    let worker: u32 = started
        .strip_prefix("started worker ")
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("not a worker pid: {started:?}"));
    // The worker's lines (its stdout is the server's), then its exit.
    let seen = server.next_line();
    assert!(
        seen.starts_with(&format!("the server sees me as: pid {worker}")),
        "the handler read the worker's pid from ConnectInfo: {seen:?}"
    );
    #[cfg(unix)]
    assert!(seen.contains(", uid "), "and its uid: {seen:?}");
    #[cfg(windows)]
    assert!(seen.contains(", user S-1-5-"), "and its SID: {seen:?}");
    assert_eq!(server.next_line(), format!("my own pid: {worker}"));
    let exited = server.next_line();
    assert!(
        exited.starts_with(&format!("worker {worker} exited: ")) && exited.ends_with(" 0"),
        "{exited}"
    );

    // Same user, same binary; not the worker.
    let outsider = run(client(server.address()));
    let stderr = String::from_utf8_lossy(&outsider.stderr);
    assert!(!outsider.status.success(), "the outsider was admitted");
    assert!(
        stderr.starts_with("identity-client: PermissionDenied: permission denied: process ")
            && stderr.contains(" is not this server's worker (no worker is running)"),
        "{stderr}"
    );
    assert!(outsider.stdout.is_empty(), "{:?}", outsider.stdout);

    assert!(
        server.stop().success(),
        "the server exits 0 at the end of stdin"
    );
}

#[test]
fn a_worker_that_cannot_start_is_a_clear_error() {
    let missing = std::env::temp_dir().join("identity-example-no-such-worker");
    let output = run(server_command(&[
        "--listen",
        &fresh_name(),
        "--worker",
        missing.to_str().unwrap(),
    ]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.starts_with(&format!(
            "identity-server: cannot start the worker {}: ",
            missing.display()
        )),
        "{stderr}"
    );
}

#[test]
fn bad_options_are_a_clear_error() {
    let output = run(server_command(&["--listen"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("a value is required for '--listen <LISTEN>'"),
        "{stderr}"
    );
}

// --- spawn, wait for ready, stop ---------------------------------------------

/// The server binary, started on a fresh address and ready for calls.
struct Server {
    child: Child,
    address: String,
    lines: Receiver<String>,
}

impl Server {
    /// Starts `identity-server --listen NAME --stop-on-stdin-eof ARGS` and
    /// waits for its ready line.
    fn start(args: &[&str]) -> Server {
        let name = fresh_name();
        let mut command = server_command(&["--listen", &name, "--stop-on-stdin-eof"]);
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = command.spawn().expect("start the server");
        let stdout = child.stdout.take().expect("piped stdout");
        let (line, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Read on to the end, so the server never blocks on a full pipe.
            for text in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = line.send(text);
            }
        });
        let mut server = Server {
            child,
            address: String::new(),
            lines,
        };
        let ready = server.next_line();
        server.address = ready
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("not a ready line: {ready:?}"))
            .to_string();
        server
    }

    fn address(&self) -> &str {
        &self.address
    }

    /// The next line the server (or its worker) printed.
    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(TIMEOUT)
            .unwrap_or_else(|error| panic!("no line from the server within {TIMEOUT:?}: {error}"))
    }

    /// Closes the server's stdin (its portable stop) and waits for it.
    fn stop(mut self) -> ExitStatus {
        drop(self.child.stdin.take());
        wait(&mut self.child, "the server to stop")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A failed test must not leave the server running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_identity-server"));
    command.args(args);
    command
}

fn client(address: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_identity-client"));
    command.args(["--connect", address]);
    command
}

/// A bare name no other test (or run) uses.
fn fresh_name() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("identity-test-{}-{n}", std::process::id())
}

/// Runs `command` to its end within [`TIMEOUT`] (a hung client fails the
/// test instead of hanging it).
fn run(command: Command) -> Output {
    pipecurl::harness::run(command, TIMEOUT).unwrap_or_else(|e| panic!("{e}"))
}

/// Waits for `child` to exit within [`TIMEOUT`]; kills it and fails if not.
fn wait(child: &mut Child, what: &str) -> ExitStatus {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("timed out after {TIMEOUT:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
