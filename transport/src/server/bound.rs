//! A server whose addresses are bound: announce them, then serve.

use std::future::Future;
use std::io::Write;
use std::time::Duration;

use tonic::service::Routes;
use tower::layer::util::{Identity, Stack};

use super::Settings;
use super::drain::{Drain, DrainLayer};
use super::stop::StopSignal;
use crate::deadline::SwitchableDeadlineLayer;
use crate::message_limit::SwitchableResourceExhaustedLayer;
use crate::{Address, Error, Listener, OpenConnections};

/// A [`Server`](super::Server) whose addresses are all bound: clients that
/// connect now wait in the backlog until it serves.
#[derive(Debug)]
pub struct Bound {
    listeners: Vec<Listener>,
    routes: Routes,
    settings: Settings,
}

impl Bound {
    pub(super) fn new(listeners: Vec<Listener>, routes: Routes, settings: Settings) -> Bound {
        Bound {
            listeners,
            routes,
            settings,
        }
    }

    /// The addresses bound, in the order given (a TCP port 0 resolved).
    pub fn local_addresses(&self) -> Vec<Address> {
        self.listeners
            .iter()
            .map(|listener| listener.local_address().clone())
            .collect()
    }

    /// Live counts of each address's open connections, in the same order.
    pub fn open_connections(&self) -> Vec<OpenConnections> {
        self.listeners
            .iter()
            .map(Listener::open_connections)
            .collect()
    }

    /// Prints the ready line `listening on ADDRESS` for each address to
    /// standard output, and flushes it: what a supervisor or a test harness
    /// (such as pipecurl's) waits for before it connects. A TCP address
    /// that serves TLS is written `https://HOST:PORT`.
    ///
    /// # Errors
    ///
    /// Standard output could not be written.
    pub fn announce(&self) -> std::io::Result<()> {
        let mut stdout = std::io::stdout().lock();
        for listener in &self.listeners {
            writeln!(stdout, "listening on {}", listener.announced())?;
        }
        stdout.flush()
    }

    /// Installs the stop handlers ([`StopSignal`]), announces the
    /// addresses, and serves until Ctrl-C or SIGTERM; then drains.
    ///
    /// # Errors
    ///
    /// A stop handler could not be installed, the ready line could not be
    /// written, or serving failed (see [`Bound::serve_with_shutdown`]).
    pub async fn serve(self) -> Result<(), Error> {
        let mut stop = StopSignal::install().map_err(|source| Error::Serve {
            what: "install the stop handlers".to_string(),
            source,
        })?;
        self.announce().map_err(|source| Error::Serve {
            what: "announce the addresses on standard output".to_string(),
            source,
        })?;
        self.serve_with_shutdown(async move {
            let why = stop.wait().await;
            tracing::info!("{why}: stopping");
        })
        .await
    }

    /// Serves every address until `signal` completes, then stops: accepting
    /// ends at once (a socket file is removed), idle streams end with
    /// `UNAVAILABLE`, and calls still running get the grace period before
    /// their connections are closed. Nothing is announced: call
    /// [`Bound::announce`] first if a supervisor waits for it.
    ///
    /// # Errors
    ///
    /// [`Error::Serve`] when a server failed; every address is still
    /// drained and closed first.
    pub async fn serve_with_shutdown<F>(self, signal: F) -> Result<(), Error>
    where
        F: Future<Output = ()> + Send,
    {
        let Bound {
            listeners,
            routes,
            settings,
        } = self;
        let drain = Drain::default();
        let stop = tokio::sync::watch::Sender::new(false);
        let mut servers = tokio::task::JoinSet::new();
        for listener in listeners {
            let address = listener.local_address().clone();
            tracing::info!(address = %listener.announced(), "serving");
            let mut stopped = stop.subscribe();
            let server = build(&settings, drain.clone())
                .add_routes(routes.clone())
                .serve_with_incoming_shutdown(listener.into_incoming(), async move {
                    let _ = stopped.wait_for(|&stop| stop).await;
                });
            servers.spawn(async move { (address, server.await) });
        }

        signal.await;
        tracing::info!("open calls have {:?} to finish", settings.grace);
        stop.send_replace(true);
        if settings.drain {
            drain.start();
        }
        finish(servers, settings.grace).await
    }
}

/// The layers every piperpc server applies, innermost first.
type Layers = Stack<
    DrainLayer,
    Stack<SwitchableDeadlineLayer, Stack<SwitchableResourceExhaustedLayer, Identity>>,
>;

/// A tonic server with the settings' layers and HTTP/2 tuning.
fn build(settings: &Settings, drain: Drain) -> tonic::transport::Server<Layers> {
    let mut server = tonic::transport::Server::builder();
    if settings.local_http2 {
        server = crate::http2::tune_server(server);
    }
    server
        .http2_keepalive_interval(settings.keepalive)
        .http2_keepalive_timeout(Some(settings.keepalive_timeout))
        .layer(SwitchableResourceExhaustedLayer(
            settings.resource_exhausted,
        ))
        .layer(SwitchableDeadlineLayer(settings.deadlines))
        .layer(DrainLayer {
            drain: settings.drain.then_some(drain),
        })
}

/// Waits for every server to finish draining, up to `grace`, then closes
/// what is left. The first failure is returned once all have ended.
async fn finish(
    mut servers: tokio::task::JoinSet<(Address, Result<(), tonic::transport::Error>)>,
    grace: Duration,
) -> Result<(), Error> {
    let mut failure = None;
    let drained = tokio::time::timeout(grace, async {
        while let Some(joined) = servers.join_next().await {
            match joined {
                Ok((address, Err(error))) => {
                    tracing::error!(%address, %error, "server failed");
                    failure.get_or_insert(Error::Serve {
                        what: format!("serve {address}"),
                        source: std::io::Error::other(error),
                    });
                }
                Ok((address, Ok(()))) => tracing::debug!(%address, "stopped"),
                Err(error) => tracing::error!(%error, "server task failed"),
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!("grace period over; closing the remaining connections");
        servers.shutdown().await;
    }
    tracing::info!("stopped");
    failure.map_or(Ok(()), Err)
}
