//! A server whose addresses are bound: announce them, then serve.

use std::future::Future;
use std::io::Write;

use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::BoxError;

use super::Settings;
use super::accept;
use super::drain::Drain;
use super::stack::Application;
use crate::{Address, Error, Listener, OpenConnections};

/// A [`Server`](super::Server) whose addresses are all bound: clients that
/// connect now wait in the backlog until it serves.
///
/// Between [`Server::bind`](super::Server::bind) and serving is where an
/// application says it is ready: [`Bound::announce`] prints a ready line,
/// and a service manager can be told (`sd_notify`) there too.
#[derive(Debug)]
pub struct Bound {
    listeners: Vec<Listener>,
    application: Application,
    settings: Settings,
}

impl Bound {
    pub(super) fn new(
        listeners: Vec<Listener>,
        application: Application,
        settings: Settings,
    ) -> Bound {
        Bound {
            listeners,
            application,
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
    /// that serves TLS is written `https://HOST:PORT`. Nothing else in the
    /// crate writes to standard output.
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

    /// Serves every address until the process ends, as tonic's `serve`
    /// does. It installs no signal handler: to stop on Ctrl-C or SIGTERM,
    /// use [`Bound::serve_with_shutdown`] with a
    /// [`StopSignal`](super::StopSignal).
    ///
    /// # Errors
    ///
    /// As [`Bound::serve_with_shutdown`].
    pub async fn serve(self) -> Result<(), Error> {
        self.serve_with_shutdown(std::future::pending()).await
    }

    /// Serves every address until `signal` completes, then stops: accepting
    /// ends at once (a socket file is removed), idle streams end with
    /// `UNAVAILABLE`, and calls still running get the grace period before
    /// their connections are closed. Nothing is announced: call
    /// [`Bound::announce`] first if a supervisor waits for it.
    ///
    /// Each connection is served in a task of its own, and its calls run
    /// in that task too (see [`Server::spawn_calls`](super::Server::spawn_calls)).
    ///
    /// # Errors
    ///
    /// None so far: a failed accept (too many open files, say) is logged
    /// and retried, and a failed connection ends alone. The `Result` leaves
    /// room for failures that stop the whole server.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use piperpc::server::{Server, StopSignal};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let (_reporter, health) = tonic_health::server::health_reporter();
    /// let stop = StopSignal::install()?; // before the ready line
    /// let bound = Server::builder().add_service(health).bind(["my-app"])?;
    /// bound.announce()?;
    /// bound.serve_with_shutdown(stop.stopped()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn serve_with_shutdown<F>(self, signal: F) -> Result<(), Error>
    where
        F: Future<Output = ()> + Send,
    {
        let Bound {
            listeners,
            application,
            settings,
        } = self;
        let drain = Drain::default();
        let stop = watch::Sender::new(false);
        let mut servers = JoinSet::new();
        for listener in listeners {
            let address = listener.local_address().clone();
            tracing::info!(address = %listener.announced(), "serving");
            let serving = accept::serve(
                listener.into_incoming(),
                application.clone(),
                settings.clone(),
                drain.clone(),
                stop.subscribe(),
            );
            servers.spawn(async move {
                // A listener's stream never fails.
                let _ = serving.await;
                address
            });
        }
        let serving = async {
            while let Some(joined) = servers.join_next().await {
                match joined {
                    Ok(address) => tracing::debug!(%address, "stopped"),
                    Err(error) => tracing::error!(%error, "server task failed"),
                }
            }
            Ok(())
        };
        let finished = until_stopped(serving, signal, &stop, &drain, &settings).await;
        // Past the grace period: close what is left, and wait for it.
        servers.shutdown().await;
        tracing::info!("stopped");
        finished.map_err(|source| serve_error("serve", source))
    }
}

/// Runs `serving` until it ends by itself or `signal` completes; then
/// stops it: `stop` tells every accept loop and connection, the drain
/// starts, and `serving` gets the grace period to finish.
pub(super) async fn until_stopped<S, F>(
    serving: S,
    signal: F,
    stop: &watch::Sender<bool>,
    drain: &Drain,
    settings: &Settings,
) -> Result<(), BoxError>
where
    S: Future<Output = Result<(), BoxError>>,
    F: Future<Output = ()>,
{
    let mut serving = std::pin::pin!(serving);
    tokio::select! {
        ended = serving.as_mut() => return ended,
        () = signal => {}
    }
    tracing::info!("open calls have {:?} to finish", settings.grace);
    stop.send_replace(true);
    if settings.drain {
        drain.start();
    }
    match tokio::time::timeout(settings.grace, serving).await {
        Ok(ended) => ended,
        Err(_) => {
            tracing::warn!("grace period over; closing the remaining connections");
            Ok(())
        }
    }
}

/// A failure to serve, as the crate's [`Error`].
pub(super) fn serve_error(what: &str, source: BoxError) -> Error {
    Error::Serve {
        what: what.to_string(),
        source: std::io::Error::other(source),
    }
}
