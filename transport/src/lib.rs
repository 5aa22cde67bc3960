//! gRPC between processes on one machine, over local pipes.
//!
//! `piperpc` carries tonic's HTTP/2 over Windows named pipes
//! (message mode) and Unix domain sockets, with plain TCP as the way out when
//! a deployment spans machines. It is everything an application needs to
//! serve or call gRPC locally, and nothing else: no generated code, no demo.
//!
//! # Layout
//!
//! - [`server`]: [`Server`], serving tonic services with piperpc's
//!   defaults on: same-user callers only, HTTP/2 for local links, deadlines
//!   over whole streams, `RESOURCE_EXHAUSTED`, keepalive, a graceful drain,
//!   several addresses, a ready line, each connection and its calls in one
//!   task. What an application serves through.
//! - `executor` (internal): the one-task-per-connection executor both ends
//!   give hyper, so a call does not hop threads, and the client's
//!   gathering of a request's frames into one write.
//! - [`channel`]: gRPC channels ([`connect`], [`ChannelBuilder`],
//!   [`Channel`]): `UNAVAILABLE` when the connection is lost, deadlines over
//!   whole streams, a hung server failing the connect (its HTTP/2 handshake
//!   counts) and open calls (keepalive) instead of hanging them, and a
//!   server of another user refused before anything is sent.
//! - [`address`]: the one parser for every written address form
//!   ([`Address`]; anything that names one is [`IntoAddress`]).
//! - [`listener`]: bind an address, accept connections ([`Listener`],
//!   [`Incoming`] for tonic's `serve_with_incoming`). On local connections
//!   it also makes the socket path or pipe name that stock gRPC clients send
//!   as `:authority` acceptable to h2, so they work with default settings.
//! - [`connector`]: open a stream to an address ([`Connector`], a
//!   `tower::Service<Uri>` for tonic's own `Endpoint`), checking whom it
//!   reached ([`ServerIdentity`]).
//! - [`ConnectInfo`]: who is on the other end (pid; uid/gid on Unix; SID,
//!   session, [`IntegrityLevel`] and elevation on Windows; a verified
//!   certificate over TLS), in every request's extensions.
//! - [`peer_policy`]: who may call ([`PeerPolicy`]), enforced by the
//!   listener (or a tower layer) before any service sees a request.
//! - [`deadline`], [`message_limit`]: the server's tower layers, for those
//!   who build their own tonic server.
//! - [`http2`]: the HTTP/2 settings both ends use on a local link.
//! - `systemd` (Unix): serving the sockets a service manager binds and
//!   hands over (socket activation, `InheritedSocket`), and telling it
//!   when the server is ready and stopping (`sd_notify`).
//! - `tls` (feature `tls`): TLS and mutual TLS for TCP addresses
//!   (`ServerTls`, `ClientTls`); the caller's verified certificate is in
//!   [`ConnectInfo::peer_certificate`] and [`PeerPolicy::allow_san`] admits
//!   by it. Off by default: the crate stays lean, and local pipes need no
//!   TLS.
//! - [`Error`]: the crate's one error type; [`Error::kind`] gives an
//!   [`ErrorKind`] to match on.
//! - [`migration`]: moving a tonic server and its clients over.
//!
//! Platform code lives in `unix.rs` / `windows.rs` files behind `cfg`, under
//! one shared API.
//!
//! # Serving
//!
//! ```no_run
//! use piperpc::server::{Server, StopSignal};
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let (_reporter, health) = tonic_health::server::health_reporter();
//! // `\\.\pipe\my-app` on Windows; a 0600 socket in a private 0700
//! // directory on Unix. Only this user may call. Until Ctrl-C or SIGTERM
//! // (the library installs no handler of its own).
//! Server::builder()
//!     .add_service(health)
//!     .serve_with_shutdown("my-app", StopSignal::install()?.stopped())
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! A handler learns who called:
//!
//! ```
//! use piperpc::ConnectInfo;
//!
//! fn caller_pid<T>(request: &tonic::Request<T>) -> Option<u32> {
//!     request.extensions().get::<ConnectInfo>()?.peer_pid
//! }
//! ```
//!
//! # Moving from tonic
//!
//! [`Server`] keeps tonic's method names and meanings, so a tonic server
//! moves over by changing `tonic::transport::Server` to `piperpc::Server`
//! and its `SocketAddr` to an address; generated clients take a
//! [`Channel`] from [`connect`]. What differs is the defaults (same-user
//! callers only, deadlines over whole streams, keepalive, a bounded
//! drain, ...). [`migration`] shows one service served by tonic over a
//! Unix socket and TCP and by piperpc, side by side, lists every
//! difference, and says what a server that keeps tonic's own `Server`
//! (serving a piperpc [`Listener`]) keeps and what it gives up.
//!
//! # Calling
//!
//! Before sending a byte, a client checks that a local server runs as its
//! own user or as the OS (root; SYSTEM, LocalService, NetworkService), and
//! on Unix that the directory of bare names is its own: a name squatted by
//! another user is refused ([`ServerIdentity`] changes the rule).
//!
//! ```no_run
//! use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
//!
//! # async fn call() -> Result<(), Box<dyn std::error::Error>> {
//! let channel = piperpc::connect("my-app").await?;
//! let mut health = HealthClient::new(channel);
//! let reply = health.check(HealthCheckRequest::default()).await?;
//! println!("{:?}", reply.into_inner().status());
//! # Ok(())
//! # }
//! ```
//!
//! # Other crates' types in this API
//!
//! piperpc plugs into tonic's stack, so some of its signatures name types
//! and traits of the crates below. Their major versions are part of
//! piperpc's contract: moving to a new one (tonic 0.15, hyper 2) is a
//! breaking release of piperpc.
//!
//! - `tonic` 0.14: `Status`, `body::Body`, `server::NamedService`,
//!   `transport::server::Connected`, and (feature `tonic-routes`)
//!   `service::Routes`.
//! - `http` 1, `http-body` 1 and `bytes` 1: the requests, responses and
//!   bodies of the tower services and layers ([`Channel`], [`deadline`],
//!   [`message_limit`], [`PeerPolicyLayer`]).
//! - `tower` 0.5 (`tower-service`, `tower-layer`): `Service` and `Layer`,
//!   and `layer::util::Stack` for [`Server::layer`].
//! - `tokio` 1: `AsyncRead` and `AsyncWrite` on connections and streams.
//! - `hyper` 1: `rt::Read` and `rt::Write` on [`ClientStream`], which
//!   tonic's `Endpoint::connect_with_connector` asks for.
//! - `futures-core` 0.3: `Stream`, for [`Incoming`].
//! - `rustls` 0.23 (feature `tls`): the source of an [`Error::Tls`],
//!   reached through [`std::error::Error::source`] (no signature names it).
//!
//! No other crate's types are: `hyper-util`, `h2` and the rest are how
//! piperpc is built, and may change in any release.

