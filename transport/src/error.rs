//! The crate's one error type.
//!
//! Each variant is something a caller can act on (fix the address, pick
//! another name, start the server, wait longer), and each message names the
//! address involved. OS errors are kept as the `source`.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::Address;

/// Everything that can go wrong binding, accepting or connecting.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The text is not an address in any form piperpc knows.
    InvalidAddress {
        /// What was written.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A valid form that the running OS does not have.
    Unsupported {
        /// What was written.
        input: String,
        /// Why, and what to use instead.
        reason: &'static str,
    },
    /// A live server already holds the address.
    AddressInUse {
        /// The address that could not be bound.
        address: Address,
        /// The OS error, when there was one.
        source: Option<io::Error>,
    },
    /// Nothing listens at the address (no pipe, no socket, refused).
    NotListening {
        /// The address that was called.
        address: Address,
        /// The OS error.
        source: io::Error,
    },
    /// The server exists but did not accept within the connect timeout
    /// (every pipe instance busy, or the backlog full).
    ConnectTimeout {
        /// The address that was called.
        address: Address,
        /// How long the connector kept trying.
        timeout: Duration,
    },
    /// The pipe or socket opened, but no HTTP/2 server answered on it
    /// within the connect timeout: the server is hung (stopped, deadlocked,
    /// frozen in a debugger), holds the connection at its connection limit,
    /// or is not an HTTP/2 server.
    HandshakeTimeout {
        /// The address that was called.
        address: Address,
        /// The connect timeout, which bounds the whole connect.
        timeout: Duration,
    },
    /// A file or directory on the way to a socket is unsafe to use: someone
    /// else could decide which server a name reaches.
    Insecure {
        /// The address being bound or called.
        address: Address,
        /// What was refused (`"bind"`, `"connect to"`).
        operation: &'static str,
        /// What is wrong, naming the file.
        reason: String,
    },
    /// An option's value cannot be used (a malformed SDDL, say).
    InvalidOption {
        /// Which option.
        option: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The server is not running as the identity the client requires.
    WrongServer {
        /// The address that was called.
        address: Address,
        /// Who the server had to be.
        expected: String,
        /// Who it is (or why that could not be read).
        actual: String,
    },
    /// The TLS handshake with a TCP server failed, or the server refused
    /// this client's certificate.
    Tls {
        /// The address that was called.
        address: Address,
        /// What went wrong, and what to change.
        reason: String,
    },
    /// A file descriptor handed to this process (by a service manager's
    /// socket activation, say) cannot be served: it is not a listening
    /// stream socket of a kind piperpc serves.
    Inherited {
        /// The descriptor's number.
        fd: i32,
        /// What it is instead, and what to change.
        reason: String,
    },
    /// Serving failed after the addresses were bound.
    Serve {
        /// What failed ("serve ADDRESS", "install the stop handlers", ...).
        what: String,
        /// Why.
        source: io::Error,
    },
    /// Any other OS failure, with what was being done.
    Io {
        /// The address involved.
        address: Address,
        /// What was being done ("bind", "connect", ...).
        operation: &'static str,
        /// The OS error.
        source: io::Error,
    },
}

impl Error {
    pub(crate) fn io(address: &Address, operation: &'static str, source: io::Error) -> Error {
        Error::Io {
            address: address.clone(),
            operation,
            source,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidAddress { input, reason } => {
                write!(f, "invalid address `{input}`: {reason}")
            }
            Error::Unsupported { input, reason } => {
                write!(f, "address `{input}` is not available on this OS: {reason}")
            }
            Error::AddressInUse { address, .. } => {
                write!(
                    f,
                    "address {address} is in use: another server is listening there"
                )
            }
            Error::NotListening { address, .. } => {
                write!(f, "no server is listening on {address}")
            }
            Error::ConnectTimeout { address, timeout } => write!(
                f,
                "timed out after {timeout:?} connecting to {address}: the server is busy"
            ),
            Error::HandshakeTimeout { address, timeout } => write!(
                f,
                "the server on {address} accepted the connection but did not answer \
                 the HTTP/2 handshake within {} s: it is hung, or at its connection limit",
                timeout.as_secs_f64()
            ),
            Error::Insecure {
                address,
                operation,
                reason,
            } => write!(f, "refusing to {operation} {address}: {reason}"),
            Error::InvalidOption { option, reason } => write!(f, "invalid {option}: {reason}"),
            Error::WrongServer {
                address,
                expected,
                actual,
            } => write!(
                f,
                "the server on {address} runs as {actual}, not {expected}; refusing to send it anything"
            ),
            Error::Tls { address, reason } => match address {
                Address::Tcp(host_port) => {
                    write!(f, "TLS with https://{host_port} failed: {reason}")
                }
                other => write!(f, "TLS with {other} failed: {reason}"),
            },
            Error::Inherited { fd, reason } => {
                write!(
                    f,
                    "cannot serve inherited file descriptor {fd}: it {reason}"
                )
            }
            Error::Serve { what, source } => write!(f, "cannot {what}: {source}"),
            Error::Io {
                address,
                operation,
                source,
            } => write!(f, "{operation} {address}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::AddressInUse {
                source: Some(source),
                ..
            }
            | Error::NotListening { source, .. }
            | Error::Serve { source, .. }
            | Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<Error> for io::Error {
    fn from(error: Error) -> io::Error {
        let kind = match &error {
            Error::InvalidAddress { .. } => io::ErrorKind::InvalidInput,
            Error::Unsupported { .. } => io::ErrorKind::Unsupported,
            Error::AddressInUse { .. } => io::ErrorKind::AddrInUse,
            Error::NotListening { .. } => io::ErrorKind::ConnectionRefused,
            Error::ConnectTimeout { .. } | Error::HandshakeTimeout { .. } => {
                io::ErrorKind::TimedOut
            }
            Error::Insecure { .. } | Error::WrongServer { .. } | Error::Tls { .. } => {
                io::ErrorKind::PermissionDenied
            }
            Error::InvalidOption { .. } | Error::Inherited { .. } => io::ErrorKind::InvalidInput,
            Error::Serve { source, .. } | Error::Io { source, .. } => source.kind(),
        };
        io::Error::new(kind, error)
    }
}
