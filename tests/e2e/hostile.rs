//! Broken and hostile input: none of it may crash or hang the server, or
//! disturb its other clients.

use std::time::Duration;

use piperpc::{ClientStream, Connector};
use piperpc_demo::proto::demo::{CountRequest, EchoRequest};
use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{Server, settled_open_connections, stubs, unique_address};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// The server is started with this handshake timeout (seconds).
const HANDSHAKE_TIMEOUT: &str = "1";
/// Generous bound for "the server closed it", far above the timeout.
const CLOSE_BOUND: Duration = Duration::from_secs(20);

/// Short timers, so a stalled connection is dropped within the test's bound:
/// the handshake deadline catches a missing preface, pings catch a
/// connection stalled after it (in the middle of a frame, say).
fn hostile_server() -> Server {
    Server::start_on(
        &[&unique_address()],
        &[
            "--handshake-timeout",
            HANDSHAKE_TIMEOUT,
            "--keepalive",
            "0.2",
            "--keepalive-timeout",
            "0.3",
        ],
    )
}

async fn raw(address: &str) -> ClientStream {
    Connector::new(address).unwrap().connect().await.unwrap()
}

/// Writes hostile bytes, accepting that the server may already have closed
/// the connection (that is what it should do with them): returns whether
/// the connection is still open. Any other write failure fails the test.
async fn send(stream: &mut ClientStream, bytes: &[u8]) -> bool {
    match stream.write_all(bytes).await {
        Ok(()) => true,
        Err(e) if closed_by_peer(&e) => false,
        Err(e) => panic!("writing to the server failed for another reason than a close: {e}"),
    }
}

/// Whether a write failed because the peer closed the connection (EPIPE,
/// a reset; on Windows, a pipe being closed).
fn closed_by_peer(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        error.kind(),
        BrokenPipe | ConnectionReset | ConnectionAborted | NotConnected
    )
}

/// Reads (and discards) until the server closes the connection.
async fn expect_closed(mut stream: ClientStream, what: &str) {
    let mut sink = vec![0u8; 64 * 1024];
    let closed = tokio::time::timeout(CLOSE_BOUND, async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => break,
                Ok(_) => continue,
            }
        }
    })
    .await;
    assert!(
        closed.is_ok(),
        "the server kept the connection open after {what}"
    );
}

/// Some numbered messages are still flowing on a stream opened before the
/// attack, and a new call is answered.
async fn still_serving(
    server: &Server,
    survivor: &mut tonic::Streaming<piperpc_demo::proto::demo::CountResponse>,
) {
    for _ in 0..3 {
        assert!(
            survivor.message().await.unwrap().is_some(),
            "the other client's stream broke"
        );
    }
    let mut fresh = stubs(server.address()).await;
    let reply = fresh.echo.echo(EchoRequest::default()).await;
    assert!(reply.is_ok(), "{reply:?}");
}

async fn survivor(server: &Server) -> tonic::Streaming<piperpc_demo::proto::demo::CountResponse> {
    let mut client = stubs(server.address()).await;
    let request = CountRequest {
        count: 1_000_000,
        payload_size: 16,
        interval_ms: 5,
    };
    client.echo.count(request).await.unwrap().into_inner()
}

/// Deterministic noise (xorshift), so a failure can be replayed.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_bytes_instead_of_a_preface() {
    let server = hostile_server();
    let mut other = survivor(&server).await;
    let mut stream = raw(server.address()).await;
    send(&mut stream, &noise(1, 4096)).await;
    expect_closed(stream, "random bytes").await;
    still_serving(&server, &mut other).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_preface_times_out() {
    let server = hostile_server();
    let mut other = survivor(&server).await;
    let mut stream = raw(server.address()).await;
    send(&mut stream, &PREFACE[..10]).await;
    expect_closed(stream, "a truncated preface").await;
    still_serving(&server, &mut other).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_frames_after_a_valid_preface() {
    let server = hostile_server();
    let mut other = survivor(&server).await;
    let mut stream = raw(server.address()).await;
    if send(&mut stream, PREFACE).await {
        send(&mut stream, &noise(2, 4096)).await;
    }
    expect_closed(stream, "garbage frames").await;
    still_serving(&server, &mut other).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_header_announcing_16_mib() {
    let server = hostile_server();
    let mut other = survivor(&server).await;
    let mut stream = raw(server.address()).await;
    // An empty SETTINGS frame, then a DATA frame header claiming 16 MiB - 1
    // bytes on stream 1, far above the 16 KiB maximum frame size. The server
    // may close as soon as it reads that header, before the rest is written.
    let writes: [&[u8]; 4] = [
        PREFACE,
        &[0, 0, 0, 4, 0, 0, 0, 0, 0],
        &[0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 1],
        &[0; 1024],
    ];
    for bytes in writes {
        if !send(&mut stream, bytes).await {
            break;
        }
    }
    expect_closed(stream, "an oversized frame header").await;
    still_serving(&server, &mut other).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_closed_after_the_handshake_timeout() {
    let server = hostile_server();
    let observer = stubs(server.address()).await;
    let stream = raw(server.address()).await;
    expect_closed(stream, "sending nothing").await;
    // Freed on the server too: only the observer is left.
    assert_eq!(settled_open_connections(&observer, 1).await, 1);
}

proptest! {
    // Bounded: each case is one connection to a live server.
    #![proptest_config(ProptestConfig { cases: 32, .. ProptestConfig::default() })]

    /// Random byte streams, half of them behind a valid preface, written to
    /// a live listener: every connection is closed (at once, or by the ping
    /// timeout when it stalls mid-frame), nothing leaks, and the server
    /// keeps answering.
    #[test]
    fn fuzz_random_byte_streams(
        inputs in proptest::collection::vec(
            (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..2048)),
            1..4,
        )
    ) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let server = hostile_server();
            let observer = stubs(server.address()).await;
            // All of a case's connections at once: a stalled one (a partial
            // frame after the preface) waits for the ping timeout.
            let mut closing = tokio::task::JoinSet::new();
            for (with_preface, bytes) in inputs.clone() {
                let mut stream = raw(server.address()).await;
                closing.spawn(async move {
                    if !with_preface || send(&mut stream, PREFACE).await {
                        send(&mut stream, &bytes).await;
                    }
                    expect_closed(stream, "random input").await;
                });
            }
            while let Some(closed) = closing.join_next().await {
                closed.unwrap();
            }
            let mut echo = observer.clone();
            prop_assert!(echo.echo.echo(EchoRequest::default()).await.is_ok());
            prop_assert_eq!(settled_open_connections(&observer, 1).await, 1);
            Ok(())
        })?;
    }
}
