//! The tower stack every call goes through, outermost first:
//!
//! 1. who connected, put in the request's extensions (piperpc's
//!    `ConnectInfo`, and tonic's type for the transport);
//! 2. `RESOURCE_EXHAUSTED` for oversized messages ([`crate::message_limit`]);
//! 3. the deadline over the whole stream: the caller's `grpc-timeout`,
//!    capped by [`Server::timeout`](super::Server::timeout)
//!    ([`crate::deadline`]);
//! 4. the drain at a stop;
//! 5. errors of what is below answered as gRPC statuses ([`super::recover`]);
//! 6. load shedding and the per-connection concurrency limit, when asked;
//! 7. the application's layers ([`Server::layer`](super::Server::layer)),
//!    then the routes to its services.
//!
//! 1 to 5 are one service ([`super::call`]), made for each connection with
//! 6 (the concurrency limit counts one connection's calls) in
//! [`super::connection`]; 7 is made here once, at
//! bind, and cloned per connection behind one box, so the server's types do
//! not grow with the application's layers.

use http::{Request, Response};
use tonic::body::Body;
use tower::util::BoxCloneService;
use tower::{BoxError, Layer, Service, ServiceExt};

use super::Routes;

/// The application's services behind its layers.
pub(crate) type Application = BoxCloneService<Request<Body>, Response<Body>, BoxError>;

/// The layers a [`Server`](super::Server) can put around its services:
/// any `tower::Layer` over the server's [`Routes`] whose service tonic's own
/// `Server<L>` would serve (a `Clone + Send` service of HTTP requests with
/// a `Send` future, an error that converts into a `BoxError`, and a
/// response body of `Bytes`), `ResBody` being that body. Every such layer
/// has it, [`Identity`](tower::layer::util::Identity) and tower's `Stack`
/// included: there is nothing to implement.
pub trait ServerLayer<ResBody>: Layer<Routes> {
    /// The layer around `routes`, boxed: what each connection's stack
    /// wraps. For the server's use.
    #[doc(hidden)]
    fn application(&self, routes: Routes) -> Application;
}

impl<L, ResBody> ServerLayer<ResBody> for L
where
    L: Layer<Routes>,
    L::Service: Service<Request<Body>, Response = Response<ResBody>> + Clone + Send + 'static,
    <L::Service as Service<Request<Body>>>::Future: Send + 'static,
    <L::Service as Service<Request<Body>>>::Error: Into<BoxError>,
    ResBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    fn application(&self, routes: Routes) -> Application {
        let service = self
            .layer(routes)
            .map_response(|response: Response<ResBody>| response.map(Body::new))
            .map_err(Into::into);
        BoxCloneService::new(service)
    }
}
