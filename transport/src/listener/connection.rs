//! One accepted connection: the stream and who is on the other end.

use tonic::transport::server::Connected;

use crate::ConnectInfo;
use crate::io::forward_async_io;

/// An accepted connection, ready for tonic's `serve_with_incoming`.
///
/// It implements [`Connected`], so its [`ConnectInfo`] reaches every request
/// through `request.extensions()`.
#[derive(Debug)]
pub struct Connection {
    stream: Stream,
    info: ConnectInfo,
}

#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(tokio::net::TcpStream),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
    #[cfg(windows)]
    Pipe(tokio::net::windows::named_pipe::NamedPipeServer),
}

impl Connection {
    pub(crate) fn new(stream: Stream, info: ConnectInfo) -> Connection {
        Connection { stream, info }
    }

    /// Who connected.
    pub fn info(&self) -> &ConnectInfo {
        &self.info
    }
}

forward_async_io!(
    Connection,
    stream,
    Stream {
        Tcp,
        #[cfg(unix)]
        Unix,
        #[cfg(windows)]
        Pipe,
    }
);

impl Connected for Connection {
    type ConnectInfo = ConnectInfo;

    fn connect_info(&self) -> ConnectInfo {
        self.info.clone()
    }
}
