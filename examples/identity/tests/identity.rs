//! The identity example as a user runs it: the server starts its worker,
//! which is admitted and told its own pid; another process, of the same
//! user, is refused with `PERMISSION_DENIED` and the reason.

use std::process::{Command, Output};
use std::time::Duration;

use pipecurl::harness::{TestServer, fresh_address};

/// Generous: the machine is shared and busy, and Wine is slow to start.
const TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn the_worker_is_admitted_and_sees_its_own_pid_another_process_is_refused() {
    let server = start_server();
    let next_line = || {
        server
            .next_line(TIMEOUT)
            .unwrap_or_else(|| panic!("no line from the server within {TIMEOUT:?}"))
    };

    let started = next_line();
    let worker: u32 = started
        .strip_prefix("started worker ")
        .and_then(|pid| pid.parse().ok())
        .unwrap_or_else(|| panic!("not a worker pid: {started:?}"));
    // The worker's lines (its stdout is the server's), then its exit.
    let seen = next_line();
    assert!(
        seen.starts_with(&format!("the server sees me as: pid {worker}")),
        "the handler read the worker's pid from ConnectInfo: {seen:?}"
    );
    #[cfg(unix)]
    assert!(seen.contains(", uid "), "and its uid: {seen:?}");
    #[cfg(windows)]
    assert!(seen.contains(", user S-1-5-"), "and its SID: {seen:?}");
    assert_eq!(next_line(), format!("my own pid: {worker}"));
    let exited = next_line();
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

    server
        .stop()
        .expect("the server exits 0 at the end of stdin");
}

#[test]
fn a_worker_that_cannot_start_is_a_clear_error() {
    let missing = std::env::temp_dir().join("identity-example-no-such-worker");
    let output = run(server_command(&[
        "--listen",
        &fresh_address("identity"),
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

// --- processes ---------------------------------------------------------------

/// The server binary on a fresh address, ready for calls: pipecurl's test
/// harness starts it, waits for its ready line, and checks it stops cleanly.
fn start_server() -> TestServer {
    let address = fresh_address("identity");
    TestServer::start(server_command(&[
        "--listen",
        &address,
        "--stop-on-stdin-eof",
    ]))
    .expect("the server starts and reports ready")
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

/// Runs `command` to its end within [`TIMEOUT`] (a hung client fails the
/// test instead of hanging it).
fn run(command: Command) -> Output {
    pipecurl::harness::run(command, TIMEOUT).unwrap_or_else(|e| panic!("{e}"))
}
