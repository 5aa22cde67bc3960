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
//! A connection is handed to calls as soon as the client's side of the
//! HTTP/2 handshake is written: the first call does not wait a round trip
//! for the server's SETTINGS. The server's answer is still held to the
//! connect timeout (`handshake.rs`), which bounds the socket's connect too:
//! a hung server fails the calls sent to it with the error connecting
//! would have given, instead of hanging them. [`Connection::answered`],
//! behind [`ChannelBuilder::connect`](super::ChannelBuilder::connect), waits
//! for the answer.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::time::Instant;

use super::disconnect::Peer;
use super::handshake::{self, Handshake};
use super::watch;
use crate::Error;
use crate::connector::Connector;
use crate::executor::{Driver, Gathering, Spawner};
use crate::http2::{self, Http2Settings, Keepalive};

pub(crate) type Sender = SendRequest<tonic::body::Body>;

/// A live connection: the handle calls are sent on, and its server end
/// (with whether that answered).
#[derive(Clone, Debug)]
pub(crate) struct Link {
    pub(crate) sender: Sender,
    pub(super) peer: Arc<Peer>,
}

impl Link {
    /// `Ok` once the server answered the HTTP/2 handshake (at once, when it
    /// has); else the error connecting failed with, within the connect
    /// timeout. A call that failed asks: on a connection never answered,
    /// that error says what went wrong, where hyper says "broken pipe".
    pub(crate) async fn answered(&self) -> Result<(), Error> {
        self.peer.handshake.outcome().await
    }
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

    /// A live connection, opened if there is none. A new one may not have
    /// been answered yet: calls are sent on it at once.
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

    /// A live connection whose server answered the HTTP/2 handshake, opened
    /// if there is none: what connecting eagerly promises. A server that
    /// never answers fails this within the connect timeout.
    pub(crate) async fn answered(&self) -> Result<Link, Error> {
        let link = self.link().await?;
        if let Err(error) = link.answered().await {
            self.discard(&link);
            return Err(error);
        }
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
        let handshake = Handshake::new(address.clone(), stream.is_tls(), self.connect_timeout);
        let (stream, last_read) = watch::watch(stream, handshake.clone(), self.keepalive.is_some());
        let spawner = Spawner::default();
        let (sender, connection) =
            http2::client_builder(spawner.clone(), &self.http2, self.keepalive)
                .handshake(TokioIo::new(Gathering::new(stream)))
                .await
                .map_err(|e| Error::io(address, "start HTTP/2 with", std::io::Error::other(e)))?;
        let driver = Driver::new(address.clone(), connection, &spawner);
        tokio::spawn(handshake::guard(handshake.clone(), deadline, driver));
        let keepalive = last_read.zip(self.keepalive);
        let peer = Arc::new(Peer::new(address.clone(), keepalive, handshake));
        Ok(Link { sender, peer })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Link>> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }
}
