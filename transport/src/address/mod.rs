//! Where a server listens and a client connects.
//!
//! One parser serves the library, both binaries and the harness, so an
//! address means the same thing wherever it is typed. The written forms follow
//! existing conventions (gRPC's naming document, Docker's `npipe://`):
//!
//! | written                                   | means                           |
//! |-------------------------------------------|---------------------------------|
//! | `NAME` (no scheme, no slash)              | the platform's default endpoint |
//! | `\\.\pipe\NAME`, `npipe:////./pipe/NAME`, `npipe://./pipe/NAME` | a Windows named pipe |
//! | `unix:PATH`, `unix:///ABS/PATH`           | a Unix domain socket            |
//! | `unix-abstract:NAME`                      | a Linux abstract socket         |
//! | `http://HOST:PORT`, `https://HOST:PORT`, `HOST:PORT` | TCP (plaintext, or TLS where the server and client are set up for it) |
//!
//! Parsing is split in two: `syntax` reads the text the same way on every
//! OS (so its tests run everywhere), then [`Address::parse`] resolves a bare
//! name and refuses forms the running OS does not have.

#[cfg(unix)]
pub(crate) mod default_dir;
mod syntax;

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::Error;

#[cfg(unix)]
pub use default_dir::default_socket_dir;

/// A parsed, platform-resolved endpoint.
///
/// Its [`Display`](fmt::Display) form is canonical and parses back to the
/// same value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Address {
    /// A Windows named pipe, held as its full path `\\.\pipe\NAME`.
    NamedPipe(String),
    /// A Unix domain socket file.
    Unix(PathBuf),
    /// A Linux abstract socket name (no file, no file permissions).
    UnixAbstract(String),
    /// Plain TCP, held as `HOST:PORT`.
    Tcp(String),
}

impl Address {
    /// Parses `input`, resolves a bare name to this platform's default
    /// endpoint, and refuses forms the running OS does not support.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidAddress`] for text that is no address (naming what is
    /// wrong), [`Error::Unsupported`] for a form this OS lacks (a pipe on
    /// Linux, a Unix socket on Windows).
    ///
    /// # Examples
    ///
    /// ```
    /// use piperpc::Address;
    ///
    /// let tcp = Address::parse("127.0.0.1:50051").unwrap();
    /// assert_eq!(tcp.to_string(), "http://127.0.0.1:50051");
    /// assert!(!tcp.is_local());
    /// # #[cfg(unix)]
    /// assert!(Address::parse("app").unwrap().is_local()); // a socket in a private directory
    /// assert!(Address::parse("ftp://x").is_err());
    /// ```
    pub fn parse(input: &str) -> Result<Address, Error> {
        let parsed = syntax::parse(input)?;
        let address = match parsed {
            syntax::Parsed::Name(name) => resolve_name(input, &name)?,
            syntax::Parsed::Address(address) => address,
        };
        address.check_supported(input)?;
        Ok(address)
    }

    /// True for the forms that never leave this machine (everything but TCP).
    pub fn is_local(&self) -> bool {
        !matches!(self, Address::Tcp(_))
    }

    /// The socket file's path, for [`Address::Unix`].
    pub fn unix_path(&self) -> Option<&Path> {
        match self {
            Address::Unix(path) => Some(path),
            _ => None,
        }
    }

    /// The URI a tonic `Endpoint` is built with. Local forms use
    /// `http://localhost`, the `:authority` gRPC uses for unix targets.
    pub fn endpoint_uri(&self) -> String {
        match self {
            Address::Tcp(host_port) => format!("http://{host_port}"),
            _ => "http://localhost".to_string(),
        }
    }

    fn check_supported(&self, input: &str) -> Result<(), Error> {
        let reason = match self {
            Address::NamedPipe(_) if !cfg!(windows) => {
                "named pipes exist only on Windows; use unix:PATH or a bare name here"
            }
            Address::Unix(path) if !cfg!(unix) && is_pipe_path(path) => {
                "unix:\\\\.\\pipe\\NAME is grpc-js's spelling of a named pipe; piperpc writes it \\\\.\\pipe\\NAME (or NAME)"
            }
            Address::Unix(_) if !cfg!(unix) => {
                "piperpc does not support Unix domain sockets (AF_UNIX) on Windows, though Windows 10 and later have them; \
                 use a named pipe (\\\\.\\pipe\\NAME) or a bare NAME"
            }
            Address::UnixAbstract(_) if !cfg!(any(target_os = "linux", target_os = "android")) => {
                "abstract sockets exist only on Linux; use unix:PATH or a bare name"
            }
            _ => return Ok(()),
        };
        Err(Error::Unsupported {
            input: input.to_string(),
            reason,
        })
    }
}

/// `\\.\pipe\NAME` (or `//./pipe/NAME`) written after `unix:`, as grpc-js
/// names a pipe on Windows.
fn is_pipe_path(path: &Path) -> bool {
    let path = path.to_string_lossy().to_ascii_lowercase();
    path.starts_with(r"\\.\pipe\") || path.starts_with("//./pipe/")
}

#[cfg(windows)]
fn resolve_name(_input: &str, name: &str) -> Result<Address, Error> {
    Ok(Address::NamedPipe(format!(r"\\.\pipe\{name}")))
}

#[cfg(unix)]
fn resolve_name(input: &str, name: &str) -> Result<Address, Error> {
    let path = default_socket_dir().join(format!("{name}.sock"));
    syntax::check_unix_path_len(input, path.as_os_str().len())?;
    Ok(Address::Unix(path))
}

/// Anything that names an [`Address`]: an `Address` itself (or a reference
/// to one), or its written form (`&str`, `String`), parsed with
/// [`Address::parse`]. Every function that takes an address takes this, so
/// `Listener::bind("my-app")`, `connect("my-app")` and
/// `ChannelBuilder::new(&address)` read alike.
pub trait IntoAddress {
    /// The address named.
    ///
    /// # Errors
    ///
    /// A written form that does not parse, as [`Address::parse`] says.
    fn into_address(self) -> Result<Address, Error>;
}

impl IntoAddress for Address {
    fn into_address(self) -> Result<Address, Error> {
        Ok(self)
    }
}

impl IntoAddress for &Address {
    fn into_address(self) -> Result<Address, Error> {
        Ok(self.clone())
    }
}

impl IntoAddress for &str {
    fn into_address(self) -> Result<Address, Error> {
        Address::parse(self)
    }
}

impl IntoAddress for String {
    fn into_address(self) -> Result<Address, Error> {
        Address::parse(&self)
    }
}

impl IntoAddress for &String {
    fn into_address(self) -> Result<Address, Error> {
        Address::parse(self)
    }
}

impl FromStr for Address {
    type Err = Error;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Address::parse(input)
    }
}

impl TryFrom<&str> for Address {
    type Error = Error;

    fn try_from(input: &str) -> Result<Self, Self::Error> {
        Address::parse(input)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::NamedPipe(path) => f.write_str(path),
            // `unix://x` would read as an authority: spell such paths out.
            Address::Unix(path) if path.to_string_lossy().starts_with("//") => {
                write!(f, "unix://{}", path.display())
            }
            Address::Unix(path) => write!(f, "unix:{}", path.display()),
            Address::UnixAbstract(name) => write!(f, "unix-abstract:{name}"),
            Address::Tcp(host_port) => write!(f, "http://{host_port}"),
        }
    }
}

#[cfg(test)]
mod tests;
