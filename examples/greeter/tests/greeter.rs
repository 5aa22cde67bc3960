//! The greeter example as a user runs it: the server binary in one process,
//! the client binary (or Python's grpcio) in another, over a real pipe.

use std::process::{Command, Output};
use std::time::Duration;

use pipecurl::harness::{HarnessError, TestServer, fresh_address};

use greeter_example::pb::greeter_client::GreeterClient;
use greeter_example::pb::{CountDownRequest, HelloRequest};

/// Generous: the machine is shared and busy, and Wine is slow to start.
const TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn the_client_calls_every_rpc_kind_of_the_server() {
    let server = start_server();
    let output = run(client(server.address()));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "SayHello: Hello, Rust!\n\
         CountDown: 3: Hello, Rust! / 2: Hello, Rust! / 1: Hello, Rust!\n\
         CollectNames: 3 names: Hello, Ann, Bob, Cy!\n\
         Chat: you said: hi / you said: bye\n",
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "client: {:?}", output.status);
    server
        .stop()
        .expect("the server exits 0 at the end of stdin");
}

#[test]
fn bad_requests_get_invalid_argument_with_the_reason() {
    let server = start_server();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let channel = piperpc::connect(server.address()).await.unwrap();
        let mut greeter = GreeterClient::new(channel);
        let empty = greeter
            .say_hello(HelloRequest::default())
            .await
            .unwrap_err();
        assert_eq!(empty.code(), tonic::Code::InvalidArgument, "{empty}");
        assert_eq!(empty.message(), "name is empty");
        let request = CountDownRequest {
            name: "Rust".into(),
            from: 1_000_000,
        };
        let huge = greeter.count_down(request).await.unwrap_err();
        assert_eq!(huge.code(), tonic::Code::InvalidArgument, "{huge}");
        assert_eq!(huge.message(), "from is 1000000; at most 100");
    });
    drop(runtime);
    server.stop().expect("a clean stop");
}

/// The server serves reflection, so tools (pipecurl, grpcurl) and the test
/// harness call it with JSON, knowing nothing of its stubs.
#[test]
fn reflection_lets_any_tool_call_it_with_json() {
    let server = start_server();
    let reply = server
        .prepare("greeter.v1.Greeter/SayHello")
        .json(serde_json::json!({"name": "JSON"}))
        .send_blocking()
        .expect("a call through reflection")
        .expect_ok();
    assert_eq!(reply.single()["message"], "Hello, JSON!");

    let refused = server
        .prepare("greeter.v1.Greeter/SayHello")
        .json(serde_json::json!({"name": ""}))
        .send_blocking()
        .unwrap();
    assert_eq!(refused.status, tonic::Code::InvalidArgument);
    assert_eq!(refused.status_message, "name is empty");
    server.stop().expect("a clean stop");
}

#[test]
fn bad_input_is_a_clear_error_not_a_panic() {
    let bad_address = run(server_command(&["--listen", "bad:://x"]));
    let stderr = String::from_utf8_lossy(&bad_address.stderr);
    assert!(!bad_address.status.success());
    assert!(
        stderr.starts_with("server: invalid address `bad:://x`: unknown scheme"),
        "{stderr}"
    );

    let unknown = run(server_command(&["--port", "1"]));
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(!unknown.status.success());
    assert!(
        stderr.contains("unexpected argument '--port'") && stderr.contains("Usage: server"),
        "{stderr}"
    );

    let nobody_there = run(client(&fresh_address("greeter")));
    let stderr = String::from_utf8_lossy(&nobody_there.stderr);
    assert!(!nobody_there.status.success());
    assert!(
        stderr.starts_with("client: no server is listening on "),
        "{stderr}"
    );
}

/// Without `--stop-on-stdin-eof`, the server serves on with its stdin
/// closed, as under nohup or a service manager: closing it does not stop
/// the server, which then has to be terminated.
#[test]
fn a_closed_stdin_stops_the_server_only_with_the_switch() {
    let address = fresh_address("greeter");
    let server = TestServer::start(server_command(&["--listen", &address])).unwrap();
    let error = server
        .stop_within(Duration::from_secs(2))
        .expect_err("the end of stdin alone must not stop it");
    assert!(matches!(error, HarnessError::Killed { .. }), "{error}");
}

/// SIGTERM stops the server cleanly (exit 0).
#[cfg(unix)]
#[test]
fn sigterm_stops_the_server() {
    let address = fresh_address("greeter");
    let server = TestServer::start(server_command(&["--listen", &address])).unwrap();
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let status = server.wait_within(TIMEOUT).expect("it stops on SIGTERM");
    assert!(status.success(), "{status:?}");
}

/// Python's grpcio (gRPC C-core), with a `unix:` target and default channel
/// options, calls the Rust server. Unix only: grpcio has no named pipes.
#[cfg(unix)]
#[test]
fn python_grpcio_with_default_options_calls_every_rpc_kind() {
    let has_grpcio = Command::new("python3")
        .args(["-c", "import grpc"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !has_grpcio {
        // CI installs grpcio and sets this, so there the test cannot skip.
        assert!(
            std::env::var_os("PIPERPC_REQUIRE_INTEROP").is_none(),
            "python3 with grpcio is required (python3 -m pip install grpcio)"
        );
        // Written past libtest's capture, so the skip shows in the run.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "skipped: python3 with grpcio is not installed (python3 -m pip install grpcio)"
        );
        return;
    }
    let server = start_server();
    let mut python = Command::new("python3");
    python
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/python/greeter_client.py"
        ))
        .arg(server.address());
    let output = run(python);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "SayHello: Hello, Python!\n\
         CountDown: 3: Hello, Python! / 2: Hello, Python! / 1: Hello, Python!\n\
         CollectNames: 2 names: Hello, Ann, Bob!\n\
         Chat: you said: hi / you said: bye\n\
         SayHello with no name: INVALID_ARGUMENT: name is empty\n",
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "python: {:?}", output.status);
    server.stop().expect("a clean stop");
}

// --- processes ---------------------------------------------------------------

/// The server binary on a fresh address, ready for calls: pipecurl's test
/// harness starts it, waits for its ready line, and checks it stops cleanly.
fn start_server() -> TestServer {
    let address = fresh_address("greeter");
    TestServer::start(server_command(&[
        "--listen",
        &address,
        "--stop-on-stdin-eof",
    ]))
    .expect("the server starts and reports ready")
}

fn server_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
    command.args(args);
    command
}

fn client(address: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_client"));
    command.args(["--connect", address]);
    command
}

/// Runs `command` to its end within [`TIMEOUT`] (a hung client fails the
/// test instead of hanging it).
fn run(command: Command) -> Output {
    pipecurl::harness::run(command, TIMEOUT).unwrap_or_else(|e| panic!("{e}"))
}
