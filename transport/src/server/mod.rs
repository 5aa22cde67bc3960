//! Serving tonic services on local addresses, with everything on.
//!
//! [`Server`] serves tonic services (generated servers, health,
//! reflection) with piperpc's defaults: every guarantee below is on unless
//! switched off, so an application gets them by serving through it rather
//! than by copying a serve loop. It speaks tonic's `transport::Server`
//! vocabulary (`layer`, `add_service`, `add_routes`, `serve_with_shutdown`,
//! `serve_with_incoming`, `timeout`, `concurrency_limit_per_connection`,
//! the HTTP/2 settings, ...) with tonic's meanings, so a tonic application
//! moves over by changing an import and an address; where a default of
//! tonic's is wrong for a local link, the method says so.
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
//! | HTTP/2 frames and windows sized for a local link | [`Server::http2_settings`] and the HTTP/2 setters |
//! | deadlines cover whole streams: `DEADLINE_EXCEEDED` at the caller's `grpc-timeout` ([`crate::deadline`]) | [`Server::enforce_deadlines`], [`Server::timeout`] |
//! | oversized messages are `RESOURCE_EXHAUSTED`, as gRPC specifies ([`crate::message_limit`]) | [`Server::resource_exhausted`] |
//! | HTTP/2 pings every 30 s, a peer silent for 10 s more is dropped | [`Server::keepalive`], [`Server::keepalive_timeout`] |
//! | at a stop: accepting ends (the socket file goes), idle streams end `UNAVAILABLE`, other calls get 5 s | [`Server::drain_streams`], [`Server::grace_period`] |
//! | a connection's calls run in its task: no thread hops per call; a call that holds its thread 100 ms is logged (CPU-heavy work belongs in `spawn_blocking`) | [`Server::spawn_calls`] |
//! | at most 200 calls at once per connection (a client queues the rest) | [`Server::max_concurrent_streams`] |
//! | calls queue for a connection's concurrency limit, when one is set | [`Server::concurrency_limit_per_connection`], [`Server::load_shed`] |
//! | several addresses at once, all bound before anything is announced | [`Server::bind`] |
//! | sockets a service manager binds and hands over (Unix), under the same policy | `Server::bind_inherited`, `crate::systemd` |
//! | no signal handlers, nothing on standard output | [`StopSignal`], [`Bound::announce`] |
//!
//! `piperpc serve` is built on it.
//!
//! # Compression
//!
//! Compression is tonic's, set per service, and works unchanged on every
//! transport: turn on tonic's `gzip` (or `zstd`, `deflate`) feature in the
//! application's own manifest and ask for it on the generated server and
//! client; piperpc needs no feature for it. A server answers a request in an
//! encoding it does not accept with `UNIMPLEMENTED`, and compresses a
//! response only when the client accepts that encoding.
//!
//! ```no_run
//! use piperpc::server::{Server, StopSignal};
//! use tonic::codec::CompressionEncoding::Gzip;
//! use tonic_health::pb::health_client::HealthClient;
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let (_reporter, health) = tonic_health::server::health_reporter();
//! Server::builder()
//!     .add_service(health.accept_compressed(Gzip).send_compressed(Gzip))
//!     .serve_with_shutdown("my-app", StopSignal::install()?.stopped())
//!     .await?;
//! # Ok(())
//! # }
//! # async fn call() -> Result<(), Box<dyn std::error::Error>> {
//! // The client's side:
//! let client = HealthClient::new(piperpc::connect("my-app").await?)
//!     .send_compressed(Gzip)
//!     .accept_compressed(Gzip);
//! # Ok(())
//! # }
//! ```
//!
//! A compressed message counts at its decompressed size against the
//! decoding limit (4 MiB unless the generated server's
//! `max_decoding_message_size` says otherwise): tonic inflates into a
//! buffer of that size and ends the call with `RESOURCE_EXHAUSTED` when it
//! overflows, so a small compressed bomb costs the server the limit at
//! most, not what it would inflate to.

