use std::pin::Pin;
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};

use super::fix_trailers;

/// A response body whose trailers get the same status rewrite.
#[derive(Debug)]
pub struct FixedTrailers<B> {
    inner: B,
    enabled: bool,
}

impl<B> FixedTrailers<B> {
    pub(super) fn new(inner: B, enabled: bool) -> Self {
        FixedTrailers { inner, enabled }
    }
}

/// An empty body when `B`'s is: so that a layer needing a default body
/// (`DeadlineLayer`) can wrap `ResourceExhaustedLayer`'s service.
impl<B: Default> Default for FixedTrailers<B> {
    fn default() -> Self {
        FixedTrailers::new(B::default(), false)
    }
}

impl<B: Body + Unpin> Body for FixedTrailers<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let enabled = self.enabled;
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if !enabled {
            return polled;
        }
        polled.map(|frame| frame.map(|frame| frame.map(fix_trailers)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
