//! The crate's one error type.
//!
//! Each variant is something a caller can act on (fix the address, pick
//! another name, start the server, wait longer), and each message names the
//! address involved. The error underneath (the OS's, rustls's) is kept as
//! the `source`, never only flattened into the message.
//!
//! [`Error::kind`] is the stable part to match on: [`ErrorKind`] is a plain
//! `Copy` enum. The variants carry the details (the address, the timeout);
//! both enums and every variant are `#[non_exhaustive]`, so new kinds and
//! new details are not breaking changes.

use std::fmt;
use std::io;
use std::time::Duration;

use crate::Address;

/// A boxed error of any type, as an [`Error`] variant keeps its source.
type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong binding, accepting or connecting.
///
/// Match on [`Error::kind`] to decide what to do; read a variant's fields
/// for the details. [`std::error::Error::source`] gives the error
/// underneath, where there is one (an [`io::Error`], a `rustls::Error`).
///
/// # Examples
///
/// ```no_run
/// use piperpc::ErrorKind;
///
/// # async fn run() {
/// match piperpc::connect("my-app").await {
///     Ok(_channel) => {}
///     Err(error) if error.kind() == ErrorKind::NotListening => {
///         eprintln!("start the server first ({error})")
///     }
///     Err(error) => eprintln!("{error}"),
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The text is not an address in any form piperpc knows.
    #[non_exhaustive]
    InvalidAddress {
        /// What was written.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A valid form that the running OS does not have.
    #[non_exhaustive]
    Unsupported {
        /// What was written.
        input: String,
        /// Why, and what to use instead.
        reason: &'static str,
    },
    /// A live server already holds the address.
    #[non_exhaustive]
    AddressInUse {
        /// The address that could not be bound.
        address: Address,
        /// The OS error, when there was one.
        source: Option<io::Error>,
    },
    /// Nothing listens at the address (no pipe, no socket, refused).
    #[non_exhaustive]
    NotListening {
        /// The address that was called.
        address: Address,
        /// The OS error.
        source: io::Error,
    },
    /// The server exists but did not accept within the connect timeout
    /// (every pipe instance busy, or the backlog full).
    #[non_exhaustive]
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
    #[non_exhaustive]
    HandshakeTimeout {
        /// The address that was called.
        address: Address,
        /// The connect timeout, which bounds the whole connect.
        timeout: Duration,
    },
    /// A file or directory on the way to a socket is unsafe to use: someone
    /// else could decide which server a name reaches.
    #[non_exhaustive]
    Insecure {
        /// The address being bound or called.
        address: Address,
        /// What was refused (`"bind"`, `"connect to"`).
        operation: &'static str,
        /// What is wrong, naming the file.
        reason: String,
    },
    /// An option's value cannot be used (a malformed SDDL, say).
    #[non_exhaustive]
    InvalidOption {
        /// Which option.
        option: &'static str,
        /// What is wrong with it.
        reason: String,
        /// The error that said so (a file that could not be read, a
        /// certificate rustls refused), when there was one.
        source: Option<BoxError>,
    },
    /// The server is not running as the identity the client requires.
    #[non_exhaustive]
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
    #[non_exhaustive]
    Tls {
        /// The address that was called.
        address: Address,
        /// What went wrong, and what to change.
        reason: String,
        /// rustls's error, or the I/O error when the connection ended
        /// without one.
        source: BoxError,
    },
    /// A file descriptor handed to this process (by a service manager's
    /// socket activation, say) cannot be served: it is not a listening
    /// stream socket of a kind piperpc serves.
    #[non_exhaustive]
    Inherited {
        /// The descriptor's number.
        fd: i32,
        /// What it is instead, and what to change.
        reason: String,
        /// The OS error, when examining it failed.
        source: Option<io::Error>,
    },
    /// Serving failed after the addresses were bound.
    #[non_exhaustive]
    Serve {
        /// What failed ("serve ADDRESS", "install the stop handlers", ...).
        what: String,
        /// Why.
        source: io::Error,
    },
    /// Any other OS failure, with what was being done.
    #[non_exhaustive]
    Io {
        /// The address involved.
        address: Address,
        /// What was being done ("bind", "connect", ...).
        operation: &'static str,
        /// The OS error.
        source: io::Error,
    },
}

