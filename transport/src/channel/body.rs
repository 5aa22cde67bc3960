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
