//! The one HTTP/2 connection behind a [`Channel`](super::Channel), opened on
//! demand and reopened after it dies.
//!
//! tonic's channel puts a queue and a worker task between every call and the
//! connection; on a local link that hop is a measurable share of a round
//! trip. Here a call clones the connection's `SendRequest` (a cheap handle
//! that multiplexes streams) and sends directly. Only opening a connection
//! is serialised, so many calls arriving at once after a server restart make
//! one connection, not many.
//!
//! Opening includes the server's side of the HTTP/2 handshake (see
//! `watch.rs`), and the whole of it, socket and handshake, is bounded by
//! the connect timeout: a hung server fails the connect instead of hanging
//! every call.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::time::Instant;

use super::disconnect::Peer;
use super::watch::{self, Answer};
use crate::Error;
use crate::connector::Connector;
use crate::executor::{Driver, Gathering, Spawner};
use crate::http2::{self, Http2Settings, Keepalive};

pub(crate) type Sender = SendRequest<tonic::body::Body>;

/// A live connection: the handle calls are sent on, and its server end.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    pub(crate) sender: Sender,
    pub(super) peer: Arc<Peer>,
}

#[derive(Debug)]
pub(crate) struct Connection {
    connector: Connector,
    connect_timeout: Duration,
    keepalive: Option<Keepalive>,
    http2: Http2Settings,
    current: Mutex<Option<Link>>,
    opening: tokio::sync::Mutex<()>,
}

impl Connection {
    /// `connect_timeout` must be the one `connector` was given: it bounds
    /// the handshake as well.
    pub(crate) fn new(
        connector: Connector,
        connect_timeout: Duration,
        keepalive: Option<Keepalive>,
        http2: Http2Settings,
    ) -> Connection {
        Connection {
            connector,
            connect_timeout,
            keepalive,
            http2,
            current: Mutex::new(None),
            opening: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn connector(&self) -> &Connector {
        &self.connector
    }

    /// A live connection, opened if there is none.
    pub(crate) async fn link(&self) -> Result<Link, Error> {
        if let Some(link) = self.live() {
            return Ok(link);
        }
        let _opening = self.opening.lock().await;
        if let Some(link) = self.live() {
            return Ok(link);
        }
        let link = self.open().await?;
        *self.lock() = Some(link.clone());
        Ok(link)
    }

    /// Forgets `link` (if it is still the current one): its connection
    /// is dead even if hyper has not said so yet.
    pub(crate) fn discard(&self, link: &Link) {
        let mut current = self.lock();
        if current
            .as_ref()
            .is_some_and(|held| Arc::ptr_eq(&held.peer, &link.peer))
        {
            *current = None;
        }
    }

    fn live(&self) -> Option<Link> {
        self.lock()
            .as_ref()
            .filter(|link| !link.sender.is_closed())
            .cloned()
    }

    async fn open(&self) -> Result<Link, Error> {
        let address = self.connector.address();
        let deadline = Instant::now() + self.connect_timeout;
        // The connector retries a busy server within the same timeout; this
        // bounds a connect the OS itself keeps waiting on (TCP to a host that
        // does not answer).
        let stream = tokio::time::timeout_at(deadline, self.connector.connect())
            .await
            .map_err(|_| Error::ConnectTimeout {
                address: address.clone(),
                timeout: self.connect_timeout,
            })??;
        let tls = stream.is_tls();
        let (stream, answered, last_read) = watch::watch(stream, self.keepalive.is_some());
        let spawner = Spawner::default();
        let (sender, connection) =
            http2::client_builder(spawner.clone(), &self.http2, self.keepalive)
                .handshake(TokioIo::new(Gathering::new(stream)))
                .await
                .map_err(|e| Error::io(address, "start HTTP/2 with", std::io::Error::other(e)))?;
        let driver = tokio::spawn(Driver::new(address.clone(), connection, &spawner));
        let failure = match tokio::time::timeout_at(deadline, answered.wait()).await {
            Ok(Answer::Answered) => {
                let keepalive = last_read.zip(self.keepalive);
                let peer = Arc::new(Peer::new(address.clone(), keepalive));
                return Ok(Link { sender, peer });
            }
            Ok(Answer::Closed(source)) => refused(address, tls, source),
            Err(_) => Error::HandshakeTimeout {
                address: address.clone(),
                timeout: self.connect_timeout,
            },
        };
        // Closes the stream now; a hung server gets no GOAWAY to ignore.
        driver.abort();
        Err(failure)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Link>> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The server closed the connection before answering the HTTP/2 handshake.
/// Over TLS 1.3 that is where a server refusing the client's certificate
/// says so, with an alert; a server that hangs up without one most likely
/// refused it too.
fn refused(address: &crate::Address, tls: bool, source: std::io::Error) -> Error {
    #[cfg(feature = "tls")]
    if tls {
        return crate::tls::explain::refused_after_handshake(address, source);
    }
    #[cfg(not(feature = "tls"))]
    let _ = tls; // Without the feature no stream is TLS.
    Error::io(address, "start HTTP/2 with", source)
}
