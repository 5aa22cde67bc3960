//! The server side: bind an [`Address`], accept [`Connection`]s.
//!
//! [`Listener::bind`] does everything that can fail for a reason the user must
//! fix (a bad path, a name in use, an unsafe directory) up front, so the
//! error surfaces before the server reports itself ready. After that,
//! [`Listener::into_incoming`] turns it into the endless stream tonic's
//! `serve_with_incoming` wants.

mod connection;
mod incoming;
mod options;
mod tcp;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

pub use connection::Connection;
pub use incoming::Incoming;
pub use options::ListenerOptions;

use crate::{Address, Error};

/// A bound endpoint that accepts connections.
///
/// Dropping it stops listening; on Unix it also removes the socket file it
/// created (and only that file: a newer server's socket at the same path is
/// left alone).
#[derive(Debug)]
pub struct Listener {
    acceptor: Acceptor,
    address: Address,
}

#[derive(Debug)]
enum Acceptor {
    Tcp(tcp::TcpAcceptor),
    #[cfg(unix)]
    Unix(unix::UnixAcceptor),
    #[cfg(windows)]
    Pipe(windows::PipeAcceptor),
}

impl Listener {
    /// Binds `address` with default [`ListenerOptions`]. Must be called
    /// inside a tokio runtime.
    pub fn bind(address: &Address) -> Result<Listener, Error> {
        ListenerOptions::default().bind(address)
    }

    pub(crate) fn bind_with(
        address: &Address,
        options: &ListenerOptions,
    ) -> Result<Listener, Error> {
        let (acceptor, address) = match address {
            Address::Tcp(_) => {
                let (acceptor, bound) = tcp::TcpAcceptor::bind(address)?;
                (Acceptor::Tcp(acceptor), bound)
            }
            #[cfg(unix)]
            Address::Unix(_) | Address::UnixAbstract(_) => (
                Acceptor::Unix(unix::UnixAcceptor::bind(address, options)?),
                address.clone(),
            ),
            #[cfg(windows)]
            Address::NamedPipe(_) => (
                Acceptor::Pipe(windows::PipeAcceptor::bind(address, options)?),
                address.clone(),
            ),
            #[allow(unreachable_patterns)]
            _ => {
                return Err(Error::Unsupported {
                    input: address.to_string(),
                    reason: "this address form does not exist on this OS",
                });
            }
        };
        let _ = options;
        Ok(Listener { acceptor, address })
    }

    /// The address actually bound: for TCP port 0, the port the OS chose.
    pub fn local_address(&self) -> &Address {
        &self.address
    }

    /// Waits for the next connection.
    ///
    /// Cancel-safe: dropping the future loses no connection.
    pub async fn accept(&mut self) -> Result<Connection, Error> {
        let accepted = match &mut self.acceptor {
            Acceptor::Tcp(a) => a.accept().await,
            #[cfg(unix)]
            Acceptor::Unix(a) => a.accept().await,
            #[cfg(windows)]
            Acceptor::Pipe(a) => a.accept().await,
        };
        accepted.map_err(|e| Error::io(&self.address, "accept on", e))
    }

    /// The endless stream of connections for `serve_with_incoming`.
    pub fn into_incoming(self) -> Incoming {
        Incoming::new(self)
    }
}
