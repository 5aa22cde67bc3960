//! Serving tonic services on local addresses, with everything on.
//!
//! [`Server`] serves tonic services (generated servers, health,
//! reflection) with piperpc's defaults: every guarantee below is on unless
//! switched off, so an application gets them by serving through it rather
//! than by copying a serve loop.
//!
//! It has a serve loop of its own on hyper rather than tonic's, for one
//! reason: speed. Each connection is served by one task, its calls
//! included, so a call crosses no threads inside the server (see
//! `executor.rs`); tonic's server spawns a task per call.
//!
//! | default | switch |
//! |---|---|
//! | only peers running as this user (Unix uid, Windows SID); TCP peers refused | [`Server::peer_policy`] |
//! | TCP is plaintext; TLS, mutual TLS with a client CA (feature `tls`) | `Server::tls` |
//! | HTTP/2 frames and windows sized for a local link | [`Server::local_http2_settings`] |
//! | deadlines cover whole streams: `DEADLINE_EXCEEDED` at the caller's `grpc-timeout` ([`crate::deadline`]) | [`Server::enforce_deadlines`] |
//! | oversized messages are `RESOURCE_EXHAUSTED`, as gRPC specifies ([`crate::message_limit`]) | [`Server::resource_exhausted`] |
//! | HTTP/2 pings every 30 s, a peer silent for 10 s more is dropped | [`Server::keepalive`], [`Server::keepalive_timeout`] |
//! | at a stop: accepting ends (the socket file goes), idle streams end `UNAVAILABLE`, other calls get 5 s | [`Server::drain_streams`], [`Server::grace_period`] |
//! | a connection's calls run in its task: no thread hops per call | [`Server::spawn_calls`] |
//! | at most 200 calls at once per connection (hyper's default; a client queues the rest) | - |
//! | several addresses at once, all bound before anything is announced | [`Server::bind`] |
//! | a ready line per address, `listening on ADDRESS`, once bound | [`Bound::announce`] |
//!
//! `piperpc serve` is built on it.

mod accept;
mod bound;
mod connection;
mod drain;
mod stop;

pub use bound::Bound;
pub use stop::StopSignal;

use std::convert::Infallible;
use std::time::Duration;

use tonic::body::Body;
use tonic::server::NamedService;
use tonic::service::Routes;

use crate::address::IntoAddress;
use crate::http2::{KEEPALIVE_INTERVAL, KEEPALIVE_TIMEOUT};
use crate::{Error, ListenerOptions, PeerPolicy};

/// How long calls may run on after a stop, by default.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(5);

/// A gRPC server for local addresses, secure by default.
///
/// # Examples
///
/// ```no_run
/// use piperpc::server::Server;
///
/// # async fn run() -> Result<(), piperpc::Error> {
/// let (_reporter, health) = tonic_health::server::health_reporter();
/// // Serves `\\.\pipe\my-app` or a 0600 socket in a 0700 directory, to
/// // this user only, until Ctrl-C or SIGTERM.
/// Server::builder().add_service(health).serve("my-app").await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Server {
    routes: Routes,
    listener: ListenerOptions,
    settings: Settings,
}

/// What a bound server needs to know of its [`Server`].
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) keepalive: Option<Duration>,
    pub(crate) keepalive_timeout: Duration,
    pub(crate) grace: Duration,
    pub(crate) deadlines: bool,
    pub(crate) resource_exhausted: bool,
    pub(crate) drain: bool,
    pub(crate) local_http2: bool,
    pub(crate) spawn_calls: bool,
}

impl Server {
    /// A server with no services yet and every default on.
    pub fn builder() -> Server {
        Server {
            routes: Routes::default(),
            listener: ListenerOptions::new(),
            settings: Settings {
                keepalive: Some(KEEPALIVE_INTERVAL),
                keepalive_timeout: KEEPALIVE_TIMEOUT,
                grace: DEFAULT_GRACE_PERIOD,
                deadlines: true,
                resource_exhausted: true,
                drain: true,
                local_http2: true,
                spawn_calls: false,
            },
        }
    }

