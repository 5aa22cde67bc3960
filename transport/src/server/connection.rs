//! Serving one accepted connection: HTTP/2 with the server's settings, its
//! streams on the connection's own task, a graceful end at a stop.

use hyper::server::conn::http2;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tonic::body::Body;
use tonic::service::Routes;
use tower::ServiceBuilder;

use super::Settings;
use super::drain::{Drain, DrainLayer};
use crate::Connection;
use crate::deadline::SwitchableDeadlineLayer;
use crate::executor::{Driver, Spawner};
use crate::message_limit::SwitchableResourceExhaustedLayer;

/// Serves `connection` until the client leaves or, once `stopping` says
/// so, until its open calls are done (a GOAWAY tells the client to open no
/// more). The future is the connection's task.
///
/// A plain function returning the driver, not an `async fn`: an idle
/// connection's task then holds the driver alone, not the arguments beside
/// it too (an `async fn` keeps a slot for each).
pub(super) fn serve(
    connection: Connection,
    routes: Routes,
    settings: &Settings,
    drain: Drain,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) -> impl Future<Output = ()> + Send + use<> {
    let info = connection.info().clone();
    // Who it was, for the log: the pid of a local peer, the address of a
    // TCP one.
    let peer = (info.peer_pid, info.peer_addr);
    let service = ServiceBuilder::new()
        // What tonic's server does for a `Connected` stream: handlers find
        // the caller in their request's extensions.
        .map_request(move |request: http::Request<hyper::body::Incoming>| {
            let mut request = request.map(Body::new);
            request.extensions_mut().insert(info.clone());
            request
        })
        .layer(SwitchableResourceExhaustedLayer(
            settings.resource_exhausted,
        ))
        .layer(SwitchableDeadlineLayer(settings.deadlines))
        .layer(DrainLayer {
            drain: settings.drain.then_some(drain),
        })
        .service(routes);
    let spawner = if settings.spawn_calls {
        Spawner::spawning()
    } else {
        Spawner::default()
    };
    let http = builder(settings, spawner.clone())
        .serve_connection(TokioIo::new(connection), TowerToHyperService::new(service));
    let serving = async move {
        let mut http = std::pin::pin!(http);
        tokio::select! {
            ended = http.as_mut() => return ended,
            _ = stopping.wait_for(|&stop| stop) => http.as_mut().graceful_shutdown(),
        }
        http.await
    };
    Driver::new(peer, serving, &spawner)
}

/// hyper's HTTP/2 server with `settings`, HTTP/1 refused, no `date`
/// header; hyper's defaults otherwise: at most 200 streams at once per
/// connection (tonic's server lifts that limit), its limits on reset
/// floods, 16 KiB of headers.
fn builder(settings: &Settings, spawner: Spawner) -> http2::Builder<Spawner> {
    let mut builder = http2::Builder::new(spawner);
    builder
        .timer(TokioTimer::new())
        // gRPC has no use for a `date` header; leaving it out saves every
        // response formatting and HPACK-encoding one.
        .auto_date_header(false)
        .keep_alive_interval(settings.keepalive)
        .keep_alive_timeout(settings.keepalive_timeout);
    if settings.local_http2 {
        crate::http2::tune_server(&mut builder);
    }
    builder
}
