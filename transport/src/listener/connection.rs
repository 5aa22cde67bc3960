//! One accepted connection: the stream and who is on the other end.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::OwnedSemaphorePermit;
use tonic::transport::server::Connected;

use super::authority::{AuthorityFix, BlockLimits};
use super::handshake::HandshakeDeadline;
use super::tonic_info::TonicConnectInfo;
use crate::ConnectInfo;
use crate::io::{forward_read_to_field, forward_to_variants, forward_write_to_field};

/// An accepted connection, ready for tonic's `serve_with_incoming`.
///
/// It implements [`Connected`], so its [`ConnectInfo`] reaches every request
/// through `request.extensions()`. Dropping it frees its place under the
/// listener's connection limit.
#[derive(Debug)]
pub struct Connection {
    stream: AuthorityFix<HandshakeDeadline<Stream>>,
    info: ConnectInfo,
    tonic_info: TonicConnectInfo,
    slot: Option<Slot>,
}

#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(tokio::net::TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<tokio_rustls::server::TlsStream<tokio::net::TcpStream>>),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
    #[cfg(windows)]
    Pipe(tokio::net::windows::named_pipe::NamedPipeServer),
}

forward_to_variants!(Stream {
    Tcp,
    #[cfg(feature = "tls")]
    Tls,
    #[cfg(unix)]
    Unix,
    #[cfg(windows)]
    Pipe,
});

#[cfg(feature = "tls")]
fn is_tls(stream: &Stream) -> bool {
    matches!(stream, Stream::Tls(_))
}

#[cfg(not(feature = "tls"))]
fn is_tls(_: &Stream) -> bool {
    false
}

/// A connection's place in the listener's books: counted while it lives,
/// and holding a permit when there is a limit.
#[derive(Debug)]
pub(crate) struct Slot {
    open: Arc<AtomicUsize>,
    _permit: Option<OwnedSemaphorePermit>,
}

impl Slot {
    pub(crate) fn new(open: Arc<AtomicUsize>, permit: Option<OwnedSemaphorePermit>) -> Slot {
        open.fetch_add(1, Ordering::Relaxed);
        Slot {
            open,
            _permit: permit,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Connection {
    pub(crate) fn new(stream: Stream, info: ConnectInfo) -> Connection {
        // TCP clients name a real host; local ones may send a path that h2
        // refuses (see `authority`).
        let local = !matches!(stream, Stream::Tcp(_)) && !is_tls(&stream);
        let tonic_info = TonicConnectInfo::of(&stream);
        let stream = HandshakeDeadline::new(stream);
        let stream = if local {
            AuthorityFix::new(stream)
        } else {
            AuthorityFix::transparent(stream)
        };
        Connection {
            stream,
            info,
            tonic_info,
            slot: None,
        }
    }

    /// Starts the handshake clock, tells the rewriter the server's limits
    /// on header blocks, and takes a place in the books.
    pub(crate) fn admit(
        mut self,
        handshake_timeout: Option<Duration>,
        header_limits: BlockLimits,
        slot: Slot,
    ) -> Connection {
        self.stream.set_limits(header_limits);
        if let Some(timeout) = handshake_timeout {
            self.stream.get_mut().start(timeout);
        }
        self.slot = Some(slot);
        self
    }

    /// Who connected.
    pub fn info(&self) -> &ConnectInfo {
        &self.info
    }

    /// Puts who connected in a request's extensions: [`ConnectInfo`], and
    /// tonic's own type for the transport (see `tonic_info`).
    pub(crate) fn extensions(
        &self,
    ) -> impl Fn(&mut http::Extensions) + Clone + Send + Sync + 'static {
        let (info, tonic_info) = (self.info.clone(), self.tonic_info.clone());
        move |extensions| {
            extensions.insert(info.clone());
            tonic_info.insert_into(extensions);
        }
    }
}

forward_read_to_field!(Connection, stream);
forward_write_to_field!(Connection, stream);

impl Connected for Connection {
    type ConnectInfo = ConnectInfo;

    fn connect_info(&self) -> ConnectInfo {
        self.info.clone()
    }
}