    /// Adds a service, as tonic's `Server::add_service` does: a generated
    /// `FooServer::new(...)`, health, reflection.
    pub fn add_service<S>(mut self, service: S) -> Server
    where
        S: tower::Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.routes = self.routes.add_service(service);
        self
    }

    /// Who may call (default [`PeerPolicy::same_user`]). A refused peer's
    /// calls are answered `PERMISSION_DENIED` by the listener and never
    /// reach a service.
    pub fn peer_policy(mut self, policy: PeerPolicy) -> Server {
        self.listener = self.listener.peer_policy(policy);
        self
    }

    /// Serve TLS on TCP addresses (feature `tls`; local addresses are never
    /// TLS). With a client CA, callers are identified by their certificates
    /// and admitted by SAN ([`PeerPolicy::allow_san`]); without one they
    /// are anonymous, and only [`PeerPolicy::any`] admits them.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::tls::ServerTls) -> Server {
        self.listener = self.listener.tls(tls);
        self
    }

    /// How every address is bound: socket mode, pipe security, connection
    /// limit, handshake timeout. Options without a peer policy get the
    /// default one, [`PeerPolicy::same_user`].
    pub fn listener_options(mut self, options: ListenerOptions) -> Server {
        self.listener = options;
        self
    }

    /// HTTP/2 pings to each client every `interval` (default
    /// [`KEEPALIVE_INTERVAL`]; `None`: no pings). A client that does not
    /// answer within the [keepalive timeout](Server::keepalive_timeout) is
    /// gone, or stalling the connection on purpose, and is disconnected.
    pub fn keepalive(mut self, interval: Option<Duration>) -> Server {
        self.settings.keepalive = interval;
        self
    }

    /// How long a client has to answer a ping (default
    /// [`KEEPALIVE_TIMEOUT`]).
    pub fn keepalive_timeout(mut self, timeout: Duration) -> Server {
        self.settings.keepalive_timeout = timeout;
        self
    }

    /// How long calls still running may go on after a stop (default
    /// [`DEFAULT_GRACE_PERIOD`]); then their connections are closed.
    pub fn grace_period(mut self, grace: Duration) -> Server {
        self.settings.grace = grace;
        self
    }

    /// End streams that outlive the caller's deadline with
    /// `DEADLINE_EXCEEDED` (default on; see [`crate::deadline`]).
    pub fn enforce_deadlines(mut self, on: bool) -> Server {
        self.settings.deadlines = on;
        self
    }

    /// Report oversized messages as `RESOURCE_EXHAUSTED` rather than
    /// tonic's `OUT_OF_RANGE` (default on; see [`crate::message_limit`]).
    pub fn resource_exhausted(mut self, on: bool) -> Server {
        self.settings.resource_exhausted = on;
        self
    }

    /// At a stop, end idle streams at once with `UNAVAILABLE` (default on).
    /// Off, they run on until the grace period ends.
    pub fn drain_streams(mut self, on: bool) -> Server {
        self.settings.drain = on;
        self
    }

    /// HTTP/2 frames and flow-control windows sized for a local link
    /// (default on; see [`crate::http2`]). Off, tonic's
    /// defaults apply.
    pub fn local_http2_settings(mut self, on: bool) -> Server {
        self.settings.local_http2 = on;
        self
    }

    /// Run every call in a task of its own (tonic's way), rather than in
    /// its connection's task (default off).
    ///
    /// By default a connection and all its calls are served by one task,
    /// so a call crosses no threads on its way through the server: the
    /// fastest way for the short calls of local IPC (see BENCHMARKS.md).
    /// But then the calls of one connection share one thread: a handler
    /// that blocks it (CPU-heavy work, blocking I/O without
    /// `tokio::task::spawn_blocking`) holds up the other calls on that
    /// connection, and many heavy calls multiplexed on one connection use
    /// one core. With this on, they run in parallel on any worker, at the
    /// cost of a task hand-off per call.
    ///
    /// It is no licence to block, though: a worker thread blocked inside a
    /// task can hold up the runtime's other work, other connections'
    /// I/O included (a first version of this crate's test of this option
    /// ran into it). Blocking work belongs in
    /// `tokio::task::spawn_blocking` either way.
    pub fn spawn_calls(mut self, on: bool) -> Server {
        self.settings.spawn_calls = on;
        self
    }

    /// Binds every address now, so a bad address or a name in use fails
    /// here, before anything is announced, and nothing is half served.
    /// Must be called inside a tokio runtime.
    ///
    /// # Errors
    ///
    /// The first address that cannot be parsed or bound, as
    /// [`Listener::bind`](crate::Listener::bind) reports it.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use piperpc::server::Server;
    ///
    /// # async fn run() -> Result<(), piperpc::Error> {
    /// let (_reporter, health) = tonic_health::server::health_reporter();
    /// let bound = Server::builder()
    ///     .add_service(health)
    ///     .bind(["my-app", "unix-abstract:my-app"])?;
    /// bound.serve().await?; // announces both, then serves until Ctrl-C
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind<A: IntoAddress>(
        self,
        addresses: impl IntoIterator<Item = A>,
    ) -> Result<Bound, Error> {
        let mut options = self.listener.clone();
        if options.peer_policy.is_none() {
            options = options.peer_policy(PeerPolicy::same_user());
        }
        let listeners = addresses
            .into_iter()
            .map(|address| options.bind(address))
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Bound::new(listeners, self.routes, self.settings))
    }

    /// Binds `address`, announces it, and serves until Ctrl-C or SIGTERM:
    /// `bind([address])?.serve()`.
    ///
    /// # Errors
    ///
    /// As [`Server::bind`] and [`Bound::serve`].
    pub async fn serve(self, address: impl IntoAddress) -> Result<(), Error> {
        self.bind([address])?.serve().await
    }
}
