//! A hung server never hangs its clients: connecting waits for the server's
//! HTTP/2 handshake within the connect timeout, and keepalive pings end the
//! calls open on a connection whose server stopped answering.
//!
//! Portable: the hung server is a listener that accepts and never writes,
//! and a frozen server is a relay in front of a real one that stops passing
//! bytes, so these run on Unix sockets and (under Wine) on named pipes
//! alike. `tests/e2e/hung.rs` does the same with a real `piperpc serve`
//! stopped by SIGSTOP.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use piperpc::{Address, ChannelBuilder, Connector, Error, Listener};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// The configured timeouts are short; bounds are several times larger, as
/// the machine is shared and Wine is slow.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const KEEPALIVE: Duration = Duration::from_secs(1);
/// Longer than the interval: a ping answered late on a busy machine must
/// not end the healthy stream.
const PING_TIMEOUT: Duration = Duration::from_secs(2);
const BOUND: Duration = Duration::from_secs(15);

/// A fresh local address: a pipe on Windows, a socket file elsewhere.
fn unique_address() -> Address {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = format!("piperpc-hung-{}-{n}", std::process::id());
    let written = if cfg!(windows) {
        format!(r"\\.\pipe\{name}")
    } else {
        format!("unix:{}/{name}.sock", std::env::temp_dir().display())
    };
    Address::parse(&written).expect("a local address")
}

/// A server that accepts every connection and never writes a byte, as a
/// stopped or deadlocked one looks from the client (the kernel, or the
/// pipe, completes the connection).
fn never_answering_server() -> Address {
    let address = unique_address();
    let mut listener = Listener::bind(&address).expect("bind");
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok(connection) = listener.accept().await {
            held.push(connection);
        }
    });
    address
}

/// A health server in this process.
fn health_server() -> Address {
    let address = unique_address();
    let listener = Listener::bind(&address).expect("bind");
    let (reporter, health) = tonic_health::server::health_reporter();
    tokio::spawn(async move {
        let _serving = reporter;
        tonic::transport::Server::builder()
            .add_service(health)
            .serve_with_incoming(listener.into_incoming())
            .await
    });
    address
}

/// A relay in front of `backend` that passes bytes both ways until it is
/// frozen: then it still accepts connections but passes nothing, as a
/// server stopped with SIGSTOP behaves.
struct Relay {
    address: Address,
    frozen: watch::Sender<bool>,
}

impl Relay {
    fn start(backend: Address) -> Relay {
        let address = unique_address();
        let mut listener = Listener::bind(&address).expect("bind the relay");
        let (frozen, _) = watch::channel(false);
        let gate = frozen.clone();
        tokio::spawn(async move {
            while let Ok(front) = listener.accept().await {
                let Ok(back) = Connector::new(backend.clone()).unwrap().connect().await else {
                    continue;
                };
                let (front_read, front_write) = tokio::io::split(front);
                let (back_read, back_write) = tokio::io::split(back);
                tokio::spawn(pump(front_read, back_write, gate.subscribe()));
                tokio::spawn(pump(back_read, front_write, gate.subscribe()));
            }
        });
        Relay { address, frozen }
    }

    fn freeze(&self, frozen: bool) {
        self.frozen.send_replace(frozen);
    }
}

