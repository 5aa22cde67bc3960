//! Building a [`Channel`].

use std::time::Duration;

use super::Channel;
use super::connection::Connection;
use crate::Error;
use crate::address::IntoAddress;
use crate::connector::{Connector, DEFAULT_CONNECT_TIMEOUT, ServerIdentity};
use crate::http2::{Http2Settings, KEEPALIVE_INTERVAL, KEEPALIVE_TIMEOUT, Keepalive};

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
/// let channel = piperpc::connect("my-app").await?;
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
    connect_timeout: Duration,
    request_timeout: Option<Duration>,
    keepalive: Option<Duration>,
    keepalive_timeout: Duration,
    authority: Option<http::uri::Authority>,
    http2: Http2Settings,
}

impl ChannelBuilder {
    /// A builder for `address`, with every default. Keepalive pings are on
    /// for local addresses (every [`KEEPALIVE_INTERVAL`] of silence, as
    /// `piperpc serve` does) and off over TCP, where the server may limit
    /// them.
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
    /// # async fn run() -> Result<(), piperpc::Error> {
    /// let channel = piperpc::ChannelBuilder::new("my-app")?
    ///     .connect_timeout(Duration::from_secs(2))
    ///     .timeout(Duration::from_secs(30))
    ///     .connect()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn new(address: impl IntoAddress) -> Result<ChannelBuilder, Error> {
        let connector = Connector::new(address)?;
        let keepalive = connector.address().is_local().then_some(KEEPALIVE_INTERVAL);
        Ok(ChannelBuilder {
            connector,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: None,
            keepalive,
            keepalive_timeout: KEEPALIVE_TIMEOUT,
            authority: None,
            http2: Http2Settings::local(),
        })
    }

    /// How long a connect may take, all of it: opening the pipe or socket
    /// (retrying a busy server) and the server's answer to the HTTP/2
    /// handshake (default
    /// [`DEFAULT_CONNECT_TIMEOUT`](crate::connector::DEFAULT_CONNECT_TIMEOUT)).
    /// A server that accepts but never answers fails the connect with
    /// [`Error::HandshakeTimeout`].
    pub fn connect_timeout(mut self, timeout: Duration) -> ChannelBuilder {
        self.connector = self.connector.connect_timeout(timeout);
        self.connect_timeout = timeout;
        self
    }

    /// Send an HTTP/2 ping after `interval` without a frame from the server
    /// (`None` or zero turns pings off). When a ping goes unanswered for
    /// [`keepalive_timeout`](Self::keepalive_timeout), the connection is
    /// closed: every call open on it ends with `UNAVAILABLE`, and the next
    /// call opens a new one. Default: [`KEEPALIVE_INTERVAL`] for local
    /// addresses, off over TCP.
    ///
    /// [`KEEPALIVE_INTERVAL`]: crate::http2::KEEPALIVE_INTERVAL
    pub fn keepalive(mut self, interval: Option<Duration>) -> ChannelBuilder {
        self.keepalive = interval;
        self
    }

    /// How long a keepalive ping may go unanswered (default
    /// [`KEEPALIVE_TIMEOUT`](crate::http2::KEEPALIVE_TIMEOUT)).
    pub fn keepalive_timeout(mut self, timeout: Duration) -> ChannelBuilder {
        self.keepalive_timeout = timeout;
        self
    }

    /// Refuse a server that is not `identity`, before sending it anything.
    pub fn verify_server(mut self, identity: ServerIdentity) -> ChannelBuilder {
        self.connector = self.connector.verify_server(identity);
        self
    }

    /// Speak TLS to the server (feature `tls`; TCP addresses only). Without
    /// it a TCP channel is plaintext.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::tls::ClientTls) -> ChannelBuilder {
        self.connector = self.connector.tls(tls);
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

    /// The channel's HTTP/2 settings (default [`Http2Settings::local`]; the
    /// same type tunes a [`Server`](crate::Server)).
    ///
    /// # Examples
    ///
    /// ```
    /// use piperpc::{ChannelBuilder, http2::Http2Settings};
    ///
    /// # fn run() -> Result<(), piperpc::Error> {
    /// let builder = ChannelBuilder::new("my-app")?
    ///     .http2_settings(Http2Settings::local().max_header_list_size(64 * 1024));
    /// # let _ = builder;
    /// # Ok(())
    /// # }
    /// ```
    pub fn http2_settings(mut self, settings: Http2Settings) -> ChannelBuilder {
        self.http2 = settings;
        self
    }

    /// Opens the connection now, so a wrong address, a missing server or a
    /// hung one is reported here, by the typed [`Error`]. It waits for the
    /// server to answer the HTTP/2 handshake (one round trip more than the
    /// socket's connect), which is what tells a live server from a hung one
    /// that the kernel still completes connections for.
    ///
    /// A short-lived client whose first call is the point (a CLI, a hook, a
    /// probe) can use [`connect_lazy`](Self::connect_lazy) instead: its
    /// first call leaves without waiting for that answer and fails with the
    /// same errors, as `UNAVAILABLE`.
    ///
    /// # Errors
    ///
    /// [`Error::NotListening`] when no server is there,
    /// [`Error::ConnectTimeout`] when it stays busy, and
    /// [`Error::HandshakeTimeout`] when it accepts but does not answer,
    /// each within the connect timeout; [`Error::WrongServer`] from
    /// [`verify_server`](Self::verify_server); [`Error::Io`] for anything
    /// else.
    pub async fn connect(self) -> Result<Channel, Error> {
        let channel = self.connect_lazy();
        channel.ready().await?;
        Ok(channel)
    }

    /// A channel that connects on first use (and reports failures there, as
    /// `UNAVAILABLE`). A new connection's first calls are sent with the
    /// client's side of the HTTP/2 handshake, without waiting for the
    /// server's; a server that accepts and never answers fails them within
    /// the connect timeout, with the message [`Error::HandshakeTimeout`]
    /// gives.
    pub fn connect_lazy(self) -> Channel {
        let keepalive = self
            .keepalive
            .filter(|interval| !interval.is_zero())
            .map(|interval| Keepalive {
                interval,
                timeout: self.keepalive_timeout,
            });
        let connection =
            Connection::new(self.connector, self.connect_timeout, keepalive, self.http2);
        Channel::new(connection, self.request_timeout, self.authority)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keepalive_is_on_for_local_addresses_and_off_over_tcp() {
        let local = ChannelBuilder::new(crate::Address::NamedPipe(r"\\.\pipe\x".into())).unwrap();
        assert_eq!(local.keepalive, Some(KEEPALIVE_INTERVAL));
        assert_eq!(local.keepalive_timeout, KEEPALIVE_TIMEOUT);
        let tcp = ChannelBuilder::new("127.0.0.1:1").unwrap();
        assert_eq!(tcp.keepalive, None);
        assert_eq!(KEEPALIVE_INTERVAL, Duration::from_secs(30));
        assert_eq!(KEEPALIVE_TIMEOUT, Duration::from_secs(10));
    }
}
