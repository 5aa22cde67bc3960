//! The response body of a [`CallService`](super::CallService) call.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::{Frame, SizeHint};
use tonic::Status;
use tonic::body::Body;

use crate::deadline::{Timer, deadline_trailers};
use crate::message_limit::fix_trailers;
use crate::server::drain::{Drain, shutting_down_trailers};

/// A handler's response body, with the server's rules on top: trailers of
/// an oversized message say `RESOURCE_EXHAUSTED`; a stream still open at
/// the deadline ends with `DEADLINE_EXCEEDED`, and one idle when the drain
/// starts with `UNAVAILABLE` (a frame that is ready is never cut).
pub(in crate::server) struct CallBody {
    /// `None` once the deadline or the drain cut the stream off (dropping
    /// the handler's stream, so it stops producing).
    inner: Option<Body>,
    resource_exhausted: bool,
    timer: Timer,
    drain: Option<Drain>,
    /// Made on the first idle poll during a drain's watch only, so unary
    /// answers cost nothing.
    waiting: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
}

impl CallBody {
    pub(super) fn new(
        inner: Body,
        resource_exhausted: bool,
        timer: Timer,
        drain: Option<Drain>,
    ) -> CallBody {
        CallBody {
            inner: Some(inner),
            resource_exhausted,
            timer,
            drain,
            waiting: None,
        }
    }

    /// Ready with the trailers that end the stream if the drain has begun
    /// (only called while the handler has nothing to send).
    fn poll_drained(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(drain) = &self.drain else {
            return Poll::Pending;
        };
        self.waiting
            .get_or_insert_with(|| Box::pin(drain.clone().wait()))
            .as_mut()
            .poll(cx)
    }
}

impl http_body::Body for CallBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let this = &mut *self;
        let Some(inner) = &mut this.inner else {
            return Poll::Ready(None);
        };
        match Pin::new(inner).poll_frame(cx) {
            Poll::Ready(None) => {
                this.timer.clear();
                return Poll::Ready(None);
            }
            Poll::Ready(Some(Ok(frame))) if this.resource_exhausted => {
                return Poll::Ready(Some(Ok(fix_trailers(frame))));
            }
            Poll::Ready(ready) => return Poll::Ready(ready),
            Poll::Pending => {}
        }
        // Idle: the drain, then the deadline, may end the stream.
        let trailers = if this.poll_drained(cx).is_ready() {
            shutting_down_trailers()
        } else if this.timer.poll_expired(cx).is_ready() {
            this.timer.clear();
            deadline_trailers(this.timer.timeout())
        } else {
            return Poll::Pending;
        };
        this.inner = None;
        Poll::Ready(Some(Ok(Frame::trailers(trailers))))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map(Body::size_hint).unwrap_or_default()
    }
}

impl std::fmt::Debug for CallBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallBody")
            .field("cut", &self.inner.is_none())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::time::Duration;

    use http::HeaderMap;
    use http_body_util::{BodyExt, StreamBody};

    use super::*;

    type Frames = StreamBody<
        std::pin::Pin<
            Box<dyn futures_core::Stream<Item = Result<Frame<Bytes>, Infallible>> + Send>,
        >,
    >;

    fn body(frames: Frames, drain: &Drain) -> CallBody {
        CallBody::new(
            Body::new(frames),
            true,
            Timer::new(None),
            Some(drain.clone()),
        )
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

    #[tokio::test]
    async fn an_idle_stream_ends_deadline_exceeded_at_its_deadline() {
        let endless: Frames = StreamBody::new(Box::pin(async_stream::stream! {
            yield Ok(Frame::data(Bytes::from_static(b"first")));
            std::future::pending::<()>().await;
        }));
        let timer = Timer::new(Some(Duration::from_millis(50)));
        let mut body = CallBody::new(Body::new(endless), true, timer, None);
        assert_eq!(
            body.frame().await.unwrap().unwrap().into_data().unwrap(),
            "first"
        );
        let last = tokio::time::timeout(Duration::from_secs(10), body.frame())
            .await
            .expect("the deadline ends the stream")
            .unwrap()
            .unwrap();
        assert_eq!(status_of(last), "4");
        assert!(body.frame().await.is_none());
    }

    #[tokio::test]
    async fn trailers_of_an_oversized_message_say_resource_exhausted() {
        let too_large: Frames = StreamBody::new(Box::pin(async_stream::stream! {
            let mut trailers = HeaderMap::new();
            trailers.insert("grpc-status", "11".parse().unwrap());
            trailers.insert("grpc-message", "decoded message length too large".parse().unwrap());
            yield Ok(Frame::trailers(trailers));
        }));
        let mut fixed = CallBody::new(Body::new(too_large), true, Timer::new(None), None);
        assert_eq!(status_of(fixed.frame().await.unwrap().unwrap()), "8");
    }
}
