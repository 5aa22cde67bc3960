//! Standard gRPC clients that are not tonic call `piperpc serve` with their
//! default channel options: Python's grpcio (gRPC C-core) and Node's
//! grpc-js, over `unix:` targets. Both send the socket path as `:authority`.

#![cfg(unix)]

use std::process::Command;
use std::time::Duration;

use crate::common::{Server, run};

/// Runs a stock client to the end; its stdout, once it has succeeded.
fn run_client(command: Command) -> String {
    let output = run(command, Duration::from_secs(120));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// True when python3 can import grpcio. Without it a test skips, except in
/// CI, which installs it and sets `PIPERPC_REQUIRE_INTEROP`.
fn has_grpcio() -> bool {
    let has_grpcio = Command::new("python3")
        .args(["-c", "import grpc"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_grpcio {
        assert!(
            std::env::var_os("PIPERPC_REQUIRE_INTEROP").is_none(),
            "python3 with grpcio is required (pip install grpcio)"
        );
        crate::common::notice("skipped: python3 with grpcio is not installed (pip install grpcio)");
    }
    has_grpcio
}

#[test]
fn grpcio_with_default_options_calls_every_rpc_kind_over_a_unix_socket() {
    if !has_grpcio() {
        return;
    }
    let server = Server::start();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/grpcio_client.py"
    );
    let mut command = Command::new("python3");
    command.arg(script).arg(server.address());
    let stdout = run_client(command);
    assert_eq!(
        stdout,
        "health: SERVING\necho: from grpcio\ncount: 1 2 3\ncollect: 3 messages, 14 bytes\n\
         chat: you said: hi / you said: bye\nget absent: NOT_FOUND\n\
         1000 calls with varied metadata: all intact\n"
    );
}

#[test]
fn grpc_js_with_default_options_calls_every_rpc_kind_over_a_unix_socket() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop");
    let installed = std::path::Path::new(dir)
        .join("node_modules/@grpc/grpc-js")
        .is_dir();
    let has_node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !(installed && has_node) {
        // CI installs them and sets this, so there the test cannot skip.
        assert!(
            std::env::var_os("PIPERPC_REQUIRE_INTEROP").is_none(),
            "node with @grpc/grpc-js is required (npm ci --prefix tests/interop)"
        );
        crate::common::notice(
            "skipped: node with @grpc/grpc-js is not installed (npm ci --prefix tests/interop)",
        );
        return;
    }
    let server = Server::start();
    let mut command = Command::new("node");
    command
        .arg(format!("{dir}/grpc_js_client.js"))
        .arg(server.address());
    let stdout = run_client(command);
    assert_eq!(
        stdout,
        "echo: from grpc-js\ncount: 1 2 3\ncollect: 3 messages, 14 bytes\n\
         chat: you said: hi / you said: bye\n500 calls with varied metadata: all intact\n"
    );
}

#[cfg(feature = "tls")]
#[test]
fn grpcio_calls_over_mutual_tls_with_ssl_channel_credentials() {
    use pipecurl::harness::tls::{Leaf, TestCa};

    if !has_grpcio() {
        return;
    }
    let ca = TestCa::new("interop CA");
    let ca_pem = ca.write("ca");
    let (cert, key) = ca
        .issue(&Leaf::server(["localhost", "127.0.0.1"]))
        .write(ca.dir(), "server");
    let worker = ca
        .issue(&Leaf::client("worker").san("spiffe://example.org/worker"))
        .write(ca.dir(), "worker");
    let other = ca
        .issue(&Leaf::client("other").san("spiffe://example.org/other"))
        .write(ca.dir(), "other");
    let path = |p: &std::path::Path| p.to_str().expect("UTF-8 path").to_string();
    let server = Server::start_on(
        &["127.0.0.1:0"],
        &[
            "--tls-cert",
            &path(&cert),
            "--tls-key",
            &path(&key),
            "--client-ca",
            &path(&ca_pem),
            "--allow-san",
            "spiffe://example.org/worker",
        ],
    );
    let port = server.address().rsplit(':').next().expect("a port");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/grpcio_tls_client.py"
    );
    let mut command = Command::new("python3");
    command
        .arg(script)
        .arg(format!("localhost:{port}"))
        .args([&ca_pem, &worker.0, &worker.1, &other.0, &other.1]);
    let stdout = run_client(command);
    assert_eq!(stdout, "worker: echo over mTLS\nother: PERMISSION_DENIED\n");
}
