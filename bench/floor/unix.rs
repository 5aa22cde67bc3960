//! The floor on Unix: a blocking Unix domain socket.

use std::io;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;

/// The client's end of a connection.
pub type ClientStream = UnixStream;

/// A bound socket; removes its file when dropped.
pub struct Acceptor {
    listener: UnixListener,
    path: PathBuf,
}

/// Binds `path` (a fresh path: the bench makes a new directory per run).
pub fn bind(path: &str) -> io::Result<Acceptor> {
    Ok(Acceptor {
        listener: UnixListener::bind(path)?,
        path: PathBuf::from(path),
    })
}

impl Acceptor {
    /// Waits for the next connection.
    pub fn accept(&mut self) -> io::Result<UnixStream> {
        Ok(self.listener.accept()?.0)
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Connects to the socket at `path`.
pub fn connect(path: &str) -> io::Result<UnixStream> {
    UnixStream::connect(path)
}