/// What kind of failure an [`Error`] is: [`Error::kind`], to match on.
///
/// One kind for each [`Error`] variant, with the same name and meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`Error::InvalidAddress`]: the text is not an address.
    InvalidAddress,
    /// [`Error::Unsupported`]: an address form the running OS does not have.
    Unsupported,
    /// [`Error::AddressInUse`]: a live server already holds the address.
    AddressInUse,
    /// [`Error::NotListening`]: nothing listens at the address.
    NotListening,
    /// [`Error::ConnectTimeout`]: the server did not accept in time.
    ConnectTimeout,
    /// [`Error::HandshakeTimeout`]: no HTTP/2 server answered in time.
    HandshakeTimeout,
    /// [`Error::Insecure`]: a file or directory on the way is unsafe.
    Insecure,
    /// [`Error::InvalidOption`]: an option's value cannot be used.
    InvalidOption,
    /// [`Error::WrongServer`]: the server is not who the client requires.
    WrongServer,
    /// [`Error::Tls`]: the TLS handshake failed.
    Tls,
    /// [`Error::Inherited`]: an inherited descriptor cannot be served.
    Inherited,
    /// [`Error::Serve`]: serving failed after binding.
    Serve,
    /// [`Error::Io`]: any other OS failure.
    Io,
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidAddress { .. } => ErrorKind::InvalidAddress,
            Error::Unsupported { .. } => ErrorKind::Unsupported,
            Error::AddressInUse { .. } => ErrorKind::AddressInUse,
            Error::NotListening { .. } => ErrorKind::NotListening,
            Error::ConnectTimeout { .. } => ErrorKind::ConnectTimeout,
            Error::HandshakeTimeout { .. } => ErrorKind::HandshakeTimeout,
            Error::Insecure { .. } => ErrorKind::Insecure,
            Error::InvalidOption { .. } => ErrorKind::InvalidOption,
            Error::WrongServer { .. } => ErrorKind::WrongServer,
            Error::Tls { .. } => ErrorKind::Tls,
            Error::Inherited { .. } => ErrorKind::Inherited,
            Error::Serve { .. } => ErrorKind::Serve,
            Error::Io { .. } => ErrorKind::Io,
        }
    }

    /// An option's value that cannot be used, with no error underneath.
    pub(crate) fn invalid_option(option: &'static str, reason: impl Into<String>) -> Error {
        Error::InvalidOption {
            option,
            reason: reason.into(),
            source: None,
        }
    }

    /// An option's value that cannot be used, as `source` said.
    #[cfg(any(windows, feature = "tls"))]
    pub(crate) fn invalid_option_from(
        option: &'static str,
        reason: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Error {
        Error::InvalidOption {
            option,
            reason: reason.into(),
            source: Some(source.into()),
        }
    }

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
            Error::InvalidOption { option, reason, .. } => write!(f, "invalid {option}: {reason}"),
            Error::WrongServer {
                address,
                expected,
                actual,
            } => write!(
                f,
                "the server on {address} runs as {actual}, not {expected}; refusing to send it anything"
            ),
            Error::Tls {
                address, reason, ..
            } => match address {
                Address::Tcp(host_port) => {
                    write!(f, "TLS with https://{host_port} failed: {reason}")
                }
                other => write!(f, "TLS with {other} failed: {reason}"),
            },
            Error::Inherited { fd, reason, .. } => {
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
            | Error::Inherited {
                source: Some(source),
                ..
            }
            | Error::NotListening { source, .. }
            | Error::Serve { source, .. }
            | Error::Io { source, .. } => Some(source),
            Error::Tls { source, .. }
            | Error::InvalidOption {
                source: Some(source),
                ..
            } => Some(source.as_ref()),
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
