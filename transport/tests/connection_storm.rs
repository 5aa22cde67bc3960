//! A connection storm: 256 clients connect to one real server at the same
//! moment, and every one of them connects and has its call served.
//!
//! On Unix the listen backlog queues the burst; on Windows (under Wine on
//! Linux, `scripts/test-windows.sh`) the listener's pending pipe instances
//! take the first clients and the rest find the pipe busy and retry, which
//! the connector does until its connect timeout.

use std::sync::Arc;
use std::time::Duration;

use piperpc::{Address, ChannelBuilder, Server};
use tokio::sync::Barrier;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

const CLIENTS: usize = 256;

/// Generous on purpose: 256 connections at once on a busy 2-core machine,
/// under Wine on Windows. A bound shows "not forever", never a speed.
const PATIENCE: Duration = Duration::from_secs(120);

/// An address of this test's own: a pipe on Windows, a socket file in the
/// temp directory elsewhere.
fn storm_address() -> Address {
    let name = format!("piperpc-storm-{}", std::process::id());
    if cfg!(windows) {
        Address::NamedPipe(format!(r"\\.\pipe\{name}"))
    } else {
        Address::Unix(std::env::temp_dir().join(format!("{name}.sock")))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_of_a_burst_connects_and_is_served() {
    let address = storm_address();
    let (_reporter, health) = tonic_health::server::health_reporter();
    let bound = Server::builder()
        .add_service(health)
        .bind([&address])
        .expect("bind the storm address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bound.serve_with_shutdown(async {
        let _ = stopped.await;
    }));

    let start = Arc::new(Barrier::new(CLIENTS));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let address = address.clone();
            let start = start.clone();
            tokio::spawn(async move {
                // Built before the barrier, so the connects themselves are
                // what starts together.
                let builder = ChannelBuilder::new(&address)
                    .map_err(|e| format!("client {n}: {e}"))?
                    .connect_timeout(PATIENCE);
                start.wait().await;
                let channel = builder
                    .connect()
                    .await
                    .map_err(|e| format!("client {n}: connect: {e}"))?;
                let reply = HealthClient::new(channel)
                    .check(HealthCheckRequest::default())
                    .await
                    .map_err(|e| format!("client {n}: call: {e}"))?;
                match reply.into_inner().status() {
                    ServingStatus::Serving => Ok(()),
                    other => Err(format!("client {n}: served {other:?}")),
                }
            })
        })
        .collect();

    let mut failures = Vec::new();
    for (n, client) in clients.into_iter().enumerate() {
        match tokio::time::timeout(PATIENCE, client).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(failure))) => failures.push(failure),
            Ok(Err(panic)) => failures.push(format!("client {n} panicked: {panic}")),
            Err(_) => failures.push(format!("client {n}: no answer within {PATIENCE:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {CLIENTS} clients failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    let _ = stop.send(());
    tokio::time::timeout(PATIENCE, server)
        .await
        .expect("the server stops")
        .expect("the server task")
        .expect("the server ends cleanly");
}
