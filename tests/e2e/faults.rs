//! Clients that die, servers that are not there, addresses already taken.

use std::process::Command;
use std::time::Duration;

use piperpc_demo::proto::demo::{CountRequest, EchoRequest};

use crate::common::{BIN, Server, call, call_ok, run, stubs, unique_address};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_mid_stream_leaves_the_server_serving_others() {
    let server = Server::start();
    let mut other = stubs(server.address()).await;
    let request = CountRequest {
        count: 1_000,
        payload_size: 0,
        interval_ms: 10,
    };
    let mut survivor = other.echo.count(request).await.unwrap().into_inner();

    let mut victim = crate::common::client_mid_stream(server.address(), 3);
    victim.kill().unwrap();
    victim.wait().unwrap();

    // The other stream goes on, and new calls are answered.
    for _ in 0..5 {
        assert!(survivor.message().await.unwrap().is_some());
    }
    assert_eq!(
        call_ok(server.address(), &["echo", "still here"]),
        "still here\n"
    );
    let reply = other.echo.echo(EchoRequest::default()).await;
    assert!(reply.is_ok(), "{reply:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calling_an_address_with_no_server_fails_clearly_and_quickly() {
    let address = unique_address();
    let mut command = Command::new(BIN);
    command.args(["call", "--connect", &address, "echo", "hi"]);
    // A hang would trip this bound; the call itself fails at once.
    let output = run(command, Duration::from_secs(20));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shown = piperpc::Address::parse(&address).unwrap().to_string();
    assert!(
        stderr.contains(&format!("no server is listening on {shown}")),
        "{stderr}"
    );

    let error = piperpc::connect(&address).await.unwrap_err();
    assert!(
        matches!(error, piperpc::Error::NotListening { .. }),
        "{error:?}"
    );
}

#[test]
fn binding_an_address_a_live_server_holds_fails_clearly() {
    if crate::common::skipped_under_wine(
        "Wine does not enforce FILE_FLAG_FIRST_PIPE_INSTANCE, so a second server binds the same pipe name",
    ) {
        return;
    }
    let server = Server::start();
    let mut second = Command::new(BIN);
    second.args(["serve", "--listen", server.address()]);
    let output = run(second, Duration::from_secs(20));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("in use"), "{stderr}");
    assert!(stderr.contains(server.address()), "{stderr}");
    // The first server was not disturbed.
    assert_eq!(call_ok(server.address(), &["echo", "mine"]), "mine\n");
}

#[test]
fn an_invalid_address_is_a_usage_error_naming_it() {
    let output = call("no/such\\thing", &["echo", "x"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid address `no/such\\thing`"),
        "{stderr}"
    );
}

#[test]
fn bad_names_and_paths_are_clear_errors() {
    let serve = |address: &str| {
        let mut command = Command::new(BIN);
        command.args(["serve", "--listen", address]);
        run(command, Duration::from_secs(20))
    };
    let long = format!("unix:/tmp/{}.sock", "x".repeat(200));
    let pipe_long = format!(r"\\.\pipe\{}", "p".repeat(300));
    let mut cases = vec![
        ("", 2, "the address is empty"),
        (long.as_str(), 2, "the OS allows at most"),
        (pipe_long.as_str(), 2, "at most 256"),
        ("bad|name", 2, "`|` is not allowed"),
    ];
    if cfg!(unix) {
        cases.push(("unix:/no/such/dir/x.sock", 1, "No such file or directory"));
    }
    for (address, exit, expected) in cases {
        let output = serve(address);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(exit), "{address}: {stderr}");
        assert!(stderr.contains(expected), "{address}: {stderr}");
        assert!(!stderr.contains("panicked"), "{address}: {stderr}");
        if !address.is_empty() {
            assert!(
                stderr.contains(&address[..address.len().min(20)]),
                "{address}: {stderr}"
            );
        }
    }
}

#[test]
fn a_client_whose_reader_goes_away_exits_quietly() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;

    let server = Server::start();
    let mut child = Command::new(BIN)
        .args(["call", "--connect", server.address()])
        .args(["count", "100000", "--interval-ms", "1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn piperpc call");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("the first number");
    assert_eq!(first, "1\n");
    // `piperpc call ... | head -1`: the reader goes away mid-stream.
    drop(stdout);
    let status = crate::common::wait_timeout(&mut child, Duration::from_secs(60))
        .expect("the client exits once its output is gone");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "{status}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
