//! tonic over a Unix domain socket, tonic's way.

use std::io;

use tokio::net::{UnixListener, UnixStream};
use tokio_stream::wrappers::UnixListenerStream;

/// The connections to `path`, as tonic's `serve_with_incoming` takes them.
pub fn incoming(path: &str) -> io::Result<UnixListenerStream> {
    Ok(UnixListenerStream::new(UnixListener::bind(path)?))
}

/// Opens a connection to the socket at `path`.
pub async fn connect(path: &str) -> io::Result<UnixStream> {
    UnixStream::connect(path).await
}
