//! A standard gRPC client that is not tonic calls `piperpc serve`: Python's
//! grpcio (gRPC C-core) over a `unix:` target.

#![cfg(unix)]

use std::process::Command;
use std::time::Duration;

use crate::common::{Server, run};

#[test]
fn grpcio_calls_the_server_over_a_unix_socket() {
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
    let output = run(command, Duration::from_secs(60));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout,
        "health: SERVING\necho: from grpcio\ncount: 1 2 3\nget absent: NOT_FOUND\n"
    );
}
