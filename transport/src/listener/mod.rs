//! The server side: bind an [`Address`], accept [`Connection`]s.
//!
//! [`Listener::bind`] does everything that can fail for a reason the user must
//! fix (a bad path, a name in use, an unsafe directory) up front, so the
//! error surfaces before the server reports itself ready. After that,
//! [`Listener::into_incoming`] turns it into the endless stream tonic's
//! `serve_with_incoming` wants.
//!
//! Every local connection (named pipe, `unix:`, `unix-abstract:`) reads
//! through `authority`'s rewriter: stock gRPC clients send the socket path
//! or pipe name as `:authority`, which h2 would refuse before any service
//! runs. TCP connections are read as they come.

mod authority;
mod connection;
mod handshake;
mod incoming;
#[cfg(unix)]
mod inherited;
mod options;
mod pipe_security;
mod refuse;
mod tcp;
#[cfg(feature = "tls")]
mod tls;
mod tonic_info;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(fuzzing)]
pub(crate) use authority::fuzzing;
pub use connection::Connection;
pub use incoming::Incoming;
#[cfg(unix)]
pub use inherited::InheritedSocket;
pub use options::{DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_PENDING_INSTANCES, ListenerOptions};
pub use pipe_security::PipeSecurity;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::address::IntoAddress;
#[cfg(feature = "tls")]
use crate::peer_policy::Refusal;
use crate::{Address, Error, PeerPolicy};
use connection::Slot;

/// What a plaintext client of a TLS address is told.
#[cfg(feature = "tls")]
const PLAINTEXT_ON_TLS: &str =
    "this address serves TLS only, and the client spoke plaintext: connect with TLS";

/// A bound endpoint that accepts connections.
///
/// Dropping it stops listening; on Unix it also removes the socket file it
/// created (and only that file: a newer server's socket at the same path is
/// left alone, and so is the file of a socket it was handed: see
/// `ListenerOptions::adopt`, Unix).
#[derive(Debug)]
pub struct Listener {
    acceptor: Acceptor,
    address: Address,
    policy: Option<PeerPolicy>,
    handshake_timeout: Option<Duration>,
    header_limits: authority::BlockLimits,
    limit: Option<Arc<Semaphore>>,
    open: Arc<AtomicUsize>,
    refusals: refuse::Refusals,
}

/// A live count of a listener's open connections.
#[derive(Clone, Debug, Default)]
pub struct OpenConnections(Arc<AtomicUsize>);

