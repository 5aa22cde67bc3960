//! Turning a layer's error into the gRPC status a caller can act on.
//!
//! Tower middleware fails a call with an error, not a response:
//! `tower::timeout` with `Elapsed`, `tower::load_shed` with `Overloaded`,
//! an application's own layer with anything. hyper can only reset the
//! stream for an error, and the caller then sees a transport failure with
//! no reason. So every error below piperpc's own layers becomes a status
//! response here: a `tonic::Status` in the chain as itself, `Overloaded`
//! as `RESOURCE_EXHAUSTED` (as tonic does), `Elapsed` as
//! `DEADLINE_EXCEEDED` (tonic resets the stream instead), anything else as
//! `UNKNOWN` with the error's text.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use http::{Request, Response};
use tonic::Status;
use tonic::body::Body;
use tower::{BoxError, Service};

use super::stack::Application;

/// `inner`, whose errors are answered as gRPC statuses.
///
/// Not generic: with a type parameter bound to `Error = BoxError`, rustc
/// fails its proof that the connection's task is `Send` (a higher-ranked
/// lifetime error on the boxed error's `dyn`).
#[derive(Clone, Debug)]
pub(super) struct Recover {
    inner: Application,
    /// An error `poll_ready` reported, answered by the next call.
    failed: Option<Status>,
}

impl Recover {
    pub(super) fn new(inner: Application) -> Recover {
        Recover {
            inner,
            failed: None,
        }
    }
}

impl Service<Request<Body>> for Recover {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = RecoverFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        if self.failed.is_none()
            && let Err(error) = ready!(self.inner.poll_ready(cx))
        {
            self.failed = Some(status_of(error));
        }
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        match self.failed.take() {
            Some(status) => RecoverFuture::Failed(Some(status)),
            None => RecoverFuture::Calling(self.inner.call(request)),
        }
    }
}

/// The response of a [`Recover`] call.
pub(super) enum RecoverFuture {
    Calling(<Application as Service<Request<Body>>>::Future),
    Failed(Option<Status>),
}

impl Future for RecoverFuture {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let status = match &mut *self {
            RecoverFuture::Calling(inner) => match ready!(inner.as_mut().poll(cx)) {
                Ok(response) => return Poll::Ready(Ok(response)),
                Err(error) => status_of(error),
            },
            RecoverFuture::Failed(status) => status.take().expect("polled after completion"),
        };
        Poll::Ready(Ok(status.into_http()))
    }
}

/// The status a caller gets for `error`.
pub(super) fn status_of(error: BoxError) -> Status {
    if let Some(elapsed) = error.downcast_ref::<tower::timeout::error::Elapsed>() {
        return Status::deadline_exceeded(format!("the server's timeout: {elapsed}"));
    }
    match Status::try_from_error(error) {
        Ok(status) => status,
        Err(error) => Status::unknown(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_of_tower_middleware_become_the_statuses_a_caller_can_act_on() {
        let elapsed: BoxError = tower::timeout::error::Elapsed::new().into();
        assert_eq!(status_of(elapsed).code(), tonic::Code::DeadlineExceeded);
        let overloaded: BoxError = tower::load_shed::error::Overloaded::new().into();
        assert_eq!(status_of(overloaded).code(), tonic::Code::ResourceExhausted);
        let status: BoxError = Status::unauthenticated("no token").into();
        let status = status_of(status);
        assert_eq!(status.code(), tonic::Code::Unauthenticated);
        assert_eq!(status.message(), "no token");
        let other: BoxError = "disk on fire".into();
        let other = status_of(other);
        assert_eq!(other.code(), tonic::Code::Unknown);
        assert_eq!(other.message(), "disk on fire");
    }
}