mod accept;
mod bound;
mod call;
mod connection;
mod drain;
#[cfg(unix)]
mod inherited;
mod options;
mod recover;
mod routes;
mod stack;
mod stop;
#[cfg(test)]
mod task_size;

pub use bound::Bound;
pub use routes::{Routes, RoutesFuture};
pub use stack::ServerLayer;
pub use stop::StopSignal;

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use futures_core::Stream;
use http::{Request, Response};
use tokio::io::{AsyncRead, AsyncWrite};
use tonic::body::Body;
use tonic::server::NamedService;
use tonic::transport::server::Connected;
use tower::layer::util::{Identity, Stack};
use tower::{BoxError, Service};

use crate::address::IntoAddress;
use crate::http2::Http2Settings;
use crate::{Error, ListenerOptions};
use options::ListenerOverrides;

/// How long calls may run on after a stop, by default.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(5);

/// How many calls one connection may have open at once, by default.
pub const DEFAULT_MAX_CONCURRENT_STREAMS: u32 = 200;

/// A gRPC server for local addresses, secure by default.
///
/// `L` is the stack of the application's own [layers](Server::layer)
/// around its services, as in tonic's `Server<L>`.
///
/// # Examples
///
/// ```no_run
/// use piperpc::server::{Server, StopSignal};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let (_reporter, health) = tonic_health::server::health_reporter();
/// // Serves `\\.\pipe\my-app` or a 0600 socket in a 0700 directory, to
/// // this user only, until Ctrl-C or SIGTERM.
/// Server::builder()
///     .add_service(health)
///     .serve_with_shutdown("my-app", StopSignal::install()?.stopped())
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Server<L = Identity> {
    routes: Routes,
    layer: L,
    listener: ListenerOptions,
    overrides: ListenerOverrides,
    settings: Settings,
}

/// What a bound server needs to know of its [`Server`].
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) keepalive: Option<Duration>,
    pub(crate) keepalive_timeout: Duration,
    pub(crate) grace: Duration,
    pub(crate) deadlines: bool,
    pub(crate) timeout: Option<Duration>,
    pub(crate) resource_exhausted: bool,
    pub(crate) drain: bool,
    pub(crate) http2: Http2Settings,
    pub(crate) max_concurrent_streams: Option<u32>,
    pub(crate) concurrency_limit: Option<usize>,
    pub(crate) load_shed: bool,
    pub(crate) max_connection_age: Option<Duration>,
    pub(crate) spawn_calls: bool,
}

impl Server {
    /// A server with no services yet and every default on.
    pub fn builder() -> Server {
        Server {
            routes: Routes::default(),
            layer: Identity::new(),
            listener: ListenerOptions::new(),
            overrides: ListenerOverrides::default(),
            settings: Settings {
                keepalive: Some(crate::http2::KEEPALIVE_INTERVAL),
                keepalive_timeout: crate::http2::KEEPALIVE_TIMEOUT,
                grace: DEFAULT_GRACE_PERIOD,
                deadlines: true,
                timeout: None,
                resource_exhausted: true,
                drain: true,
                http2: Http2Settings::local(),
                max_concurrent_streams: Some(DEFAULT_MAX_CONCURRENT_STREAMS),
                concurrency_limit: None,
                load_shed: false,
                max_connection_age: None,
                spawn_calls: false,
            },
        }
    }
}

