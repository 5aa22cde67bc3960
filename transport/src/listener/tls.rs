//! TLS on a TCP listener: handshakes run side by side, off the accept path.
//!
//! A handshake takes round trips, and a client may stall in the middle of
//! one on purpose; run inline, it would hold up every client behind it. So
//! each runs in a task of its own, bounded by the handshake timeout, and at
//! most [`MAX_PENDING`] at a time: past that the listener stops accepting
//! and new clients wait in the backlog.
//!
//! A client that opens with plaintext HTTP/2 rather than a TLS ClientHello
//! is answered in plaintext, on its own connection, that this address
//! serves TLS only: it learns why instead of seeing a reset, and never
//! reaches a service, whatever the peer policy.

use std::io;
use std::net::SocketAddr;
use std::task::Poll;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::task::JoinSet;

use super::connection::{Connection, Stream};
use super::tcp::TcpAcceptor;
use crate::ConnectInfo;
use crate::tls::{ServerTls, explain, peer_certificate};

/// Handshakes in flight at most; more clients wait in the backlog.
const MAX_PENDING: usize = 128;

/// How long a refused client gets to read the alert and hang up.
const LINGER: Duration = Duration::from_secs(1);

/// The first byte of every TLS record that opens a handshake.
const TLS_HANDSHAKE_RECORD: u8 = 0x16;

/// How a new TCP connection introduced itself.
pub(super) enum Accepted {
    /// Completed a TLS handshake.
    Tls(Connection),
    /// Spoke plaintext to a TLS-only address: to be told so.
    Plaintext(Connection),
}

pub(crate) struct TlsAcceptor {
    tcp: TcpAcceptor,
    tls: tokio_rustls::TlsAcceptor,
    timeout: Option<Duration>,
    handshakes: JoinSet<Option<Accepted>>,
}

impl std::fmt::Debug for TlsAcceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsAcceptor")
            .field("tcp", &self.tcp)
            .field("handshakes", &self.handshakes.len())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Accepted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Accepted::Tls(c) => f.debug_tuple("Tls").field(c.info()).finish(),
            Accepted::Plaintext(c) => f.debug_tuple("Plaintext").field(c.info()).finish(),
        }
    }
}

impl TlsAcceptor {
    pub(crate) fn new(tcp: TcpAcceptor, tls: &ServerTls, timeout: Option<Duration>) -> Self {
        TlsAcceptor {
            tcp,
            tls: tls.acceptor(),
            timeout,
            handshakes: JoinSet::new(),
        }
    }

    /// The next client done with its handshake.
    ///
    /// Cancel-safe: handshakes in flight live in `self`.
    pub(super) async fn accept(&mut self) -> io::Result<Accepted> {
        std::future::poll_fn(|cx| {
            loop {
                if let Poll::Ready(Some(done)) = self.handshakes.poll_join_next(cx) {
                    match done {
                        Ok(Some(accepted)) => return Poll::Ready(Ok(accepted)),
                        Ok(None) => continue,
                        Err(error) => {
                            tracing::error!(%error, "TLS handshake task failed");
                            continue;
                        }
                    }
                }
                if self.handshakes.len() >= MAX_PENDING {
                    return Poll::Pending;
                }
                match self.tcp.poll_accept(cx) {
                    Poll::Ready(Ok((stream, peer))) => {
                        let tls = self.tls.clone();
                        self.handshakes
                            .spawn(handshake(stream, peer, tls, self.timeout));
                    }
                    Poll::Ready(Err(error)) => return Poll::Ready(Err(error)),
                    Poll::Pending => return Poll::Pending,
                }
            }
        })
        .await
    }
}

/// One client's handshake; `None` when it failed (logged here).
async fn handshake(
    stream: TcpStream,
    peer: SocketAddr,
    tls: tokio_rustls::TlsAcceptor,
    timeout: Option<Duration>,
) -> Option<Accepted> {
    let work = async {
        let mut first = [0u8; 1];
        if stream.peek(&mut first).await? == 0 {
            return Ok(None);
        }
        if first[0] != TLS_HANDSHAKE_RECORD {
            let info = ConnectInfo::tcp(peer);
            return Ok(Some(Accepted::Plaintext(Connection::new(
                Stream::Tcp(stream),
                info,
            ))));
        }
        let stream = match tls.accept(stream).into_fallible().await {
            Ok(stream) => stream,
            Err((error, stream)) => {
                close_after_alert(stream).await;
                return Err(error);
            }
        };
        let mut info = ConnectInfo::tcp(peer);
        info.peer_certificate = peer_certificate(stream.get_ref().1.peer_certificates());
        let stream = Stream::Tls(Box::new(stream));
        Ok::<_, io::Error>(Some(Accepted::Tls(Connection::new(stream, info))))
    };
    let outcome = match timeout {
        Some(timeout) => match tokio::time::timeout(timeout, work).await {
            Ok(outcome) => outcome,
            Err(_) => {
                tracing::warn!(%peer, "TLS handshake not done within {timeout:?}; closed");
                return None;
            }
        },
        None => work.await,
    };
    outcome.unwrap_or_else(|error| {
        tracing::warn!(%peer, "TLS handshake failed: {}", explain::server_reason(&error));
        None
    })
}

/// Closes a connection whose handshake failed so that the client reads the
/// alert saying why.
///
/// Under TLS 1.3 a client is refused (a missing or untrusted certificate)
/// after it has finished its side of the handshake and started writing
/// HTTP/2. Closing a socket with those bytes unread sends a reset rather
/// than an orderly end, and a reset can make the client fail on a write,
/// or (on Windows) discard what it received, before it reads the alert.
/// So the server ends its side, then reads and drops what the client still
/// sends until the client hangs up, for at most [`LINGER`].
async fn close_after_alert(mut stream: TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let _ = stream.shutdown().await;
    let drain = async {
        let mut sink = [0u8; 4096];
        while let Ok(1..) = stream.read(&mut sink).await {}
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}
