//! A client's open stream, whatever the transport.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use hyper_util::rt::TokioIo;

use super::attempt::Attempt;
use crate::io::{forward_read_to_field, forward_to_variants, forward_write_to_field};
use crate::{Address, ConnectInfo};

/// An open client stream to a piperpc (or any gRPC) server.
///
/// It is tokio's `AsyncRead` and `AsyncWrite`, and hyper's `rt::Read` and
/// `rt::Write` (what tonic's `Endpoint::connect_with_connector` asks of a
/// connector's streams).
#[derive(Debug)]
pub struct ClientStream {
    inner: Inner,
}

#[derive(Debug)]
pub(crate) enum Inner {
    Tcp(tokio::net::TcpStream),
    #[cfg(feature = "tls")]
    Tls(Box<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
    #[cfg(windows)]
    Pipe(tokio::net::windows::named_pipe::NamedPipeClient),
}

forward_read_to_field!(ClientStream, inner);
forward_write_to_field!(ClientStream, inner);
forward_to_variants!(Inner {
    Tcp,
    #[cfg(feature = "tls")]
    Tls,
    #[cfg(unix)]
    Unix,
    #[cfg(windows)]
    Pipe,
});

// hyper's I/O traits too, so that a `ClientStream` is what tonic's
// `Endpoint::connect_with_connector` wants from a connector (hyper 1's
// `rt::Read`/`rt::Write`), with no wrapper type in piperpc's API.
// hyper-util's `TokioIo` does the adapting, over a borrow of the stream.

impl hyper::rt::Read for ClientStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        hyper::rt::Read::poll_read(Pin::new(&mut TokioIo::new(self.get_mut())), cx, buf)
    }
}

impl hyper::rt::Write for ClientStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write(self, cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_flush(self, cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::io::AsyncWrite::poll_shutdown(self, cx)
    }

    fn is_write_vectored(&self) -> bool {
        tokio::io::AsyncWrite::is_write_vectored(self)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        tokio::io::AsyncWrite::poll_write_vectored(self, cx, bufs)
    }
}

impl ClientStream {
    /// Who the server is, as the OS reports it: pid, uid and gid of the
    /// socket's owner on Unix; pid and user SID of the pipe's server process
    /// on Windows (or, when that process's token is not ours to read, the
    /// SID that owns the pipe); the address over TCP, and with TLS the
    /// identity in the server's verified certificate.
    pub fn server_info(&self) -> ConnectInfo {
        match &self.inner {
            Inner::Tcp(stream) => stream.peer_addr().map(ConnectInfo::tcp).unwrap_or_default(),
            #[cfg(feature = "tls")]
            Inner::Tls(stream) => {
                let (tcp, session) = stream.get_ref();
                let mut info = tcp.peer_addr().map(ConnectInfo::tcp).unwrap_or_default();
                info.peer_certificate = crate::tls::peer_certificate(session.peer_certificates());
                info
            }
            #[cfg(unix)]
            Inner::Unix(stream) => ConnectInfo::unix_peer(stream).unwrap_or_default(),
            #[cfg(windows)]
            Inner::Pipe(pipe) => ConnectInfo::pipe_server(pipe),
        }
    }

    /// Whether this stream speaks TLS.
    pub(crate) fn is_tls(&self) -> bool {
        #[cfg(feature = "tls")]
        if let Inner::Tls(_) = self.inner {
            return true;
        }
        false
    }
}

/// Runs the TLS handshake on a TCP stream to `address`.
#[cfg(feature = "tls")]
pub(crate) async fn upgrade(
    stream: ClientStream,
    tls: &crate::tls::ClientTls,
    address: &Address,
) -> Result<ClientStream, crate::Error> {
    let Inner::Tcp(tcp) = stream.inner else {
        unreachable!("TLS is set up only for TCP addresses");
    };
    let stream = tls.handshake(tcp, address).await?;
    Ok(ClientStream {
        inner: Inner::Tls(Box::new(stream)),
    })
}

/// One connect attempt, without retries.
pub(crate) async fn open(address: &Address) -> Result<ClientStream, Attempt> {
    let inner = match address {
        Address::Tcp(host_port) => Inner::Tcp(super::tcp::open(host_port).await?),
        #[cfg(unix)]
        Address::Unix(_) | Address::UnixAbstract(_) => {
            Inner::Unix(super::unix::open(address).await?)
        }
        #[cfg(windows)]
        Address::NamedPipe(path) => Inner::Pipe(super::windows::open(path)?),
        #[allow(unreachable_patterns)]
        _ => {
            return Err(Attempt::Failed(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "this address form does not exist on this OS",
            )));
        }
    };
    Ok(ClientStream { inner })
}
