use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower::Service;

use super::{FixedTrailers, fix_status};

/// A gRPC service whose oversized-message errors read `RESOURCE_EXHAUSTED`.
#[derive(Clone, Debug)]
pub struct ResourceExhausted<S> {
    pub(super) inner: S,
    pub(super) enabled: bool,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ResourceExhausted<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
{
    type Response = Response<FixedTrailers<ResBody>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let response = self.inner.call(request);
        let enabled = self.enabled;
        Box::pin(async move {
            let mut response = response.await?;
            if enabled {
                fix_status(response.headers_mut());
            }
            Ok(response.map(|body| FixedTrailers::new(body, enabled)))
        })
    }
}
