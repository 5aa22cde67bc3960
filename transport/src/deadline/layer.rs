use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body::{Body, Frame, SizeHint};
use tower::{Layer, Service};

use super::{Timer, call_timeout};

/// Ends responses that outlive the call's `grpc-timeout` with
/// `DEADLINE_EXCEEDED`; add it with `Server::builder().layer(DeadlineLayer::new())`.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct DeadlineLayer;

impl DeadlineLayer {
    /// The layer (the same as [`Default::default`]).
    pub const fn new() -> DeadlineLayer {
        DeadlineLayer
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = DeadlineService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DeadlineService { inner }
    }
}

/// A gRPC service whose streams stop at the caller's deadline.
#[derive(Clone, Debug)]
pub struct DeadlineService<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for DeadlineService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    ResBody: Default,
{
    type Response = Response<DeadlineBody<ResBody>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        // The clock starts when the request arrives, as the caller's did
        // when it sent it.
        let mut timer = Timer::new(call_timeout(request.headers(), true, None));
        let response = self.inner.call(request);
        Box::pin(async move {
            // A handler still working at the deadline is answered
            // DEADLINE_EXCEEDED. This timer started before tonic's own
            // (which would say CANCELLED) and is polled first, so it wins.
            let response = match timer.race(response).await {
                Some(result) => result?,
                None => {
                    timer.clear();
                    deadline_status(timer.timeout()).into_http()
                }
            };
            Ok(response.map(|inner| DeadlineBody {
                inner: Some(inner),
                timer,
            }))
        })
    }
}

/// A response body cut off with `DEADLINE_EXCEEDED` trailers at the deadline.
#[derive(Debug)]
pub struct DeadlineBody<B> {
    /// `None` once the deadline cut the stream off.
    inner: Option<B>,
    timer: Timer,
}

impl<B> Body for DeadlineBody<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = &mut *self;
        let Some(inner) = &mut this.inner else {
            return Poll::Ready(None);
        };
        match Pin::new(inner).poll_frame(cx) {
            Poll::Ready(None) => {
                this.timer.clear();
                Poll::Ready(None)
            }
            Poll::Pending => match this.timer.poll_expired(cx) {
                Poll::Ready(()) => {
                    this.timer.clear();
                    // End with the status; dropping the inner body drops the
                    // handler's stream, so it stops producing.
                    this.inner = None;
                    Poll::Ready(Some(Ok(Frame::trailers(deadline_trailers(
                        this.timer.timeout(),
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
            ready => ready,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map(Body::size_hint).unwrap_or_default()
    }
}

/// The status of a call that outlived its deadline of `timeout`.
pub(crate) fn deadline_status(timeout: std::time::Duration) -> tonic::Status {
    tonic::Status::deadline_exceeded(format!("deadline of {timeout:?} exceeded"))
}

/// Trailers that end a stream at its deadline of `timeout`.
pub(crate) fn deadline_trailers(timeout: std::time::Duration) -> HeaderMap {
    status_trailers(&deadline_status(timeout))
}

/// Trailers that end a stream with `status`: the same headers tonic writes
/// for a status.
pub(crate) fn status_trailers(status: &tonic::Status) -> HeaderMap {
    let mut trailers = HeaderMap::new();
    let _ = status.add_header(&mut trailers);
    trailers
}