// docs.rs (`--cfg docsrs`, Cargo.toml): each item behind a feature or a
// platform says so ("Available on crate feature `tls` only").
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod address;
pub mod channel;
mod connect_info;
pub mod connector;
pub mod deadline;
mod error;
mod executor;
pub mod http2;
mod identity;
mod io;
pub mod listener;
pub mod message_limit;
pub mod migration;
pub mod peer_policy;
pub mod server;
#[cfg(unix)]
pub mod systemd;
#[cfg(feature = "tls")]
pub mod tls;

/// The `:authority` rewriter's hook for the fuzz target in `fuzz/`: only in
/// builds with `--cfg fuzzing` (`cargo fuzz`), never part of the API.
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::listener::fuzzing::*;
}

pub use address::{Address, IntoAddress};
pub use channel::{Channel, ChannelBuilder, connect};
pub use connect_info::{ConnectInfo, IntegrityLevel, PeerCertificate, SubjectAltName};
pub use connector::{ClientStream, Connector, ServerIdentity};
pub use error::{Error, ErrorKind};
#[cfg(unix)]
pub use listener::InheritedSocket;
pub use listener::{
    Connection, DEFAULT_PENDING_INSTANCES, Incoming, Listener, ListenerOptions, OpenConnections,
    PipeSecurity,
};
pub use peer_policy::{PeerPolicy, PeerPolicyLayer};
pub use server::Server;

// The README's Rust examples (the crate's own, which crates.io shows)
// compile as doc tests, so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
