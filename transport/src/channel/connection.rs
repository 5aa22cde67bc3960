//! The one HTTP/2 connection behind a [`Channel`](super::Channel), opened on
//! demand and reopened after it dies.
//!
//! tonic's channel puts a queue and a worker task between every call and the
//! connection; on a local link that hop is a measurable share of a round
//! trip. Here a call clones the connection's `SendRequest` (a cheap handle
//! that multiplexes streams) and sends directly. Only opening a connection
//! is serialised, so many calls arriving at once after a server restart make
//! one connection, not many.

use std::sync::Mutex;

use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::TokioIo;

use super::settings;
use crate::Error;
use crate::connector::Connector;

pub(crate) type Sender = SendRequest<tonic::body::Body>;

#[derive(Debug)]
pub(crate) struct Connection {
    connector: Connector,
    current: Mutex<Option<Sender>>,
    opening: tokio::sync::Mutex<()>,
}

impl Connection {
    pub(crate) fn new(connector: Connector) -> Connection {
        Connection {
            connector,
            current: Mutex::new(None),
            opening: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn connector(&self) -> &Connector {
        &self.connector
    }

    /// A handle to a live connection, opening one if there is none.
    pub(crate) async fn sender(&self) -> Result<Sender, Error> {
        if let Some(sender) = self.live() {
            return Ok(sender);
        }
        let _opening = self.opening.lock().await;
        if let Some(sender) = self.live() {
            return Ok(sender);
        }
        let sender = self.open().await?;
        *self.lock() = Some(sender.clone());
        Ok(sender)
    }

    fn live(&self) -> Option<Sender> {
        self.lock().as_ref().filter(|s| !s.is_closed()).cloned()
    }

    async fn open(&self) -> Result<Sender, Error> {
        let stream = self.connector.connect().await?;
        let address = self.connector.address();
        let (sender, connection) = settings::client_builder()
            .handshake(TokioIo::new(stream))
            .await
            .map_err(|e| Error::io(address, "start HTTP/2 with", std::io::Error::other(e)))?;
        let shown = address.to_string();
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(address = %shown, %error, "connection ended");
            }
        });
        Ok(sender)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Sender>> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }
}
