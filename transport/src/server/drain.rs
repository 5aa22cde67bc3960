//! Graceful drain: when the server stops, streams that are waiting for
//! their next message end with `UNAVAILABLE`.
//!
//! tonic's graceful shutdown stops accepting and waits for open calls, but
//! a watch or a subscription never ends by itself, so a stop would always
//! wait out the whole grace period and then cut such streams off with a
//! reset. Instead, once the drain begins, a response body that is idle
//! (its service has nothing to send right now) ends at once with
//! `UNAVAILABLE` trailers, which tells a gRPC client to reconnect elsewhere
//! or later. A response that is ready (a unary answer, a message being
//! produced) is never cut; calls whose handler is still working keep the
//! grace period.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body::{Body, Frame, SizeHint};
use tokio::sync::Notify;
use tower::{Layer, Service};

/// The drain signal, shared by every response body of a server.
#[derive(Clone, Debug, Default)]
pub(crate) struct Drain {
    state: Arc<DrainState>,
}

#[derive(Debug, Default)]
struct DrainState {
    started: AtomicBool,
    notify: Notify,
}

impl Drain {
    /// Begins the drain, waking every idle stream.
    pub(crate) fn start(&self) {
        self.state.started.store(true, Ordering::Release);
        self.state.notify.notify_waiters();
    }

    fn started(&self) -> bool {
        self.state.started.load(Ordering::Acquire)
    }

    /// Completes once the drain has begun.
    async fn wait(self) {
        loop {
            let notified = self.state.notify.notified();
            if self.started() {
                return;
            }
            notified.await;
        }
    }
}

/// Wraps a service so its streams end with `UNAVAILABLE` once `drain`
/// starts.
#[derive(Clone, Debug)]
pub(crate) struct DrainLayer {
    pub(crate) drain: Option<Drain>,
}

impl<S> Layer<S> for DrainLayer {
    type Service = DrainService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        DrainService {
            inner,
            drain: self.drain.clone(),
        }
    }
}

/// See [`DrainLayer`].
#[derive(Clone, Debug)]
pub(crate) struct DrainService<S> {
    inner: S,
    drain: Option<Drain>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for DrainService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = Response<DrainBody<ResBody>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let response = self.inner.call(request);
        let drain = self.drain.clone();
        Box::pin(async move {
            let response = response.await?;
            Ok(response.map(|inner| DrainBody {
                inner: Some(inner),
                drain,
                waiting: None,
            }))
        })
    }
}

/// A response body that ends with `UNAVAILABLE` when idle during a drain.
pub(crate) struct DrainBody<B> {
    /// `None` once the drain cut the stream off.
    inner: Option<B>,
    drain: Option<Drain>,
    /// Made on the first idle poll only, so unary answers cost nothing.
    waiting: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl<B: Default> Default for DrainBody<B> {
    fn default() -> Self {
        DrainBody {
            inner: Some(B::default()),
            drain: None,
            waiting: None,
        }
    }
}

impl<B> std::fmt::Debug for DrainBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DrainBody")
            .field("cut", &self.inner.is_none())
            .finish()
    }
}

impl<B> Body for DrainBody<B>
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
        let polled = Pin::new(inner).poll_frame(cx);
        if polled.is_ready() {
            return polled;
        }
        let Some(drain) = &this.drain else {
            return Poll::Pending;
        };
        let waiting = this
            .waiting
            .get_or_insert_with(|| Box::pin(drain.clone().wait()));
        match waiting.as_mut().poll(cx) {
            Poll::Ready(()) => {
                // Dropping the inner body drops the handler's stream.
                this.inner = None;
                Poll::Ready(Some(Ok(Frame::trailers(shutting_down_trailers()))))
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map(Body::size_hint).unwrap_or_default()
    }
}

fn shutting_down_trailers() -> HeaderMap {
    crate::deadline::status_trailers(&tonic::Status::unavailable("the server is shutting down"))
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::time::Duration;

    use http_body_util::BodyExt;
    use http_body_util::StreamBody;

    use super::*;

    type Frames = StreamBody<
        std::pin::Pin<
            Box<dyn futures_core::Stream<Item = Result<Frame<Bytes>, Infallible>> + Send>,
        >,
    >;

    fn body(frames: Frames, drain: &Drain) -> DrainBody<Frames> {
        DrainBody {
            inner: Some(frames),
            drain: Some(drain.clone()),
            waiting: None,
        }
    }

    fn status_of(frame: Frame<Bytes>) -> String {
        let trailers = frame.into_trailers().expect("trailers");
        trailers["grpc-status"].to_str().unwrap().to_string()
    }

    #[tokio::test]
    async fn an_idle_stream_ends_unavailable_when_the_drain_starts() {
        let drain = Drain::default();
        let endless: Frames = StreamBody::new(Box::pin(async_stream::stream! {
            yield Ok(Frame::data(Bytes::from_static(b"first")));
            std::future::pending::<()>().await;
        }));
        let mut body = body(endless, &drain);
        let first = body.frame().await.unwrap().unwrap();
        assert_eq!(first.into_data().unwrap(), "first");
        let starter = drain.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            starter.start();
        });
        let last = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("the drain ends the stream")
            .unwrap()
            .unwrap();
        assert_eq!(status_of(last), "14");
        assert!(body.frame().await.is_none());
    }

    #[tokio::test]
    async fn a_ready_answer_is_never_cut() {
        let drain = Drain::default();
        drain.start();
        let answer: Frames = StreamBody::new(Box::pin(async_stream::stream! {
            yield Ok(Frame::data(Bytes::from_static(b"answer")));
            let mut ok = HeaderMap::new();
            ok.insert("grpc-status", "0".parse().unwrap());
            yield Ok(Frame::trailers(ok));
        }));
        let mut body = body(answer, &drain);
        let data = body.frame().await.unwrap().unwrap();
        assert_eq!(data.into_data().unwrap(), "answer");
        assert_eq!(status_of(body.frame().await.unwrap().unwrap()), "0");
    }
}
