//! Standard gRPC clients that are not tonic call `piperpc serve` with their
//! default channel options: Python's grpcio (gRPC C-core) and Node's
//! grpc-js, over `unix:` targets. Both send the socket path as `:authority`.

#![cfg(unix)]

use std::process::Command;
use std::time::Duration;

use crate::common::{Server, run};

#[test]
fn grpcio_with_default_options_calls_every_rpc_kind_over_a_unix_socket() {
    let has_grpcio = Command::new("python3")
        .args(["-c", "import grpc"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_grpcio {
        // CI installs grpcio and sets this, so there the test cannot skip.
        assert!(
            std::env::var_os("PIPERPC_REQUIRE_INTEROP").is_none(),
            "python3 with grpcio is required (pip install grpcio)"
        );
        crate::common::notice("skipped: python3 with grpcio is not installed (pip install grpcio)");
        return;
    }
    let server = Server::start();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/grpcio_client.py"
    );
    let mut command = Command::new("python3");
    command.arg(script).arg(server.address());
    let output = run(command, Duration::from_secs(120));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
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
    let output = run(command, Duration::from_secs(120));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout,
        "echo: from grpc-js\ncount: 1 2 3\ncollect: 3 messages, 14 bytes\n\
         chat: you said: hi / you said: bye\n500 calls with varied metadata: all intact\n"
    );
}
