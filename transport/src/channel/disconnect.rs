//! Telling a lost connection from everything else.

use std::error::Error;
use std::fmt::Display;
use std::sync::Arc;

use tonic::{Code, Status};

use super::BoxError;
use super::handshake::Handshake;
use super::watch::LastRead;
use crate::Address;
use crate::http2::Keepalive;

/// The server end of one connection, as a lost-connection error names it.
#[derive(Debug)]
pub(super) struct Peer {
    address: Address,
    /// When the server last sent anything, and the keepalive settings.
    keepalive: Option<(Arc<LastRead>, Keepalive)>,
    /// Whether the server answered the HTTP/2 handshake: a connection lost
    /// before it did failed as a connect (`handshake.rs`). Here rather than
    /// beside the `Arc<Peer>` in a `Link`, so a call clones one `Arc`.
    pub(super) handshake: Arc<Handshake>,
}

impl Peer {
    pub(super) fn new(
        address: Address,
        keepalive: Option<(Arc<LastRead>, Keepalive)>,
        handshake: Arc<Handshake>,
    ) -> Peer {
        Peer {
            address,
            keepalive,
            handshake,
        }
    }

    /// Why the connection was lost. hyper reports an unanswered keepalive
    /// ping to open calls as a broken pipe. It pings after `interval` of
    /// silence and gives up `timeout` later, so a server that sent nothing
    /// (not even an end of stream) for that long is what it really was.
    fn lost(&self, detail: &dyn Display) -> String {
        let address = &self.address;
        match &self.keepalive {
            Some((last_read, keepalive))
                if last_read.silence() >= keepalive.interval + keepalive.timeout =>
            {
                format!(
                    "connection to {address} lost: the server did not answer a keepalive \
                     ping within {} s (it is hung, or gone)",
                    keepalive.timeout.as_secs_f64()
                )
            }
            _ => format!("connection to {address} lost: {detail}"),
        }
    }
}

/// `status` as UNAVAILABLE if it reports a lost connection, else unchanged.
pub(super) fn rewrite_status(peer: &Peer, status: Status) -> Status {
    let lost = matches!(
        status.code(),
        Code::Unknown | Code::Cancelled | Code::Internal
    ) && status.source().is_some_and(is_lost_connection);
    if lost {
        Status::unavailable(peer.lost(&status.message()))
    } else {
        status
    }
}

/// A transport error as an UNAVAILABLE status if it is a lost connection.
pub(super) fn rewrite_error(peer: &Peer, error: BoxError) -> BoxError {
    if is_lost_connection(&*error) {
        Box::new(Status::unavailable(peer.lost(&error)))
    } else {
        error
    }
}

/// True when the chain shows the connection itself failed: an I/O error
/// under h2, a connection hyper saw close, a request hyper dropped because
/// its connection died, or one refused because a keepalive ping went
/// unanswered (hyper's only timeout on a client HTTP/2 connection).
fn is_lost_connection(error: &(dyn Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(h2) = error.downcast_ref::<h2::Error>()
            && h2.is_io()
        {
            return true;
        }
        if let Some(hyper) = error.downcast_ref::<hyper::Error>()
            && (hyper.is_closed()
                || hyper.is_incomplete_message()
                || hyper.is_canceled()
                || hyper.is_timeout())
        {
            return true;
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        next = error.source();
    }
    false
}