/// Copies `from` to `to`, holding whatever it read while frozen.
async fn pump(
    mut from: impl AsyncRead + Unpin,
    mut to: impl AsyncWrite + Unpin,
    mut frozen: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if frozen.wait_for(|frozen| !frozen).await.is_err() {
            break;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

fn builder(address: &Address) -> ChannelBuilder {
    ChannelBuilder::new(address.clone())
        .unwrap()
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalive(Some(KEEPALIVE))
        .keepalive_timeout(PING_TIMEOUT)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_to_a_server_that_never_answers_fails_within_the_connect_timeout() {
    let address = never_answering_server();
    let started = Instant::now();
    let error = tokio::time::timeout(BOUND, builder(&address).connect())
        .await
        .expect("the connect hung")
        .expect_err("a server that never answers cannot be connected to");
    let took = started.elapsed();
    assert!(
        matches!(error, Error::HandshakeTimeout { timeout, .. } if timeout == CONNECT_TIMEOUT),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message
            .contains("accepted the connection but did not answer the HTTP/2 handshake within 1 s")
            && message.contains(&address.to_string()),
        "{message}"
    );
    assert!(took >= CONNECT_TIMEOUT / 2, "gave up early, after {took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_to_a_server_that_never_answers_fails_with_unavailable() {
    let address = never_answering_server();
    let mut health = HealthClient::new(builder(&address).connect_lazy());
    let started = Instant::now();
    let status = tokio::time::timeout(BOUND, health.check(HealthCheckRequest::default()))
        .await
        .expect("the call hung")
        .expect_err("nothing answered");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status
            .message()
            .contains("did not answer the HTTP/2 handshake"),
        "{status:?}"
    );
    assert!(started.elapsed() < BOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalive_ends_an_open_stream_when_the_server_freezes_and_the_channel_recovers() {
    let relay = Relay::start(health_server());
    let channel = builder(&relay.address).connect().await.expect("connect");
    let mut health = HealthClient::new(channel);
    let mut watching = health
        .watch(HealthCheckRequest::default())
        .await
        .expect("watch")
        .into_inner();
    let first = watching
        .message()
        .await
        .expect("first status")
        .expect("one");
    assert_eq!(first.status(), ServingStatus::Serving);
    // Pings are answered while the relay passes bytes: the idle stream
    // outlives several keepalive intervals.
    let quiet = tokio::time::timeout(KEEPALIVE * 3, watching.message()).await;
    assert!(
        quiet.is_err(),
        "the stream ended while the server was fine: {quiet:?}"
    );

    relay.freeze(true);
    let frozen = Instant::now();
    let ended = tokio::time::timeout(BOUND, watching.message())
        .await
        .expect("the open stream hung on a frozen server")
        .expect_err("the stream cannot end cleanly");
    let took = frozen.elapsed();
    assert_eq!(ended.code(), Code::Unavailable, "{ended:?}");
    assert!(
        took >= KEEPALIVE,
        "ended before any ping could time out: {took:?}"
    );

    // While frozen, a new call goes to a new connection (even if hyper has
    // not yet shown the old one closed) and fails within the connect
    // timeout...
    let status = tokio::time::timeout(BOUND, health.check(HealthCheckRequest::default()))
        .await
        .expect("a call to the frozen server hung")
        .expect_err("the server is frozen");
    assert_eq!(status.code(), Code::Unavailable, "{status:?}");
    assert!(
        status
            .message()
            .contains("did not answer the HTTP/2 handshake within 1 s"),
        "the call did not go to a new connection: {status:?}"
    );

    // ...and once the server answers again, the same channel works.
    relay.freeze(false);
    let reply = tokio::time::timeout(BOUND, health.check(HealthCheckRequest::default()))
        .await
        .expect("the call hung after the thaw")
        .expect("the channel reconnects");
    assert_eq!(reply.into_inner().status(), ServingStatus::Serving);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalive_can_be_turned_off() {
    let relay = Relay::start(health_server());
    let channel = builder(&relay.address)
        .keepalive(None)
        .connect()
        .await
        .expect("connect");
    let mut health = HealthClient::new(channel);
    let mut watching = health
        .watch(HealthCheckRequest::default())
        .await
        .expect("watch")
        .into_inner();
    watching.message().await.expect("first status");
    relay.freeze(true);
    let waited = tokio::time::timeout((KEEPALIVE + PING_TIMEOUT) * 2, watching.message()).await;
    assert!(waited.is_err(), "without pings nothing notices: {waited:?}");
}
