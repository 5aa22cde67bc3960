//! A tonic channel over a local pipe, whose calls fail with `UNAVAILABLE`
//! when the connection is lost.
//!
//! gRPC says a call cut off by a broken connection ends with UNAVAILABLE
//! (retry with backoff); tonic reports the h2 error underneath as UNKNOWN or
//! CANCELLED, which a client cannot tell from a server bug. [`Channel`] wraps
//! tonic's channel and rewrites exactly those errors, in the response future
//! (a unary call in flight) and in the response body (an open stream); every
//! other status passes through untouched.
//!
//! It also holds a call to its deadline for the whole call: tonic stops
//! timing a call once the response headers arrive, so a stream that has
//! started would run past it (see [`crate::deadline`]).

mod body;
mod builder;
mod disconnect;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

pub use body::ChannelBody;
pub use builder::{ChannelBuilder, connect};

use crate::Address;
use crate::deadline::{self, Timer};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A channel to one address; generated gRPC clients take it like tonic's
/// (`EchoClient::new(channel)`). Cheap to clone; reconnects by itself.
#[derive(Clone, Debug)]
pub struct Channel {
    inner: tonic::transport::Channel,
    address: Arc<Address>,
    default_timeout: Option<Duration>,
}

impl Channel {
    pub(crate) fn new(
        inner: tonic::transport::Channel,
        address: Address,
        default_timeout: Option<Duration>,
    ) -> Channel {
        Channel {
            inner,
            address: Arc::new(address),
            default_timeout,
        }
    }

    /// The address this channel calls.
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// The tonic channel underneath, without the error rewriting.
    pub fn into_inner(self) -> tonic::transport::Channel {
        self.inner
    }
}

impl tower::Service<http::Request<tonic::body::Body>> for Channel {
    type Response = http::Response<ChannelBody>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        let address = self.address.clone();
        self.inner
            .poll_ready(cx)
            .map_err(move |e| disconnect::rewrite_error(&address, e.into()))
    }

    fn call(&mut self, mut request: http::Request<tonic::body::Body>) -> Self::Future {
        // The call's own deadline, else the channel's default, which then
        // goes to the server too.
        let headers = request.headers_mut();
        let timeout = match headers
            .get(deadline::GRPC_TIMEOUT)
            .and_then(deadline::parse)
        {
            Some(timeout) => Some(timeout),
            None => self.default_timeout.inspect(|&timeout| {
                headers.insert(deadline::GRPC_TIMEOUT, deadline::encode(timeout));
            }),
        };
        let timer = Timer::new(timeout);
        let response = self.inner.call(request);
        let address = self.address.clone();
        Box::pin(async move {
            match response.await {
                Ok(response) => Ok(response.map(|body| ChannelBody::new(body, address, timer))),
                Err(error) => Err(disconnect::rewrite_error(&address, error.into())),
            }
        })
    }
}
