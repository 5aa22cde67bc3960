//! A new connection's first call leaves at once, with the client's side of
//! the HTTP/2 handshake, not a round trip later after the server's
//! SETTINGS; and on a server that never answers, that call still fails as
//! connecting would have (the handshake timeout), never hangs.
//!
//! Portable, as `hung_server.rs` is: the servers are listeners in this
//! process, so these run on Unix sockets and (under Wine) on named pipes.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use piperpc::{Address, ChannelBuilder, Listener};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tonic::Code;
use tonic::transport::server::Connected;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// Bounds many times the configured timeouts: the machine is shared and
/// Wine is slow.
const BOUND: Duration = Duration::from_secs(30);

/// The client's connection preface, before its first frame.
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// The frame type that opens a request.
const HEADERS: u8 = 0x1;

/// A fresh local address: a pipe on Windows, a socket file elsewhere.
fn unique_address() -> Address {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = format!("piperpc-first-call-{}-{n}", std::process::id());
    let written = if cfg!(windows) {
        format!(r"\\.\pipe\{name}")
    } else {
        format!("unix:{}/{name}.sock", std::env::temp_dir().display())
    };
    Address::parse(&written).expect("a local address")
}

/// Reads the client's preface and its frames up to its first HEADERS
/// frame, and returns what it read.
async fn read_to_first_request(stream: &mut (impl AsyncRead + Unpin)) -> io::Result<Vec<u8>> {
    let mut read = vec![0u8; PREFACE.len()];
    stream.read_exact(&mut read).await?;
    if read != PREFACE {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "no preface"));
    }
    loop {
        let mut header = [0u8; 9];
        stream.read_exact(&mut header).await?;
        let length = u32::from_be_bytes([0, header[0], header[1], header[2]]);
        let mut payload = vec![0u8; length as usize];
        stream.read_exact(&mut payload).await?;
        read.extend_from_slice(&header);
        read.extend_from_slice(&payload);
        if header[3] == HEADERS {
            return Ok(read);
        }
    }
}

/// A stream that yields what was already read from it before the rest.
struct Rewound<S> {
    read: Vec<u8>,
    at: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewound<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.at < this.read.len() {
            let n = buf.remaining().min(this.read.len() - this.at);
            buf.put_slice(&this.read[this.at..this.at + n]);
            this.at += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewound<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S> Connected for Rewound<S> {
    type ConnectInfo = ();

    fn connect_info(&self) {}
}

/// A health server that writes nothing on its one connection until it has
/// read the client's first request: its HTTP/2 SETTINGS come only after
/// that. A client waiting for them before sending would wait for ever.
fn server_answering_after_the_first_request() -> Address {
    let address = unique_address();
    let mut listener = Listener::bind(&address).expect("bind");
    tokio::spawn(async move {
        let mut connection = listener.accept().await.expect("accept");
        let Ok(read) = read_to_first_request(&mut connection).await else {
            return; // The client gave up first; its call fails.
        };
        let (reporter, health) = tonic_health::server::health_reporter();
        let _serving = reporter;
        let rewound = Rewound {
            read,
            at: 0,
            inner: connection,
        };
        let incoming = tokio_stream::once(Ok::<_, io::Error>(rewound));
        let _ = tonic::transport::Server::builder()
            .add_service(health)
            .serve_with_incoming(incoming)
            .await;
    });
    address
}

/// A server that accepts every connection and never writes a byte (a
/// stopped or deadlocked one, as the client sees it), counting them.
fn never_answering_server() -> (Address, Arc<AtomicUsize>) {
    let address = unique_address();
    let mut listener = Listener::bind(&address).expect("bind");
    let accepted = Arc::new(AtomicUsize::new(0));
    let counted = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok(connection) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            held.push(connection);
        }
    });
    (address, accepted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_call_is_sent_before_the_server_answers() {
    let address = server_answering_after_the_first_request();
    // Long enough for a busy machine to answer; the call must not need it.
    let channel = ChannelBuilder::new(address)
        .unwrap()
        .connect_timeout(Duration::from_secs(10))
        .connect_lazy();
    let reply = tokio::time::timeout(
        BOUND,
        HealthClient::new(channel).check(HealthCheckRequest::default()),
    )
    .await
    .expect("the call hung")
    .expect("the server answers once it has the request");
    assert_eq!(reply.into_inner().status(), ServingStatus::Serving);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_calls_to_a_server_that_never_answers_fail_with_the_handshake_timeout() {
    let (address, accepted) = never_answering_server();
    let channel = ChannelBuilder::new(address.clone())
        .unwrap()
        .connect_timeout(Duration::from_secs(1))
        .connect_lazy();
    let calls = (0..4).map(|_| {
        let mut health = HealthClient::new(channel.clone());
        tokio::spawn(async move {
            tokio::time::timeout(BOUND, health.check(HealthCheckRequest::default())).await
        })
    });
    for call in calls.collect::<Vec<_>>() {
        let status = call
            .await
            .expect("the call's task")
            .expect("the call hung")
            .expect_err("nothing answered");
        assert_eq!(status.code(), Code::Unavailable, "{status:?}");
        let message = status.message();
        assert!(
            message.contains(
                "accepted the connection but did not answer the HTTP/2 handshake within 1 s"
            ) && message.contains(&address.to_string()),
            "not the handshake timeout: {status:?}"
        );
    }
    // The calls shared one connection and none was retried on another (it
    // would only have waited the connect timeout again).
    let connections = accepted.load(Ordering::SeqCst);
    assert!(connections <= 1, "{connections} connections");
}
