//! The server's view of each call's wire: which request messages came
//! compressed, which response messages go out compressed, and the echoed
//! metadata.
//!
//! A tower layer around the services (piperpc's `Server::layer`) gives each
//! call a [`CallWire`] in its extensions and wraps both bodies in
//! [`Reframed`]. Echoing metadata is done here too, for every method alike:
//! tonic gives a successful unary call no way to send trailers.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use http::{HeaderName, HeaderValue, Request, Response};
use tonic::body::Body;
use tower::{Layer, Service};

use crate::wire::{Reframed, TrailersHook, gunzip};

/// Echoed in the response headers, as the client sent it.
const ECHO_INITIAL: HeaderName = HeaderName::from_static("x-grpc-test-echo-initial");
/// Echoed in the trailers, as the client sent it.
const ECHO_TRAILING: HeaderName = HeaderName::from_static("x-grpc-test-echo-trailing-bin");

/// What the wire says of one call, shared by its handler and its bodies.
#[derive(Debug, Default)]
pub struct CallWire {
    /// The compressed flag of each request message read so far, in order.
    request_flags: Mutex<Vec<bool>>,
    /// For each response message the handler has sent and the body has
    /// not yet framed: whether it may go out compressed.
    response_plan: Mutex<VecDeque<bool>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl CallWire {
    /// Whether request message `index` came compressed (`None`: not read).
    pub fn request_compressed(&self, index: usize) -> Option<bool> {
        lock(&self.request_flags).get(index).copied()
    }

    /// The next response message of a stream may go out compressed (tonic
    /// compresses it when the client accepts gzip) or must not.
    pub fn plan_response(&self, compressed: bool) {
        lock(&self.response_plan).push_back(compressed);
    }
}

/// Adds [`InteropWire`] around every service.
#[derive(Clone, Copy, Debug, Default)]
pub struct InteropWireLayer;

impl<S> Layer<S> for InteropWireLayer {
    type Service = InteropWire<S>;

    fn layer(&self, inner: S) -> InteropWire<S> {
        InteropWire { inner }
    }
}

/// A service with each call's [`CallWire`] and echoed metadata.
#[derive(Clone, Debug)]
pub struct InteropWire<S> {
    inner: S,
}

impl<S> Service<Request<Body>> for InteropWire<S>
where
    S: Service<Request<Body>, Response = Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        let call = Arc::new(CallWire::default());
        let (mut parts, body) = request.into_parts();
        let echo_initial = parts.headers.get(ECHO_INITIAL).cloned();
        let echo_trailing = parts.headers.get(ECHO_TRAILING).cloned();
        parts.extensions.insert(Arc::clone(&call));
        let seen = Arc::clone(&call);
        let body = Reframed::new(
            body,
            Box::new(move |_, compressed, message| {
                lock(&seen.request_flags).push(compressed);
                (compressed, message)
            }),
            None,
        );
        let response = self.inner.call(Request::from_parts(parts, Body::new(body)));
        Box::pin(async move {
            let (mut parts, body) = response.await?.into_parts();
            if let Some(value) = echo_initial {
                parts.headers.insert(ECHO_INITIAL, value);
            }
            let trailers = echo_trailing.and_then(|value| trailing(&mut parts.headers, value));
            let plan = call;
            let body = Reframed::new(
                body,
                Box::new(move |_, compressed, message| {
                    let may_compress = lock(&plan.response_plan).pop_front();
                    match may_compress {
                        // The server sends gzip only (src/server.rs).
                        Some(false) if compressed => match gunzip(&message) {
                            Some(inflated) => (false, inflated),
                            None => (compressed, message),
                        },
                        _ => (compressed, message),
                    }
                }),
                trailers,
            );
            Ok(Response::from_parts(parts, Body::new(body)))
        })
    }
}

/// The echoed trailer: in the headers of a trailers-only response (an
/// error before any message), else added to the trailers.
fn trailing(headers: &mut http::HeaderMap, value: HeaderValue) -> Option<TrailersHook> {
    if headers.contains_key("grpc-status") {
        headers.insert(ECHO_TRAILING, value);
        return None;
    }
    Some(Box::new(move |trailers: &mut http::HeaderMap| {
        trailers.insert(ECHO_TRAILING, value);
    }))
}