impl OpenConnections {
    /// How many accepted connections are open now.
    pub fn get(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

#[derive(Debug)]
enum Acceptor {
    Tcp(tcp::TcpAcceptor),
    #[cfg(feature = "tls")]
    Tls(tls::TlsAcceptor),
    #[cfg(unix)]
    Unix(unix::UnixAcceptor),
    // Boxed: the pipe acceptor holds the pipe's security descriptor and
    // pending instances, several times the size of the others.
    #[cfg(windows)]
    Pipe(Box<windows::PipeAcceptor>),
}

impl Listener {
    /// Binds `address` with default [`ListenerOptions`]. Must be called
    /// inside a tokio runtime.
    ///
    /// The defaults set no peer policy: the socket's mode (0600) or the
    /// pipe's DACL (this user) decides who may connect, and every peer that
    /// can is served. [`Server`](crate::Server) adds
    /// [`PeerPolicy::same_user`] by itself; a listener handed to tonic's own
    /// server should get a policy from [`ListenerOptions::peer_policy`]
    /// (an abstract socket, which has no file mode, must).
    ///
    /// # Errors
    ///
    /// A malformed address ([`Error::InvalidAddress`]), a form this OS lacks
    /// ([`Error::Unsupported`]), a live server already there
    /// ([`Error::AddressInUse`]), an unsafe directory ([`Error::Insecure`]),
    /// or the OS's own refusal ([`Error::Io`]), each naming the address.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), piperpc::Error> {
    /// let listener = piperpc::Listener::bind("my-app")?;
    /// println!("listening on {}", listener.local_address());
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind(address: impl IntoAddress) -> Result<Listener, Error> {
        ListenerOptions::default().bind(address)
    }

    pub(crate) fn bind_with(
        address: &Address,
        options: &ListenerOptions,
    ) -> Result<Listener, Error> {
        check_abstract_policy(address, options)?;
        let (acceptor, address) = match address {
            Address::Tcp(_) => {
                let (acceptor, bound) = tcp::TcpAcceptor::bind(address, options)?;
                (tcp_acceptor(acceptor, options), bound)
            }
            #[cfg(unix)]
            Address::Unix(_) | Address::UnixAbstract(_) => (
                Acceptor::Unix(unix::UnixAcceptor::bind(address, options)?),
                address.clone(),
            ),
            #[cfg(windows)]
            Address::NamedPipe(_) => (
                Acceptor::Pipe(Box::new(windows::PipeAcceptor::bind(address, options)?)),
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
        Ok(Listener::new(acceptor, address, options))
    }

    /// Serves a socket handed to this process, with `options` as if it had
    /// been bound with them (its file, if any, excepted: see `inherited`).
    #[cfg(unix)]
    pub(crate) fn adopt_with(
        socket: InheritedSocket,
        options: &ListenerOptions,
    ) -> Result<Listener, Error> {
        let (listener, address) = socket.into_parts();
        check_abstract_policy(&address, options)?;
        let acceptor = match listener {
            inherited::Inherited::Tcp(listener) => tcp_acceptor(
                tcp::TcpAcceptor::adopt(listener, &address, options)?,
                options,
            ),
            inherited::Inherited::Unix(listener) => {
                Acceptor::Unix(unix::UnixAcceptor::adopt(listener, &address)?)
            }
        };
        tracing::debug!(%address, "serving an inherited socket");
        Ok(Listener::new(acceptor, address, options))
    }

    fn new(acceptor: Acceptor, address: Address, options: &ListenerOptions) -> Listener {
        Listener {
            acceptor,
            address,
            policy: options.peer_policy.clone(),
            handshake_timeout: options.handshake_timeout,
            header_limits: options.header_limits,
            limit: options.max_connections.map(|n| Arc::new(Semaphore::new(n))),
            open: Arc::default(),
            refusals: refuse::Refusals::default(),
        }
    }

    /// The address actually bound: for TCP port 0, the port the OS chose.
    pub fn local_address(&self) -> &Address {
        &self.address
    }

    /// The address as announced: a TLS address as `https://HOST:PORT`.
    pub(crate) fn announced(&self) -> String {
        match (&self.acceptor, &self.address) {
            #[cfg(feature = "tls")]
            (Acceptor::Tls(_), Address::Tcp(host_port)) => format!("https://{host_port}"),
            _ => self.address.to_string(),
        }
    }

    /// Waits for the next connection the peer policy admits. Refused ones
    /// are answered (`PERMISSION_DENIED` and the reason) and closed in the
    /// background, at most 16 at a time and for 5 seconds at most each;
    /// past that they are closed at once. At the connection limit, it waits
    /// for a slot before accepting.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the OS fails an accept (too many open files, say).
    /// The listener stays usable: [`Listener::into_incoming`] logs such
    /// errors, backs off and goes on.
    ///
    /// # Cancel safety
    ///
    /// Cancel-safe: dropping the future loses no connection.
    pub async fn accept(&mut self) -> Result<Connection, Error> {
        // At the limit, wait here without accepting: clients queue in the
        // backlog (or find the pipe busy) instead of being dropped.
        let permit = match &self.limit {
            Some(limit) => Some(
                limit
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed"),
            ),
            None => None,
        };
        loop {
            let accepted = match &mut self.acceptor {
                Acceptor::Tcp(a) => a.accept().await,
                #[cfg(feature = "tls")]
                Acceptor::Tls(a) => match a.accept().await {
                    Ok(tls::Accepted::Tls(connection)) => Ok(connection),
                    Ok(tls::Accepted::Plaintext(connection)) => {
                        let refusal = Refusal::new(PLAINTEXT_ON_TLS);
                        refuse::refuse(connection, refusal, &self.refusals);
                        continue;
                    }
                    Err(error) => Err(error),
                },
                #[cfg(unix)]
                Acceptor::Unix(a) => a.accept().await,
                #[cfg(windows)]
                Acceptor::Pipe(a) => a.accept().await,
            };
            let connection = accepted.map_err(|e| Error::io(&self.address, "accept on", e))?;
            match self.policy.as_ref().map(|p| p.check(connection.info())) {
                Some(Err(refusal)) => refuse::refuse(connection, refusal, &self.refusals),
                _ => {
                    let slot = Slot::new(self.open.clone(), permit);
                    return Ok(connection.admit(self.handshake_timeout, self.header_limits, slot));
                }
            }
        }
    }

    /// A live count of this listener's open connections.
    pub fn open_connections(&self) -> OpenConnections {
        OpenConnections(self.open.clone())
    }

    /// The endless stream of connections for `serve_with_incoming`.
    pub fn into_incoming(self) -> Incoming {
        Incoming::new(self)
    }
}

/// A TCP acceptor, behind TLS when `options` say so.
fn tcp_acceptor(acceptor: tcp::TcpAcceptor, options: &ListenerOptions) -> Acceptor {
    #[cfg(feature = "tls")]
    if let Some(server_tls) = &options.tls {
        return Acceptor::Tls(tls::TlsAcceptor::new(
            acceptor,
            server_tls,
            options.handshake_timeout,
        ));
    }
    let _ = options;
    Acceptor::Tcp(acceptor)
}

/// An abstract socket has no file permissions: any local user can connect.
/// Binding one therefore takes an explicit decision about who may call.
fn check_abstract_policy(address: &Address, options: &ListenerOptions) -> Result<(), Error> {
    if !matches!(address, Address::UnixAbstract(_)) {
        return Ok(());
    }
    match &options.peer_policy {
        None => Err(Error::Insecure {
            address: address.clone(),
            operation: "bind",
            reason: "an abstract socket has no file permissions, so every local user could \
                     connect; set a peer policy (ListenerOptions::peer_policy), or PeerPolicy::any() \
                     to accept that"
                .to_string(),
        }),
        Some(policy) if policy.admits_anyone() => {
            tracing::warn!(
                %address,
                "SERVING AN ABSTRACT SOCKET TO EVERY LOCAL USER: it has no file permissions and \
                 the peer policy admits anyone"
            );
            Ok(())
        }
        Some(_) => Ok(()),
    }
}
