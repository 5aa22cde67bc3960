//! The client side: open a stream to an [`Address`].
//!
//! [`Connector`] is a `tower::Service<Uri>` that ignores the URI and opens
//! the configured address, the hook tonic's
//! `Endpoint::connect_with_connector` offers for custom transports (tonic
//! calls it again whenever the connection is lost). piperpc's own
//! [`Channel`](crate::Channel) uses it the same way.

mod attempt;
mod server_identity;
mod stream;
mod tcp;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

pub use server_identity::ServerIdentity;
pub use stream::ClientStream;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Instant;
use tonic::transport::Uri;

use crate::address::IntoAddress;
use crate::{Address, Error};
use attempt::Attempt;

/// How long a connect keeps retrying a busy server by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

const FIRST_RETRY: Duration = Duration::from_millis(2);
const MAX_RETRY: Duration = Duration::from_millis(50);

/// Opens streams to one address.
#[derive(Clone, Debug)]
pub struct Connector {
    address: Arc<Address>,
    connect_timeout: Duration,
    server_identity: Option<ServerIdentity>,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::ClientTls>,
}

impl Connector {
    /// A connector for `address` with the default connect timeout and the
    /// default trust ([`ServerIdentity::SameUserOrSystem`] on local
    /// addresses).
    ///
    /// # Errors
    ///
    /// A written address that does not parse.
    ///
    /// # Examples
    ///
    /// A plain tonic channel over a local pipe:
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let connector = piperpc::Connector::new("my-app")?;
    /// let channel = tonic::transport::Endpoint::from_static("http://localhost")
    ///     .connect_with_connector(connector)
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(address: impl IntoAddress) -> Result<Connector, Error> {
        Ok(Connector {
            address: Arc::new(address.into_address()?),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            server_identity: None,
            #[cfg(feature = "tls")]
            tls: None,
        })
    }

    /// How long to keep retrying while the server is busy (every pipe
    /// instance taken, or the socket backlog full).
    pub fn connect_timeout(mut self, timeout: Duration) -> Connector {
        self.connect_timeout = timeout;
        self
    }

    /// Refuse servers that are not `identity`, replacing the default
    /// ([`ServerIdentity::SameUserOrSystem`] on local addresses, no check
    /// over TCP, where the OS names no one). Checked on every connection,
    /// before anything is sent; a mismatch is [`Error::WrongServer`].
    /// [`ServerIdentity::Any`] turns every check off, the Unix directory
    /// check of bare names included.
    pub fn verify_server(mut self, identity: ServerIdentity) -> Connector {
        self.server_identity = Some(identity);
        self
    }

    /// Speak TLS to the server (feature `tls`; TCP addresses only: a local
    /// address with TLS fails the connect with [`Error::InvalidOption`]).
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::tls::ClientTls) -> Connector {
        self.tls = Some(tls);
        self
    }

    /// The identity this connector requires of the server, if any.
    fn required_identity(&self) -> Option<&ServerIdentity> {
        match &self.server_identity {
            Some(ServerIdentity::Any) => None,
            Some(identity) => Some(identity),
            None if self.address.is_local() => Some(&ServerIdentity::SameUserOrSystem),
            None => None,
        }
    }

    /// The address this connector opens.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// Opens one stream. A server that is not there fails at once with
    /// [`Error::NotListening`]; a busy one is retried with a short backoff
    /// until the connect timeout, then [`Error::ConnectTimeout`]. A server
    /// that is not who the client trusts fails at once, before anything is
    /// sent: [`Error::Insecure`] for a bare name's directory that is not the
    /// client's own (Unix), [`Error::WrongServer`] for the server's identity.
    /// With TLS, a failed handshake is [`Error::Tls`], saying why.
    ///
    /// # Errors
    ///
    /// As above, and [`Error::Io`] for any other OS failure, naming the
    /// address.
    pub async fn connect(&self) -> Result<ClientStream, Error> {
        let stream = self.open().await?;
        #[cfg(feature = "tls")]
        if let Some(tls) = &self.tls {
            return stream::upgrade(stream, tls, &self.address).await;
        }
        Ok(stream)
    }

    /// Opens the pipe or socket, retrying a busy server.
    async fn open(&self) -> Result<ClientStream, Error> {
        #[cfg(feature = "tls")]
        if self.tls.is_some() && self.address.is_local() {
            return Err(Error::invalid_option(
                "TLS",
                format!(
                    "{} is a local address, and local addresses are never TLS: \
                     the OS vouches for both ends",
                    self.address
                ),
            ));
        }
        let identity = self.required_identity();
        if identity.is_some() {
            check_directory(&self.address)?;
        }
        let deadline = Instant::now() + self.connect_timeout;
        let mut pause = FIRST_RETRY;
        loop {
            match stream::open(&self.address).await {
                Ok(stream) => {
                    if let Some(identity) = identity {
                        identity.verify(&self.address, &stream)?;
                    }
                    return Ok(stream);
                }
                Err(Attempt::Busy(error)) => {
                    if Instant::now() + pause > deadline {
                        tracing::debug!(%error, "still busy at the connect timeout");
                        return Err(Error::ConnectTimeout {
                            address: (*self.address).clone(),
                            timeout: self.connect_timeout,
                        });
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_RETRY);
                }
                Err(Attempt::NotListening(source)) => {
                    return Err(Error::NotListening {
                        address: (*self.address).clone(),
                        source,
                    });
                }
                Err(Attempt::Failed(source)) => {
                    return Err(Error::io(&self.address, "connect to", source));
                }
            }
        }
    }
}

/// The directory of bare names must be the client's own, exactly as the
/// server requires of it: whoever controls it decides which socket a name
/// reaches. A missing one is left to the connect (no server is there).
#[cfg(unix)]
fn check_directory(address: &Address) -> Result<(), Error> {
    use crate::address::default_dir::{DirState, check_private, is_in_default_dir};
    let Some(dir) = address
        .unix_path()
        .filter(|path| is_in_default_dir(path))
        .and_then(|path| path.parent())
    else {
        return Ok(());
    };
    match check_private(dir) {
        Ok(DirState::Private | DirState::Missing) => Ok(()),
        Ok(DirState::Unsafe(reason)) => Err(Error::Insecure {
            address: address.clone(),
            operation: "connect to",
            reason,
        }),
        Err(e) => Err(Error::io(address, "inspect the directory of", e)),
    }
}

/// Pipes have no directory: the server's identity is all there is to check.
#[cfg(not(unix))]
fn check_directory(_: &Address) -> Result<(), Error> {
    Ok(())
}

impl tower::Service<Uri> for Connector {
    type Response = ClientStream;
    type Error = Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let connector = self.clone();
        Box::pin(async move { connector.connect().await })
    }
}
