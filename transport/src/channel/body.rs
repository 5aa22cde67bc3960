use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use super::disconnect::{self, Peer};
use crate::deadline::Timer;

/// A response body whose lost-connection errors read `UNAVAILABLE`, and
/// which fails with `DEADLINE_EXCEEDED` when the call's deadline passes.
///
/// Its [`Default`] is an empty body, as tonic's generated
/// `FooClient::with_interceptor` requires of a channel's body.
#[derive(Debug)]
pub struct ChannelBody {
    inner: tonic::body::Body,
    /// The connection it came on; none for an empty default body.
    peer: Option<Arc<Peer>>,
    timer: Timer,
}

impl ChannelBody {
    pub(super) fn new(inner: tonic::body::Body, peer: Arc<Peer>, timer: Timer) -> ChannelBody {
        ChannelBody {
            inner,
            peer: Some(peer),
            timer,
        }
    }
}

impl Default for ChannelBody {
    fn default() -> Self {
        ChannelBody {
            inner: tonic::body::Body::empty(),
            peer: None,
            timer: Timer::new(None),
        }
    }
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, tonic::Status>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Pending => match this.timer.poll_expired(cx) {
                Poll::Ready(()) => {
                    this.timer.clear();
                    Poll::Ready(Some(Err(tonic::Status::deadline_exceeded(format!(
                        "deadline of {:?} exceeded while the response was streaming",
                        this.timer.timeout()
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
            Poll::Ready(None) => {
                this.timer.clear();
                Poll::Ready(None)
            }
            // A stream reset after the deadline (a server that saw it pass
            // first) failed of the deadline.
            Poll::Ready(Some(Err(status))) if this.timer.expired() => {
                this.timer.clear();
                Poll::Ready(Some(Err(tonic::Status::deadline_exceeded(format!(
                    "deadline of {:?} exceeded while the response was streaming ({})",
                    this.timer.timeout(),
                    status.message()
                )))))
            }
            Poll::Ready(Some(frame)) => {
                Poll::Ready(Some(frame.map_err(|status| match &this.peer {
                    Some(peer) => disconnect::rewrite_status(peer, status),
                    None => status,
                })))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http_body_util::BodyExt;

    use super::*;

    /// A body that fails at once, as a stream the server reset does.
    fn reset() -> tonic::body::Body {
        let frames = futures_util::stream::iter([Err::<Frame<Bytes>, _>(
            tonic::Status::cancelled("h2 protocol error: http2 error"),
        )]);
        tonic::body::Body::new(http_body_util::StreamBody::new(frames))
    }

    fn body(timeout: Duration) -> ChannelBody {
        ChannelBody {
            inner: reset(),
            peer: None,
            timer: Timer::new(Some(timeout)),
        }
    }

    #[tokio::test]
    async fn a_reset_after_the_deadline_is_deadline_exceeded() {
        let mut late = body(Duration::ZERO);
        let error = late.frame().await.unwrap().unwrap_err();
        assert_eq!(error.code(), tonic::Code::DeadlineExceeded, "{error}");
    }

    #[tokio::test]
    async fn a_reset_before_the_deadline_stays_what_it_is() {
        let mut early = body(Duration::from_secs(60));
        let error = early.frame().await.unwrap().unwrap_err();
        assert_eq!(error.code(), tonic::Code::Cancelled, "{error}");
    }
}
