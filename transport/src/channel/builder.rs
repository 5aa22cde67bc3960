//! Building a [`Channel`].

use std::time::Duration;

use super::Channel;
use super::connection::Connection;
use crate::connector::{Connector, ServerIdentity};
use crate::{Address, Error};

/// Connects to `address` (any written form) with default settings.
///
/// Fails fast with a clear error when no server is there; see
/// [`ChannelBuilder`] for timeouts.
pub async fn connect(address: &str) -> Result<Channel, Error> {
    ChannelBuilder::new(Address::parse(address)?)
        .connect()
        .await
}

/// Builds a [`Channel`] to one address.
#[derive(Clone, Debug)]
pub struct ChannelBuilder {
    connector: Connector,
    request_timeout: Option<Duration>,
    authority: Option<http::uri::Authority>,
}

impl ChannelBuilder {
    /// A builder for `address`.
    pub fn new(address: Address) -> ChannelBuilder {
        ChannelBuilder {
            connector: Connector::new(address),
            request_timeout: None,
            authority: None,
        }
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

    /// The `:authority` sent with every request, instead of the address's
    /// own (`localhost` for local addresses, `HOST:PORT` for TCP), as
    /// grpc-go's `WithAuthority` and grpcurl's `-authority` do.
    pub fn authority(mut self, authority: http::uri::Authority) -> ChannelBuilder {
        self.authority = Some(authority);
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
        Channel::new(
            Connection::new(self.connector),
            self.request_timeout,
            self.authority,
        )
    }
}
