//! Serving one accepted connection: HTTP/2 with the server's settings, its
//! streams on the connection's own task, a graceful end at a stop or at
//! the connection's maximum age.

use std::fmt::Debug;
use std::pin::Pin;
use std::time::Duration;

use hyper::server::conn::http2;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tower::ServiceBuilder;

use super::Settings;
use super::call::{CallService, CallSettings};
use super::drain::Drain;
use super::recover::Recover;
use super::stack::Application;
use crate::executor::{Driver, Spawner};

/// Serves `io` until the client leaves or, once `stopping` says so (or
/// the connection reached its maximum age), until its open calls are done
/// (a GOAWAY tells the client to open no more). `extensions` adds who
/// connected to each request; `peer` names it in the log. The future is
/// the connection's task.
///
/// A plain function returning the driver, not an `async fn`: an idle
/// connection's task then holds the driver alone, not the arguments beside
/// it too (an `async fn` keeps a slot for each).
pub(super) fn serve<IO, X, P>(
    io: IO,
    extensions: X,
    peer: P,
    application: Application,
    settings: &Settings,
    drain: Drain,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) -> Driver<impl Future<Output = Result<(), hyper::Error>> + Send + use<IO, X, P>, P>
where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    X: Fn(&mut http::Extensions) + Clone + Send + Sync + 'static,
    P: Debug + Send + Unpin + 'static,
{
    // Below the recovery of errors: the layers that fail a call with one
    // (see `stack` for the whole order). Boxed again when there are any:
    // one type either way, and no cost when there are none.
    let limited: Application = if settings.load_shed || settings.concurrency_limit.is_some() {
        Application::new(
            ServiceBuilder::new()
                .option_layer(
                    settings
                        .load_shed
                        .then(tower::load_shed::LoadShedLayer::new),
                )
                .option_layer(
                    settings
                        .concurrency_limit
                        .map(tower::limit::ConcurrencyLimitLayer::new),
                )
                .service(application),
        )
    } else {
        application
    };
    // What tonic's server does for a `Connected` stream (handlers find the
    // caller in their request's extensions), and the rest of the server's
    // own work around each call, in one service.
    let service = CallService::new(
        Recover::new(limited),
        extensions,
        CallSettings {
            resource_exhausted: settings.resource_exhausted,
            deadlines: settings.deadlines,
            cap: settings.timeout,
        },
        settings.drain.then_some(drain),
    );
    let spawner = if settings.spawn_calls {
        Spawner::spawning()
    } else {
        Spawner::default()
    };
    let mut http = builder(settings, spawner.clone())
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(service));
    let max_age = settings.max_connection_age;
    let grace = settings.grace;
    let serving = async move {
        // Polled where it was captured, through `&mut`, never moved (into
        // a `pin!` or an `.await`): an async block keeps a captured value
        // and what it is moved into in two slots, which doubled every
        // connection's task (hyper's connection is over 2 KiB). It is
        // `Unpin`, so no pinning is needed.
        let stopped = tokio::select! {
            ended = &mut http => return ended,
            _ = stopping.wait_for(|&stop| stop) => true,
            _ = aged(max_age) => false,
        };
        Pin::new(&mut http).graceful_shutdown();
        if stopped {
            // The server's stop bounds what follows.
            return (&mut http).await;
        }
        // Too old: no new calls; the open ones get the grace period.
        match tokio::time::timeout(grace, &mut http).await {
            Ok(ended) => ended,
            Err(_) => {
                tracing::debug!("connection past its maximum age closed after the grace period");
                Ok(())
            }
        }
    };
    Driver::new(peer, serving, &spawner).watched()
}

/// Completes when a connection of `max_age` is due to end; never without.
async fn aged(max_age: Option<Duration>) {
    match max_age {
        Some(age) => tokio::time::sleep(age).await,
        None => std::future::pending().await,
    }
}

/// hyper's HTTP/2 server with `settings`, HTTP/1 refused, no `date`
/// header; hyper's defaults otherwise (its limits on reset floods).
fn builder(settings: &Settings, spawner: Spawner) -> http2::Builder<Spawner> {
    let mut builder = http2::Builder::new(spawner);
    builder
        .timer(TokioTimer::new())
        // gRPC has no use for a `date` header; leaving it out saves every
        // response formatting and HPACK-encoding one.
        .auto_date_header(false)
        .keep_alive_interval(settings.keepalive)
        .keep_alive_timeout(settings.keepalive_timeout)
        .max_concurrent_streams(settings.max_concurrent_streams);
    settings.http2.apply_to_server(&mut builder);
    builder
}
