//! `Server::layer` and the call limits, end to end over a real local
//! socket or pipe: the application's tower layers see every call, their
//! refusals and errors reach the caller as gRPC statuses, and the
//! server's own limits (concurrency, load shedding, timeout) hold.

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::{PATIENCE, Probe, check, health, spawn, unique_address};
use piperpc::{ConnectInfo, Server};
use tonic::service::InterceptorLayer;

fn health_service()
-> tonic_health::pb::health_server::HealthServer<impl tonic_health::pb::health_server::Health> {
    tonic_health::server::health_reporter().1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layer_sees_every_call() {
    let address = unique_address("layer");
    let probe = Probe::open();
    let bound = Server::builder()
        .layer(probe.layer())
        .add_service(health_service())
        .bind([&address])
        .unwrap();
    spawn(bound);
    let mut client = health(&address.to_string()).await;
    for _ in 0..5 {
        check(&mut client).await.unwrap();
    }
    assert_eq!(probe.calls.load(Ordering::SeqCst), 5);
}

/// Admits a request with `authorization: Bearer open-sesame` from a peer
/// the listener identified; refuses others with UNAUTHENTICATED.
#[allow(clippy::result_large_err)]
fn check_token(request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
    assert!(
        request.extensions().get::<ConnectInfo>().is_some(),
        "an interceptor finds who connected"
    );
    match request.metadata().get("authorization") {
        Some(token) if token == "Bearer open-sesame" => Ok(request),
        _ => Err(tonic::Status::unauthenticated("no valid token")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interceptors_refusal_reaches_the_client_as_its_status() {
    let address = unique_address("interceptor");
    let bound = Server::builder()
        .layer(InterceptorLayer::new(check_token))
        .add_service(health_service())
        .bind([&address])
        .unwrap();
    spawn(bound);
    let mut client = health(&address.to_string()).await;
    let refused = check(&mut client).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::Unauthenticated);
    assert_eq!(refused.message(), "no valid token");

    // A client interceptor on piperpc's channel, as tonic's generated
    // clients take one.
    let channel = piperpc::connect(&address.to_string()).await.unwrap();
    let mut admitted = tonic_health::pb::health_client::HealthClient::with_interceptor(
        channel,
        |mut request: tonic::Request<()>| {
            let token = "Bearer open-sesame".parse().unwrap();
            request.metadata_mut().insert("authorization", token);
            Ok(request)
        },
    );
    admitted
        .check(tonic_health::pb::HealthCheckRequest::default())
        .await
        .unwrap();
}

/// Starts `count` health checks on one connection at once, in the
/// background.
async fn start_calls(
    address: &str,
    count: usize,
) -> tokio::task::JoinSet<Result<(), tonic::Status>> {
    let client = health(address).await;
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..count {
        let mut client = client.clone();
        calls.spawn(async move { check(&mut client).await.map(|_| ()) });
    }
    calls
}

async fn all_succeed(mut calls: tokio::task::JoinSet<Result<(), tonic::Status>>) {
    while let Some(call) = tokio::time::timeout(PATIENCE, calls.join_next())
        .await
        .expect("every call ends")
    {
        call.unwrap().unwrap();
    }
}

/// Starts `calls` calls on one connection at once behind a closed
/// `probe`, waits for `limit` of them to run, lets them all through, and
/// checks that no more than `limit` ever ran at once.
async fn holds_limit(address: &piperpc::Address, probe: &Probe, calls: usize, limit: usize) {
    let running = start_calls(&address.to_string(), calls).await;
    probe.until_running(limit).await;
    probe.release();
    all_succeed(running).await;
    assert_eq!(probe.calls.load(Ordering::SeqCst), calls);
    let peak = probe.peak.load(Ordering::SeqCst);
    assert_eq!(peak, limit, "never more than the limit at once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tower_concurrency_limit_layer_holds() {
    let address = unique_address("tower-limit");
    let probe = Probe::closed();
    let bound = Server::builder()
        .layer(tower::limit::ConcurrencyLimitLayer::new(2))
        .layer(probe.layer())
        .add_service(health_service())
        .bind([&address])
        .unwrap();
    spawn(bound);
    holds_limit(&address, &probe, 6, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_limit_per_connection_holds() {
    let address = unique_address("limit");
    let probe = Probe::closed();
    let bound = Server::builder()
        .concurrency_limit_per_connection(3)
        .layer(probe.layer())
        .add_service(health_service())
        .bind([&address])
        .unwrap();
    spawn(bound);
    holds_limit(&address, &probe, 8, 3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_shedding_refuses_a_call_that_would_wait() {
    let address = unique_address("shed");
    let probe = Probe::closed();
    let bound = Server::builder()
        .concurrency_limit_per_connection(1)
        .load_shed(true)
        .layer(probe.layer())
        .add_service(health_service())
        .bind([&address])
        .unwrap();
    spawn(bound);
    let mut client = health(&address.to_string()).await;
    let running = {
        let mut client = client.clone();
        tokio::spawn(async move { check(&mut client).await.map(|_| ()) })
    };
    probe.until_running(1).await;
    // The same connection: the limit counts one connection's calls.
    let shed = check(&mut client).await.unwrap_err();
    assert_eq!(shed.code(), tonic::Code::ResourceExhausted, "{shed:?}");
    // Another connection has a limit of its own.
    let other = tokio::spawn(async move {
        let mut other = health(&address.to_string()).await;
        check(&mut other).await.map(|_| ())
    });
    probe.until_running(2).await;
    probe.release();
    running.await.unwrap().unwrap();
    other.await.unwrap().unwrap();
    check(&mut client).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_timeout_ends_a_slow_call_with_deadline_exceeded() {
    let address = unique_address("timeout");
    let probe = Probe::closed(); // never released: every call is slow
    let bound = Server::builder()
        .timeout(Duration::from_millis(200))
        .layer(probe.layer())
        .add_service(health_service())
        .bind([&address])
        .unwrap();
    spawn(bound);
    let mut client = health(&address.to_string()).await;
    let status = check(&mut client).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::DeadlineExceeded, "{status:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tower_timeout_layer_ends_a_slow_call_with_deadline_exceeded() {
    let address = unique_address("tower-timeout");
    let probe = Probe::closed();
    let bound = Server::builder()
        .layer(tower::timeout::TimeoutLayer::new(Duration::from_millis(
            200,
        )))
        .layer(probe.layer())
        .add_service(health_service())
        .bind([&address])
        .unwrap();
    spawn(bound);
    let mut client = health(&address.to_string()).await;
    let status = check(&mut client).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::DeadlineExceeded, "{status:?}");
}
