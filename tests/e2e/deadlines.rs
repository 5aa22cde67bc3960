//! Deadlines bound the whole call, streams included, on both sides.

use std::time::{Duration, Instant};

use piperpc_demo::proto::demo::{CountRequest, EchoRequest, echo_client::EchoClient};
use tonic::Code;

use crate::common::{Server, call, stubs};

fn slow_count() -> CountRequest {
    CountRequest {
        count: 100,
        payload_size: 0,
        interval_ms: 200,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_past_its_deadline_ends_with_deadline_exceeded() {
    let server = Server::start();
    let mut stubs = stubs(server.address()).await;
    let mut request = tonic::Request::new(slow_count());
    request.set_timeout(Duration::from_millis(700));
    let mut stream = stubs.echo.count(request).await.unwrap().into_inner();
    let mut received = 0;
    let status = loop {
        match stream.message().await {
            Ok(Some(_)) => received += 1,
            Ok(None) => panic!("the stream outlived its deadline and ended normally"),
            Err(status) => break status,
        }
    };
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    assert!((1..100).contains(&received), "{received} messages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_cuts_a_stream_off_at_the_deadline_it_was_sent() {
    let server = Server::start();
    // tonic's own channel enforces nothing once a stream has started: any
    // end of this stream comes from the server.
    let address = piperpc::Address::parse(server.address()).unwrap();
    let channel = tonic::transport::Endpoint::from_static("http://localhost")
        .connect_with_connector(piperpc::Connector::new(address))
        .await
        .unwrap();
    let mut echo = EchoClient::new(channel);
    let mut request = tonic::Request::new(slow_count());
    request.set_timeout(Duration::from_millis(700));
    let started = Instant::now();
    let mut stream = echo.count(request).await.unwrap().into_inner();
    let status = loop {
        match stream.message().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the server let the stream outlive its deadline"),
            Err(status) => break status,
        }
    };
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
    // 100 messages would take 20 s; the deadline is 0.7 s.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_unary_call_is_deadline_exceeded() {
    let server = Server::start();
    let mut stubs = stubs(server.address()).await;
    let mut request = tonic::Request::new(EchoRequest {
        delay_ms: 5_000,
        ..Default::default()
    });
    request.set_timeout(Duration::from_millis(300));
    let status = stubs.echo.echo(request).await.unwrap_err();
    assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
}

#[test]
fn the_channel_default_timeout_covers_streams() {
    let server = Server::start();
    let output = call(
        server.address(),
        &["--timeout", "0.5", "count", "100", "--interval-ms", "200"],
    );
    assert_eq!(
        output.status.code(),
        Some(64 + Code::DeadlineExceeded as i32)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DeadlineExceeded"), "{stderr}");
}
