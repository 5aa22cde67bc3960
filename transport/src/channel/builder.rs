//! Building a [`Channel`].

use std::time::Duration;

use super::Channel;
use super::connection::Connection;
use crate::Error;
use crate::address::IntoAddress;
use crate::connector::{Connector, ServerIdentity};

/// Connects to `address` with default settings.
///
/// # Errors
///
/// Fails fast with a clear error when the address is malformed, no server
/// is there, or the server is not one this client trusts (see
/// [`ChannelBuilder`] for timeouts and [`ServerIdentity`] for trust).
///
/// # Examples
///
/// ```no_run
/// use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let channel = piperpc_transport::connect("my-app").await?;
/// let reply = HealthClient::new(channel)
///     .check(HealthCheckRequest::default())
///     .await?;
/// # Ok(())
/// # }
/// ```
pub async fn connect(address: impl IntoAddress) -> Result<Channel, Error> {
    ChannelBuilder::new(address)?.connect().await
}

/// Builds a [`Channel`] to one address.
#[derive(Clone, Debug)]
pub struct ChannelBuilder {
    connector: Connector,
    request_timeout: Option<Duration>,
}

impl ChannelBuilder {
    /// A builder for `address`, with every default.
    ///
    /// # Errors
    ///
    /// A written address that does not parse ([`Error::InvalidAddress`],
    /// [`Error::Unsupported`]).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// # async fn run() -> Result<(), piperpc_transport::Error> {
    /// let channel = piperpc_transport::ChannelBuilder::new("my-app")?
    ///     .connect_timeout(Duration::from_secs(2))
    ///     .timeout(Duration::from_secs(30))
    ///     .connect()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(address: impl IntoAddress) -> Result<ChannelBuilder, Error> {
        Ok(ChannelBuilder {
            connector: Connector::new(address)?,
            request_timeout: None,
        })
    }

    /// How long opening the pipe or socket may keep retrying a busy server
    /// (default [`DEFAULT_CONNECT_TIMEOUT`](crate::connector::DEFAULT_CONNECT_TIMEOUT)).
    pub fn connect_timeout(mut self, timeout: Duration) -> ChannelBuilder {
        self.connector = self.connector.connect_timeout(timeout);
        self
    }

    /// Refuse a server that is not `identity`, before sending it anything.
    pub fn verify_server(mut self, identity: ServerIdentity) -> ChannelBuilder {
        self.connector = self.connector.verify_server(identity);
        self
    }

    /// A deadline for every call on the channel that sets none itself
    /// (none by default). It covers the whole call, streams included, and
    /// is sent to the server as `grpc-timeout`.
    pub fn timeout(mut self, timeout: Duration) -> ChannelBuilder {
        self.request_timeout = Some(timeout);
        self
    }

    /// Opens the connection now, so a wrong address or a missing server is
    /// reported here, by the typed [`Error`].
    pub async fn connect(self) -> Result<Channel, Error> {
        let channel = self.connect_lazy();
        channel.ready().await?;
        Ok(channel)
    }

    /// A channel that connects on first use (and reports failures there, as
    /// `UNAVAILABLE`).
    pub fn connect_lazy(self) -> Channel {
        Channel::new(Connection::new(self.connector), self.request_timeout)
    }
}
