//! How one connect attempt ended, as the retry loop needs to know it.

use std::io;

/// A failed attempt, sorted by what the connector does next.
#[derive(Debug)]
pub(crate) enum Attempt {
    /// The server exists but cannot take us now: retry until the timeout.
    Busy(io::Error),
    /// Nothing is there: fail at once.
    NotListening(io::Error),
    /// Anything else: fail at once, keeping the OS error.
    Failed(io::Error),
}

impl Attempt {
    /// Sorts a socket connect error (Unix sockets and TCP alike).
    pub(crate) fn from_socket_error(error: io::Error) -> Attempt {
        match error.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => {
                Attempt::NotListening(error)
            }
            // A full Unix socket backlog makes a non-blocking connect fail
            // with EAGAIN.
            io::ErrorKind::WouldBlock => Attempt::Busy(error),
            _ => Attempt::Failed(error),
        }
    }
}