impl<L> Server<L> {
    /// Adds a service, as tonic's `Server::add_service` does: a generated
    /// `FooServer::new(...)`, health, reflection.
    pub fn add_service<S>(mut self, service: S) -> Server<L>
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.routes.add(S::NAME, service);
        self
    }

    /// Adds `service` if there is one, as tonic's `add_optional_service`:
    /// a service an application serves only when configured to.
    pub fn add_optional_service<S>(self, service: Option<S>) -> Server<L>
    where
        S: Service<Request<Body>, Response = Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        match service {
            Some(service) => self.add_service(service),
            None => self,
        }
    }

    /// Adds the services of `routes` (tonic's `Routes`, as built with
    /// `Routes::builder()` by code shared with a tonic server). A service
    /// added with [`add_service`](Server::add_service) keeps its name, as
    /// do routes added before; these routes serve every other.
    ///
    /// Needs the `tonic-routes` feature, which brings in tonic's router
    /// (axum); `add_service` needs neither.
    #[cfg(feature = "tonic-routes")]
    pub fn add_routes(mut self, routes: tonic::service::Routes) -> Server<L> {
        self.routes.add_routes(routes);
        self
    }

    /// Wraps every service in `layer`, as tonic's `Server::layer`: any
    /// `tower::Layer`, such as `tower_http::trace::TraceLayer::new_for_grpc()`,
    /// `tonic::service::InterceptorLayer`, `tower::limit::ConcurrencyLimitLayer`
    /// or `tower::timeout::TimeoutLayer`. Calls stack: the first layer
    /// added is the outermost.
    ///
    /// The application's layers run inside piperpc's own (see the table
    /// in the module docs): a request reaches them with its
    /// [`ConnectInfo`](crate::ConnectInfo) in its extensions, after the
    /// peer policy admitted its connection. An error a layer returns
    /// reaches the caller as a gRPC status: a `tonic::Status` as itself,
    /// `tower::timeout`'s `Elapsed` as `DEADLINE_EXCEEDED` (tonic would
    /// reset the stream), `tower::load_shed`'s `Overloaded` as
    /// `RESOURCE_EXHAUSTED`, anything else as `UNKNOWN` with its text.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use piperpc::server::{Server, StopSignal};
    /// use tonic::service::InterceptorLayer;
    ///
    /// fn check_token(request: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
    ///     match request.metadata().get("authorization") {
    ///         Some(token) if token == "Bearer secret" => Ok(request),
    ///         _ => Err(tonic::Status::unauthenticated("no valid token")),
    ///     }
    /// }
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let (_reporter, health) = tonic_health::server::health_reporter();
    /// Server::builder()
    ///     .layer(tower::timeout::TimeoutLayer::new(Duration::from_secs(30)))
    ///     .layer(InterceptorLayer::new(check_token))
    ///     .add_service(health)
    ///     .serve_with_shutdown("my-app", StopSignal::install()?.stopped())
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn layer<NewLayer>(self, layer: NewLayer) -> Server<Stack<NewLayer, L>> {
        Server {
            routes: self.routes,
            layer: Stack::new(layer, self.layer),
            listener: self.listener,
            overrides: self.overrides,
            settings: self.settings,
        }
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
    /// use piperpc::server::{Server, StopSignal};
    ///
    /// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let (_reporter, health) = tonic_health::server::health_reporter();
    /// let stop = StopSignal::install()?;
    /// let bound = Server::builder()
    ///     .add_service(health)
    ///     .bind(["my-app", "unix-abstract:my-app"])?;
    /// bound.announce()?; // `listening on ...`, once per address
    /// bound.serve_with_shutdown(stop.stopped()).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn bind<A, ResBody>(self, addresses: impl IntoIterator<Item = A>) -> Result<Bound, Error>
    where
        A: IntoAddress,
        L: ServerLayer<ResBody>,
    {
        let options = self.listener_options_in_force();
        let listeners = addresses
            .into_iter()
            .map(|address| options.bind(address))
            .collect::<Result<Vec<_>, Error>>()?;
        let application = self.layer.application(self.routes);
        Ok(Bound::new(listeners, application, self.settings))
    }

    /// Binds `address` and serves it until the process ends, as tonic's
    /// `serve`: `bind([address])?.serve()`. Installs no signal handler and
    /// announces nothing (see [`Server::serve_with_shutdown`] and
    /// [`Bound::announce`]).
    ///
    /// # Errors
    ///
    /// As [`Server::bind`] and [`Bound::serve`].
    pub async fn serve<ResBody>(self, address: impl IntoAddress) -> Result<(), Error>
    where
        L: ServerLayer<ResBody>,
    {
        self.bind([address])?.serve().await
    }

    /// Binds `address` and serves it until `signal` completes, then stops
    /// gracefully, as tonic's `serve_with_shutdown`:
    /// `bind([address])?.serve_with_shutdown(signal)`.
    ///
    /// # Errors
    ///
    /// As [`Server::bind`] and [`Bound::serve_with_shutdown`].
    pub async fn serve_with_shutdown<F, ResBody>(
        self,
        address: impl IntoAddress,
        signal: F,
    ) -> Result<(), Error>
    where
        F: Future<Output = ()> + Send,
        L: ServerLayer<ResBody>,
    {
        self.bind([address])?.serve_with_shutdown(signal).await
    }

    /// Serves the connections `incoming` yields until it ends, as tonic's
    /// `serve_with_incoming`: a listener the application bound itself,
    /// piperpc's own [`Incoming`](crate::Incoming) from a
    /// [`Listener`](crate::Listener), sockets a service manager handed
    /// over, or in-memory duplex streams in a test.
    ///
    /// Everything of the server applies to them but what a listener does
    /// before a connection is served: the peer policy, the socket's
    /// permissions, the `:authority` fix for stock clients and the
    /// handshake timeout come with piperpc's `Incoming`, not with any
    /// stream. Each request carries the stream's `Connected::ConnectInfo`
    /// in its extensions; for piperpc's connections, its
    /// [`ConnectInfo`](crate::ConnectInfo) and tonic's type for the
    /// transport.
    ///
    /// # Errors
    ///
    /// The first error `incoming` yields ([`Error::Serve`]), after the
    /// connections already taken are served to their end.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use piperpc::{Listener, Server};
    ///
    /// # async fn run() -> Result<(), piperpc::Error> {
    /// let (_reporter, health) = tonic_health::server::health_reporter();
    /// let listener = Listener::bind("my-app")?;
    /// Server::builder()
    ///     .add_service(health)
    ///     .serve_with_incoming(listener.into_incoming())
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn serve_with_incoming<I, IO, IE, ResBody>(self, incoming: I) -> Result<(), Error>
    where
        I: Stream<Item = Result<IO, IE>> + Send,
        IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
        IO::ConnectInfo: Clone + Send + Sync + 'static,
        IE: Into<BoxError>,
        L: ServerLayer<ResBody>,
    {
        self.serve_with_incoming_shutdown(incoming, std::future::pending())
            .await
    }

    /// [`Server::serve_with_incoming`] until `signal` completes, then a
    /// graceful stop as in [`Bound::serve_with_shutdown`], as tonic's
    /// `serve_with_incoming_shutdown`.
    ///
    /// # Errors
    ///
    /// As [`Server::serve_with_incoming`].
    pub async fn serve_with_incoming_shutdown<I, IO, IE, F, ResBody>(
        self,
        incoming: I,
        signal: F,
    ) -> Result<(), Error>
    where
        I: Stream<Item = Result<IO, IE>> + Send,
        IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
        IO::ConnectInfo: Clone + Send + Sync + 'static,
        IE: Into<BoxError>,
        F: Future<Output = ()> + Send,
        L: ServerLayer<ResBody>,
    {
        let application = self.layer.application(self.routes);
        let settings = self.settings;
        let drain = drain::Drain::default();
        let stop = tokio::sync::watch::Sender::new(false);
        let serving = accept::serve(
            incoming,
            application,
            settings.clone(),
            drain.clone(),
            stop.subscribe(),
        );
        bound::until_stopped(serving, signal, &stop, &drain, &settings)
            .await
            .map_err(|source| bound::serve_error("serve the incoming connections", source))
    }
}
