//! Hooks for `tower_http`'s `TraceLayer` that count what it sees.
//!
//! `TraceLayer` opens a span per call and calls its hooks as the call
//! arrives, answers and ends; its default hooks log. [`Observe`] wraps a
//! default hook and counts each time it is called, into [`Stats`], before
//! handing on: so the logs stay as tower-http writes them, and the
//! example's tests can ask the server (its `Stats` RPC) whether the layer
//! really saw every call, those the interceptor refused included.
//! Counting in these hooks is how an application feeds call metrics too.

use std::time::Duration;

use http::Request;
use tower_http::trace::{OnFailure, OnRequest};
use tracing::Span;

use crate::Stats;

/// A `TraceLayer` hook, `inner`, that also counts its calls into
/// [`Stats`]: as `on_request`, the calls that arrived; as `on_failure`,
/// those that ended with a status other than OK.
#[derive(Clone, Debug)]
pub struct Observe<H> {
    stats: Stats,
    inner: H,
}

impl<H> Observe<H> {
    /// Counts into `stats`, then calls `inner`.
    pub fn new(stats: Stats, inner: H) -> Observe<H> {
        Observe { stats, inner }
    }
}

impl<B, H: OnRequest<B>> OnRequest<B> for Observe<H> {
    fn on_request(&mut self, request: &Request<B>, span: &Span) {
        self.stats.traced();
        self.inner.on_request(request, span);
    }
}

impl<C, H: OnFailure<C>> OnFailure<C> for Observe<H> {
    fn on_failure(&mut self, class: C, latency: Duration, span: &Span) {
        self.stats.traced_failure();
        self.inner.on_failure(class, latency, span);
    }
}
