//! What the server does around every call, in one service: steps 1 to 5 of
//! the stack (see [`super::stack`]).
//!
//! 1. who connected goes into the request's extensions;
//! 2. `RESOURCE_EXHAUSTED` for oversized messages ([`crate::message_limit`]);
//! 3. the deadline over the whole stream: the caller's `grpc-timeout`,
//!    capped by the server's own ([`crate::deadline`]);
//! 4. the drain at a stop ([`super::drain`]);
//! 5. errors of what is below answered as statuses ([`super::recover`]).
//!
//! These were four tower layers, three with a boxed future and a body
//! wrapper of their own. One service with one future and one body does the
//! same work with three allocations fewer per call (about 0.6k of the
//! server's 56k instructions per unary call: `piperpc-bench cost`).
//! The public [`DeadlineLayer`](crate::DeadlineLayer) and
//! [`ResourceExhaustedLayer`](crate::ResourceExhaustedLayer) stay for tonic's
//! own server, and share their logic with this.

mod body;
mod future;

use std::convert::Infallible;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};
use tonic::body::Body;
use tower::Service;

pub(super) use body::CallBody;
pub(super) use future::CallFuture;

use super::drain::Drain;
use super::recover::Recover;
use crate::deadline::{Timer, call_timeout};

/// What [`CallService`] does, from the server's settings.
#[derive(Clone, Copy, Debug)]
pub(super) struct CallSettings {
    /// Rewrite tonic's oversized-message `OUT_OF_RANGE`.
    pub(super) resource_exhausted: bool,
    /// Honour the caller's `grpc-timeout`.
    pub(super) deadlines: bool,
    /// The server's own deadline for every call.
    pub(super) cap: Option<Duration>,
}

/// The server's own work around each call of one connection; `extensions`
/// adds who connected to each request.
#[derive(Clone, Debug)]
pub(super) struct CallService<X> {
    inner: Recover,
    extensions: X,
    settings: CallSettings,
    /// `None`: streams are not cut at a stop.
    drain: Option<Drain>,
}

impl<X> CallService<X> {
    pub(super) fn new(
        inner: Recover,
        extensions: X,
        settings: CallSettings,
        drain: Option<Drain>,
    ) -> CallService<X> {
        CallService {
            inner,
            extensions,
            settings,
            drain,
        }
    }
}

impl<X, B> Service<Request<B>> for CallService<X>
where
    X: Fn(&mut http::Extensions),
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<tower::BoxError>,
{
    type Response = Response<CallBody>;
    type Error = Infallible;
    type Future = CallFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> CallFuture {
        let mut request = request.map(Body::new);
        (self.extensions)(request.extensions_mut());
        // The clock starts when the request arrives, as the caller's did
        // when it sent it.
        let settings = self.settings;
        let timer = Timer::new(call_timeout(
            request.headers(),
            settings.deadlines,
            settings.cap,
        ));
        CallFuture::new(
            self.inner.call(request),
            timer,
            settings.resource_exhausted,
            self.drain.clone(),
        )
    }
}
