//! gRPC over a real Windows named pipe, end to end: bind, serve tonic's health
//! service, connect, call. On Linux these run under Wine
//! (`scripts/test-windows.sh`).
#![cfg(windows)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use piperpc::{Address, Error, Listener};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// A pipe name no other test (or earlier run) uses.
fn unique_pipe() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(r"\\.\pipe\piperpc-test-{}-{n}", std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_check_over_a_named_pipe() {
    let name = unique_pipe();
    let address = Address::parse(&name).expect("a pipe address");
    assert_eq!(address, Address::NamedPipe(name.clone()));
    let listener = Listener::bind(&address).expect("bind the pipe");
    assert_eq!(listener.local_address().to_string(), name);

    let (_reporter, health) = tonic_health::server::health_reporter();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(health)
            .serve_with_incoming(listener.into_incoming()),
    );

    let channel = tokio::time::timeout(Duration::from_secs(10), piperpc::connect(&name))
        .await
        .expect("connect within 10s")
        .expect("connect to the pipe");
    let mut client = HealthClient::new(channel);
    let reply = tokio::time::timeout(
        Duration::from_secs(10),
        client.check(HealthCheckRequest::default()),
    )
    .await
    .expect("health check within 10s")
    .expect("health check");
    assert_eq!(reply.into_inner().status(), ServingStatus::Serving);

    server.abort();
}

#[tokio::test]
async fn connecting_to_a_pipe_nobody_serves_fails_fast() {
    let name = unique_pipe();
    let started = Instant::now();
    let error = piperpc::connect(&name)
        .await
        .expect_err("nobody serves this pipe");
    let elapsed = started.elapsed();

    assert!(
        matches!(error, Error::NotListening { .. }),
        "expected NotListening, got {error:?}"
    );
    let expected = format!("no server is listening on {name}");
    assert!(
        error.to_string().contains(&expected),
        "error text {:?} does not contain {expected:?}",
        error.to_string()
    );
    assert!(
        error
            .to_string()
            .contains(r"no server is listening on \\.\pipe\"),
        "{error}"
    );
    // Not the 5 s busy-retry timeout: a missing pipe is reported at once
    // (generous bound, Wine is slow to start things).
    assert!(
        elapsed < Duration::from_secs(2),
        "took {elapsed:?} to report a missing pipe"
    );
}
