//! A hung server never hangs pipecurl (issue 15).
//!
//! A server that accepts and never answers (here a listener in the test
//! process; on Unix also a real `piperpc serve` stopped with SIGSTOP) must
//! make pipecurl fail within its connect timeout, naming the problem, and
//! a stream open when the server froze must end with `UNAVAILABLE` once a
//! keepalive ping goes unanswered. The same cases for `piperpc call` are in
//! the demo's `tests/e2e/hung.rs`.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use piperpc::{Address, Listener};

use crate::support::{PIPECURL, run, unique_address};

/// What every failed connect to a hung server says.
const NO_ANSWER: &str = "accepted the connection but did not answer the HTTP/2 handshake within";
/// Bounds several times the configured timeouts: the machine is shared.
const BOUND: Duration = Duration::from_secs(30);

/// A server that accepts every connection and never writes a byte.
fn never_answering_server() -> String {
    let address = unique_address();
    let mut listener = Listener::bind(Address::parse(&address).unwrap()).expect("bind");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok(connection) = listener.accept().await {
            held.push(connection);
        }
    });
    address
}

/// Runs pipecurl with `args` off the runtime's threads (the test's own
/// server runs on them), returning its output and how long it took.
async fn run_timed(args: Vec<String>) -> (Output, Duration) {
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(PIPECURL);
        command.args(&args);
        let started = Instant::now();
        let output = run(command, BOUND * 2);
        (output, started.elapsed())
    })
    .await
    .expect("the runner thread")
}

/// Asserts `output` failed with status 1 and `expected` in its stderr.
fn failed_saying(output: &Output, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains(expected), "stderr: {stderr}");
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipecurl_to_a_server_that_never_answers_exits_with_the_message() {
    let address = never_answering_server();
    // grpcurl's single-dash spelling.
    let args = strings(&["-connect-timeout", "1", &address, "list"]);
    let (output, took) = run_timed(args).await;
    failed_saying(
        &output,
        &format!("Failed to dial target host: the server on {address} {NO_ANSWER} 1 s"),
    );
    assert!(took < BOUND, "took {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipecurl_waits_ten_seconds_for_the_handshake_by_default() {
    let address = never_answering_server();
    let (output, took) = run_timed(strings(&[&address, "list"])).await;
    failed_saying(&output, &format!("{NO_ANSWER} 10 s"));
    assert!(took >= Duration::from_secs(5), "gave up early: {took:?}");
}

/// `piperpc serve` stopped with SIGSTOP: the kernel still completes
/// connections from the socket's backlog, and nothing answers.
#[cfg(unix)]
mod stopped {
    use std::process::Command;

    use tonic::Code;

    use super::{BOUND, NO_ANSWER, failed_saying, run_timed, strings};
    use crate::support::{PIPECURL, server, spawn_line_by_line, wait_timeout};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pipecurl_fails_on_a_stopped_server_instead_of_hanging() {
        let server = server();
        let address = server.address().to_string();
        server.pause();
        let list = strings(&["-connect-timeout", "1", &address, "list"]);
        let (output, took) = run_timed(list).await;
        failed_saying(&output, &format!("{NO_ANSWER} 1 s"));
        assert!(took < BOUND, "took {took:?}");

        server.resume();
        let (output, _) = run_timed(strings(&[&address, "list"])).await;
        assert!(output.status.success(), "{output:?}");
    }

    /// pipecurl in the middle of an endless stream exits with UNAVAILABLE
    /// (64 + 14) once its keepalive ping goes unanswered.
    #[test]
    fn pipecurl_keepalive_time_ends_an_open_stream() {
        let server = server();
        let mut command = Command::new(PIPECURL);
        command.args([
            "-keepalive-time",
            "1",
            "-d",
            r#"{"count": 1000000, "intervalMs": 20}"#,
            server.address(),
            "piperpc.demo.v1.Echo/Count",
        ]);
        let (mut child, _stdin, lines) = spawn_line_by_line(command);
        lines.recv_timeout(BOUND).expect("the stream never started");
        server.pause();
        let status = wait_timeout(&mut child, BOUND).expect("the client hung on a stopped server");
        assert_eq!(status.code(), Some(64 + Code::Unavailable as i32));
        server.resume();
    }
}
