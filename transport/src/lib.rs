//! gRPC between processes on one machine, over local pipes.
//!
//! `piperpc` carries tonic's HTTP/2 over Windows named pipes
//! (message mode) and Unix domain sockets, with plain TCP as the way out when
//! a deployment spans machines. It is everything an application needs to
//! serve or call gRPC locally, and nothing else: no generated code, no demo.
//!
//! # Layout
//!
//! - [`address`]: the one parser for every written address form.
//! - [`listener`]: bind an address, accept connections ([`Listener`],
//!   [`Incoming`] for tonic's `serve_with_incoming`). On local connections
//!   it also makes the socket path or pipe name that stock gRPC clients send
//!   as `:authority` acceptable to h2, so they work with default settings.
//! - [`connector`]: open a stream to an address ([`Connector`], a
//!   `tower::Service<Uri>`).
//! - [`channel`]: gRPC channels over it ([`connect`], [`ChannelBuilder`],
//!   [`Channel`]): HTTP/2 tuned for local links, `UNAVAILABLE` when the
//!   connection is lost, deadlines that cover whole streams; a hung server
//!   fails the connect (its HTTP/2 handshake counts, within the connect
//!   timeout) and open calls (keepalive pings) instead of hanging them.
//! - [`ConnectInfo`]: who connected (pid; uid/gid on Unix; SID on Windows),
//!   in every request's extensions.
//! - [`peer_policy`]: who may call ([`PeerPolicy`]), enforced by the
//!   listener (or a tower layer) before any service sees a request.
//! - [`deadline`]: a server layer that ends streams at the caller's deadline
//!   with `DEADLINE_EXCEEDED`.
//! - [`message_limit`]: a tower layer that reports oversized messages as
//!   `RESOURCE_EXHAUSTED`, as gRPC specifies.
//! - [`Error`]: the crate's one error type.
//!
//! Platform code lives in `unix.rs` / `windows.rs` files behind `cfg`, under
//! one shared API.
//!
//! # Serving
//!
//! ```no_run
//! use piperpc::{Address, Listener};
//! use tonic_health::server::health_reporter;
//!
//! # async fn serve() -> Result<(), Box<dyn std::error::Error>> {
//! let address = Address::parse("my-app")?; // \\.\pipe\my-app or a 0600 socket
//! let listener = Listener::bind(&address)?;
//! println!("listening on {}", listener.local_address());
//! let (_reporter, health) = health_reporter();
//! tonic::transport::Server::builder()
//!     .add_service(health)
//!     .serve_with_incoming(listener.into_incoming())
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

pub mod address;
pub mod channel;
mod connect_info;
pub mod connector;
pub mod deadline;
mod error;
mod identity;
mod io;
pub mod listener;
pub mod message_limit;
pub mod peer_policy;
pub mod server;

pub use address::{Address, IntoAddress};
pub use channel::{Channel, ChannelBuilder, connect};
pub use connect_info::ConnectInfo;
pub use connector::{ClientStream, Connector, ServerIdentity};
pub use error::Error;
pub use listener::{
    Connection, Incoming, Listener, ListenerOptions, OpenConnections, PipeSecurity,
};
pub use peer_policy::{PeerPolicy, PeerPolicyLayer};
pub use server::Server;

// The README's Rust examples compile as doc tests, so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
