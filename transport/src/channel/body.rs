use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};

use super::disconnect;
use crate::Address;

/// A response body whose lost-connection errors read `UNAVAILABLE`.
#[derive(Debug)]
pub struct ChannelBody {
    inner: tonic::body::Body,
    address: Arc<Address>,
}

impl ChannelBody {
    pub(super) fn new(inner: tonic::body::Body, address: Arc<Address>) -> ChannelBody {
        ChannelBody { inner, address }
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
        Pin::new(&mut this.inner)
            .poll_frame(cx)
            .map_err(|status| disconnect::rewrite_status(&this.address, status))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
