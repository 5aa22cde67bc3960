use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower::Service;

use super::{PeerPolicy, Refusal};
use crate::ConnectInfo;

/// A service that admits only the peers its [`PeerPolicy`] allows.
#[derive(Clone, Debug)]
pub struct PeerPolicyService<S> {
    pub(super) inner: S,
    pub(super) policy: PeerPolicy,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for PeerPolicyService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: Default + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<ResBody>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let verdict = match request.extensions().get::<ConnectInfo>() {
            Some(peer) => self.policy.check(peer),
            None if self.policy.admits_anyone() => Ok(()),
            None => Err(Refusal::new("the connection carries no peer identity")),
        };
        match verdict {
            Ok(()) => Box::pin(self.inner.call(request)),
            Err(reason) => {
                tracing::warn!(%reason, path = %request.uri().path(), "call refused");
                // The request (and its body) is dropped here, unread.
                let status =
                    tonic::Status::permission_denied(format!("permission denied: {reason}"));
                Box::pin(std::future::ready(Ok(status.into_http())))
            }
        }
    }
}
