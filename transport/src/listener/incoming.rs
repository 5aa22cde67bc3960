//! The endless connection stream handed to tonic.
//!
//! tonic stops serving when its incoming stream ends, so this one never ends
//! and never yields an error: a failed accept (too many open files, a client
//! that vanished mid-handshake) is logged, followed by a short growing pause
//! so a persistent failure does not spin, and accepting goes on.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;

use crate::{Address, Connection, Listener};

const FIRST_BACKOFF: Duration = Duration::from_millis(5);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// A [`Listener`] as a `Stream` of connections that never ends.
///
/// Dropping it drops the listener (and removes a Unix socket file).
pub struct Incoming {
    address: Address,
    inner: Pin<Box<dyn Stream<Item = Result<Connection, Infallible>> + Send>>,
}

impl Incoming {
    pub(crate) fn new(mut listener: Listener) -> Incoming {
        let address = listener.local_address().clone();
        let inner = async_stream::stream! {
            let mut backoff = FIRST_BACKOFF;
            loop {
                match listener.accept().await {
                    Ok(connection) => {
                        backoff = FIRST_BACKOFF;
                        tracing::debug!(peer = ?connection.info(), "accepted");
                        yield Ok(connection);
                    }
                    Err(error) => {
                        tracing::warn!(%error, "accept failed; retrying in {backoff:?}");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(MAX_BACKOFF);
                    }
                }
            }
        };
        Incoming {
            address,
            inner: Box::pin(inner),
        }
    }

    /// The address being served.
    pub fn local_address(&self) -> &Address {
        &self.address
    }
}

impl Stream for Incoming {
    type Item = Result<Connection, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl std::fmt::Debug for Incoming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Incoming")
            .field("address", &self.address)
            .finish()
    }
}
