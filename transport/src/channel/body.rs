use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use super::disconnect::{self, Peer};
use crate::deadline::Timer;

/// A response body whose lost-connection errors read `UNAVAILABLE`, and
/// which fails with `DEADLINE_EXCEEDED` when the call's deadline passes.
#[derive(Debug)]
pub struct ChannelBody {
    inner: tonic::body::Body,
    peer: Arc<Peer>,
    timer: Timer,
}

impl ChannelBody {
    pub(super) fn new(inner: tonic::body::Body, peer: Arc<Peer>, timer: Timer) -> ChannelBody {
        ChannelBody { inner, peer, timer }
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
            Poll::Ready(Some(frame)) => Poll::Ready(Some(
                frame.map_err(|status| disconnect::rewrite_status(&this.peer, status)),
            )),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
