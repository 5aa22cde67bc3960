//! A server whose addresses are bound: announce them, then serve.

use std::future::Future;
use std::io::Write;
use std::time::Duration;

use tonic::service::Routes;

use super::Settings;
use super::accept;
use super::drain::Drain;
use super::stop::StopSignal;
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
    /// Each connection is served in a task of its own, and its calls run
    /// in that task too (see [`Server`](super::Server) on blocking work in
    /// handlers).
    ///
    /// # Errors
    ///
    /// None so far: a failed accept (too many open files, say) is logged
    /// and retried, and a failed connection ends alone. The `Result` leaves
    /// room for failures that stop the whole server.
    pub async fn serve_with_shutdown<F>(self, signal: F) -> Result<(), Error>
    where
        F: Future<Output = ()> + Send,
    {
        let Bound {
            listeners,
            routes,
            settings,
        } = self;
        let routes = routes.prepare();
        let drain = Drain::default();
        let stop = tokio::sync::watch::Sender::new(false);
        let mut servers = tokio::task::JoinSet::new();
        for listener in listeners {
            let address = listener.local_address().clone();
            tracing::info!(address = %listener.announced(), "serving");
            let serving = accept::serve(
                listener,
                routes.clone(),
                settings.clone(),
                drain.clone(),
                stop.subscribe(),
            );
            servers.spawn(async move {
                serving.await;
                address
            });
        }

        signal.await;
        tracing::info!("open calls have {:?} to finish", settings.grace);
        stop.send_replace(true);
        if settings.drain {
            drain.start();
        }
        finish(servers, settings.grace).await;
        Ok(())
    }
}

/// Waits for every address to finish draining, up to `grace`, then closes
/// what is left.
async fn finish(mut servers: tokio::task::JoinSet<Address>, grace: Duration) {
    let drained = tokio::time::timeout(grace, async {
        while let Some(joined) = servers.join_next().await {
            match joined {
                Ok(address) => tracing::debug!(%address, "stopped"),
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
}
