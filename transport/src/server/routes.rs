//! The services of a [`Server`](super::Server), by name: the innermost
//! service of its stack.
//!
//! A gRPC path is `/{service}/{method}`, so routing is one lookup of the
//! text between the first two slashes. tonic's `Routes` does it with axum's
//! router (a path-pattern matcher, and a dependency of some 20 crates);
//! this is a map, which costs a call less and keeps axum out of the crate
//! unless the `tonic-routes` feature asks for `Server::add_routes`.

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::Either;
use http::{Request, Response};
use tonic::body::Body;
use tower::{Service, ServiceExt};

/// One service, type-erased as "call a clone of it": a call then costs one
/// allocation (its future), where a boxed clonable service costs two (the
/// clone and the future).
type Named = Arc<dyn Fn(Request<Body>) -> NamedFuture + Send + Sync>;

/// What a [`Named`] service returns.
type NamedFuture = Pin<Box<dyn Future<Output = Result<Response<Body>, Infallible>> + Send>>;

/// `service` as a [`Named`] one.
fn named<S>(service: S) -> Named
where
    S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    // Each call gets a clone of its service, readied on its own (as
    // axum's router does): one slow service holds up no other.
    Arc::new(move |request| Box::pin(service.clone().oneshot(request)))
}

/// The services a [`Server`](super::Server) serves, found by the service
/// name in each request's path; a name none of them has gets
/// `UNIMPLEMENTED`, as from tonic.
///
/// This is the service the server's [layers](super::Server::layer) wrap: a
/// layer written for tonic's `Server<L>` (generic over the service it
/// wraps) wraps it unchanged. It is built by the server
/// ([`Server::add_service`](super::Server::add_service)); a layer only
/// calls it.
#[derive(Clone, Default)]
pub struct Routes {
    services: Arc<HashMap<&'static str, Named>>,
    /// tonic's routes given to `Server::add_routes`, merged, and the same
    /// prepared for calls: where a name none of `services` has goes.
    #[cfg(feature = "tonic-routes")]
    fallback: Option<(tonic::service::Routes, Named)>,
}

impl Routes {
    /// Adds `service` under its name; a later service of the same name
    /// replaces it, as in tonic.
    pub(crate) fn add<S>(&mut self, name: &'static str, service: S)
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        Arc::make_mut(&mut self.services).insert(name, named(service));
    }

    /// Hands every name this has no service for to `routes`; routes added
    /// before keep theirs, and get what `routes` does not know.
    #[cfg(feature = "tonic-routes")]
    pub(crate) fn add_routes(&mut self, routes: tonic::service::Routes) {
        let merged = match self.fallback.take() {
            // Each `Routes` answers UNIMPLEMENTED for what it does not
            // know: the earlier ones hand that to the later ones instead.
            Some((earlier, _)) => earlier
                .into_axum_router()
                .fallback_service(routes.into_axum_router())
                .into(),
            None => routes,
        };
        let prepared = named(merged.clone().prepare());
        self.fallback = Some((merged, prepared));
    }

    fn service(&self, path: &str) -> Option<&Named> {
        let name = path.strip_prefix('/')?.split_once('/')?.0;
        self.services.get(name)
    }
}

/// What a call to [`Routes`] returns: the response of the service the
/// path names, or `UNIMPLEMENTED` when no service has that name.
///
/// Opaque, so that how the routing is done stays piperpc's own.
#[must_use = "futures do nothing unless polled"]
pub struct RoutesFuture(Call);

type Call = Either<NamedFuture, Ready<Result<Response<Body>, Infallible>>>;

impl Future for RoutesFuture {
    type Output = Result<Response<Body>, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.0).poll(cx)
    }
}

impl fmt::Debug for RoutesFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoutesFuture").finish_non_exhaustive()
    }
}

impl Service<Request<Body>> for Routes {
    type Response = Response<Body>;
    type Error = Infallible;
    type Future = RoutesFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Each call readies a clone of its service (see `named`).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Body>) -> RoutesFuture {
        if let Some(service) = self.service(request.uri().path()) {
            return RoutesFuture(Either::Left(service(request)));
        }
        #[cfg(feature = "tonic-routes")]
        if let Some((_, fallback)) = &self.fallback {
            return RoutesFuture(Either::Left(fallback(request)));
        }
        RoutesFuture(Either::Right(ready(Ok(unimplemented()))))
    }
}

/// A trailers-only `UNIMPLEMENTED`, as tonic's router answers a name it
/// does not know.
fn unimplemented() -> Response<Body> {
    let (parts, ()) = tonic::Status::unimplemented("")
        .into_http::<()>()
        .into_parts();
    Response::from_parts(parts, Body::empty())
}

impl fmt::Debug for Routes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.services.keys().collect();
        names.sort();
        f.debug_struct("Routes")
            .field("services", &names)
            .finish_non_exhaustive()
    }
}
