//! A hung server never hangs its clients (issue 15).
//!
//! A server that accepts and never answers (here a listener in the test
//! process; on Unix also a real `piperpc serve` stopped with SIGSTOP) must
//! make `piperpc call` fail within its connect timeout,
//! naming the problem; a stream open when the server froze must end with
//! `UNAVAILABLE` once a keepalive ping goes unanswered; and after SIGCONT
//! the same channel must work again. The channel-level cases over a frozen
//! relay, which run on named pipes too, are in
//! `transport/tests/hung_server.rs`; pipecurl's, in
//! `pipecurl/tests/cli/hung.rs`.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use piperpc::{Address, Listener};

use crate::common::{BIN, run, unique_address};

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

/// Runs `program ARGS...` off the runtime's threads (the test's own server
/// runs on them), returning its output and how long it took.
async fn run_timed(program: &'static str, args: Vec<String>) -> (Output, Duration) {
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(program);
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
async fn piperpc_call_to_a_server_that_never_answers_exits_with_the_message() {
    let address = never_answering_server();
    let args = strings(&[
        "call",
        "--connect",
        &address,
        "--connect-timeout",
        "1",
        "echo",
        "hi",
    ]);
    let (output, took) = run_timed(BIN, args).await;
    failed_saying(&output, &format!("{NO_ANSWER} 1 s"));
    assert!(took < BOUND, "took {took:?}");
}

/// `piperpc serve` stopped with SIGSTOP: the kernel still completes
/// connections from the socket's backlog, and nothing answers.
#[cfg(unix)]
mod stopped {
    use std::time::{Duration, Instant};

    use piperpc::ChannelBuilder;
    use piperpc_demo::client::Stubs;
    use piperpc_demo::proto::demo::{CountRequest, EchoRequest};
    use tonic::Code;

    use std::process::Command;

    use super::{BOUND, NO_ANSWER, failed_saying, run_timed, strings};
    use crate::common::{BIN, MAX_MESSAGE, Server, spawn_line_by_line, wait_timeout};

    const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
    const KEEPALIVE: Duration = Duration::from_secs(1);

    /// Once `pause` returns the server is stopped: a connection made at
    /// once never has its handshake answered. kill(SIGSTOP) alone does not
    /// promise that: it wakes one thread of the server to take the signal,
    /// and until that thread gets a CPU (a while, on a busy machine) the
    /// others run on, accepting and answering. Each of 50 attempts connects
    /// right after the pause.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_paused_server_answers_no_connection_made_right_after() {
        const SHORT: Duration = Duration::from_millis(200);
        let server = Server::start();
        let builder = ChannelBuilder::new(server.address())
            .unwrap()
            .connect_timeout(SHORT);
        let mut answered = Vec::new();
        for attempt in 0..50 {
            server.pause();
            match builder.clone().connect().await {
                // Either way unanswered: a starved test may even time out
                // before its own connect completes.
                Err(
                    piperpc::Error::HandshakeTimeout { .. } | piperpc::Error::ConnectTimeout { .. },
                ) => {}
                other => answered.push(format!("attempt {attempt}: {other:?}")),
            }
            server.resume();
        }
        assert!(
            answered.is_empty(),
            "{} of 50 connects were answered by a paused server: {answered:#?}",
            answered.len()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn streams_and_calls_fail_while_stopped_and_the_channel_recovers_after_sigcont() {
        let server = Server::start();
        let channel = ChannelBuilder::new(server.address())
            .unwrap()
            .connect_timeout(CONNECT_TIMEOUT)
            .keepalive(Some(KEEPALIVE))
            .keepalive_timeout(KEEPALIVE)
            .connect()
            .await
            .expect("connect");
        let mut stubs = Stubs::new(channel, MAX_MESSAGE);
        let request = CountRequest {
            count: 1_000_000,
            payload_size: 0,
            interval_ms: 20,
        };
        let mut count = stubs.echo.count(request).await.unwrap().into_inner();
        assert!(count.message().await.unwrap().is_some());

        server.pause();
        let stopped = Instant::now();
        let ended = loop {
            match tokio::time::timeout(BOUND, count.message()).await {
                // Messages already on their way still arrive.
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None)) => panic!("the stream ended cleanly on a stopped server"),
                Ok(Err(status)) => break status,
                Err(_) => panic!("the open stream hung on a stopped server"),
            }
        };
        assert_eq!(ended.code(), Code::Unavailable, "{ended:?}");
        assert!(
            ended
                .message()
                .contains("did not answer a keepalive ping within 1 s"),
            "{ended:?}"
        );
        assert!(stopped.elapsed() < BOUND);

        let started = Instant::now();
        let failed = tokio::time::timeout(BOUND, stubs.echo.echo(EchoRequest::default()))
            .await
            .expect("a unary call to a stopped server hung")
            .expect_err("the server is stopped");
        assert_eq!(failed.code(), Code::Unavailable, "{failed:?}");
        assert!(failed.message().contains(NO_ANSWER), "{failed:?}");
        assert!(started.elapsed() < BOUND, "took {:?}", started.elapsed());

        server.resume();
        let reply = tokio::time::timeout(
            BOUND,
            stubs.echo.echo(EchoRequest {
                message: "back".into(),
                ..Default::default()
            }),
        )
        .await
        .expect("the call hung after SIGCONT")
        .expect("the same channel works again after SIGCONT");
        assert_eq!(reply.into_inner().message, "back");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn piperpc_call_fails_on_a_stopped_server_instead_of_hanging() {
        let server = Server::start();
        let address = server.address().to_string();
        server.pause();
        let call = strings(&[
            "call",
            "--connect",
            &address,
            "--connect-timeout",
            "1",
            "echo",
            "hi",
        ]);
        let (output, took) = run_timed(BIN, call).await;
        failed_saying(&output, &format!("{NO_ANSWER} 1 s"));
        assert!(took < BOUND, "took {took:?}");

        server.resume();
        let (output, _) =
            run_timed(BIN, strings(&["call", "--connect", &address, "echo", "hi"])).await;
        assert!(output.status.success(), "{output:?}");
    }

    /// `piperpc call` in the middle of an endless stream exits with UNAVAILABLE
    /// (64 + 14) once its keepalive ping goes unanswered.
    fn stream_ends_when_the_server_stops(program: &str, args: &[&str]) {
        let server = Server::start();
        let mut command = Command::new(program);
        command.args(args.iter().map(|a| a.replace("ADDRESS", server.address())));
        let (mut child, _stdin, lines) = spawn_line_by_line(command);
        lines.recv_timeout(BOUND).expect("the stream never started");
        server.pause();
        let status = wait_timeout(&mut child, BOUND).expect("the client hung on a stopped server");
        assert_eq!(status.code(), Some(64 + Code::Unavailable as i32));
        server.resume();
    }

    #[test]
    fn piperpc_call_keepalive_ends_an_open_stream() {
        stream_ends_when_the_server_stops(
            BIN,
            &[
                "call",
                "--connect",
                "ADDRESS",
                "--keepalive",
                "1",
                "--keepalive-timeout",
                "1",
                "count",
                "1000000",
                "--interval-ms",
                "20",
            ],
        );
    }
}
