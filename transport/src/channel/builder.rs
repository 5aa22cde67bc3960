//! tonic `Channel`s over a [`Connector`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use hyper_util::rt::TokioIo;
use tonic::transport::{Endpoint, Uri};

use super::Channel;
use crate::connector::{ClientStream, Connector, ServerIdentity};
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

/// Builds a tonic [`Channel`] to one address.
#[derive(Clone, Debug)]
pub struct ChannelBuilder {
    connector: Connector,
    request_timeout: Option<Duration>,
}

impl ChannelBuilder {
    /// A builder for `address`.
    pub fn new(address: Address) -> ChannelBuilder {
        ChannelBuilder {
            connector: Connector::new(address),
            request_timeout: None,
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

    /// Opens the first connection now, so a wrong address or a missing
    /// server is reported here, by the typed [`Error`].
    pub async fn connect(self) -> Result<Channel, Error> {
        let address = self.connector.address().clone();
        let first = self.connector.connect().await?;
        let endpoint = self.endpoint();
        let timeout = self.request_timeout;
        // tonic opens its connection through the connector: hand it the
        // stream we already have, so no second one is made, and open fresh
        // ones on every reconnect after that.
        let first = Arc::new(Mutex::new(Some(first)));
        let connector = self.connector;
        let service = tower::service_fn(move |_: Uri| {
            let ready = first.lock().unwrap_or_else(|e| e.into_inner()).take();
            let connector = connector.clone();
            async move {
                let stream: ClientStream = match ready {
                    Some(stream) => stream,
                    None => connector.connect().await?,
                };
                Ok::<_, Error>(TokioIo::new(stream))
            }
        });
        let inner = endpoint
            .connect_with_connector(service)
            .await
            .map_err(|e| Error::io(&address, "start HTTP/2 with", std::io::Error::other(e)))?;
        Ok(Channel::new(inner, address, timeout))
    }

    /// A channel that connects on first use (and reports failures there, as
    /// `UNAVAILABLE`).
    pub fn connect_lazy(self) -> Channel {
        let address = self.connector.address().clone();
        let timeout = self.request_timeout;
        Channel::new(
            self.endpoint().connect_with_connector_lazy(self.connector),
            address,
            timeout,
        )
    }

    fn endpoint(&self) -> Endpoint {
        let uri = self.connector.address().endpoint_uri();
        // The default deadline is applied by `Channel` (for the whole call,
        // streams included), not by tonic's endpoint timer.
        Endpoint::from_shared(uri).expect("endpoint URIs built by Address are valid")
    }
}
