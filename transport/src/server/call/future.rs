//! The response of a [`CallService`](super::CallService) call.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Response;

use super::CallBody;
use crate::deadline::{Timer, deadline_status};
use crate::message_limit::fix_status;
use crate::server::drain::Drain;
use crate::server::recover::RecoverFuture;

/// The handler's response, or `DEADLINE_EXCEEDED` if the deadline comes
/// first, with its body made a [`CallBody`].
#[must_use = "futures do nothing unless polled"]
pub(in crate::server) struct CallFuture {
    response: RecoverFuture,
    /// `None` once the response is out (it went into the body).
    timer: Option<Timer>,
    resource_exhausted: bool,
    drain: Option<Drain>,
}

impl CallFuture {
    pub(super) fn new(
        response: RecoverFuture,
        timer: Timer,
        resource_exhausted: bool,
        drain: Option<Drain>,
    ) -> CallFuture {
        CallFuture {
            response,
            timer: Some(timer),
            resource_exhausted,
            drain,
        }
    }
}

impl Future for CallFuture {
    type Output = Result<Response<CallBody>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let timer = this.timer.as_mut().expect("polled after completion");
        // The handler is polled first, then the deadline. This deadline
        // started before tonic's own (which would say CANCELLED), so a
        // handler still working at the deadline is answered
        // DEADLINE_EXCEEDED.
        let mut response = match Pin::new(&mut this.response).poll(cx) {
            Poll::Ready(Ok(response)) => response,
            Poll::Ready(Err(never)) => match never {},
            Poll::Pending => match timer.poll_expired(cx) {
                Poll::Ready(()) => {
                    timer.clear();
                    deadline_status(timer.timeout()).into_http()
                }
                Poll::Pending => return Poll::Pending,
            },
        };
        if this.resource_exhausted {
            fix_status(response.headers_mut());
        }
        let timer = this.timer.take().expect("taken once");
        let (resource_exhausted, drain) = (this.resource_exhausted, this.drain.take());
        Poll::Ready(Ok(
            response.map(|body| CallBody::new(body, resource_exhausted, timer, drain))
        ))
    }
}
