//! Serving under systemd (or any service manager that speaks its
//! protocols): sockets it binds and hands over ([`listen_fds`], "socket
//! activation"), and telling it when the server is ready and when it
//! stops ([`notify_ready`], [`notify_stopping`]).
//!
//! Both are the few lines of `sd_listen_fds(3)` and `sd_notify(3)` written
//! out here rather than a dependency: the protocols are environment
//! variables and one datagram, libsystemd would bring C, and the small
//! pure-Rust crate for them (`sd-notify`) cannot reach an abstract
//! `NOTIFY_SOCKET` (`@name`), which systemd uses in some setups.
//!
//! Nothing here happens behind the application's back: the library never
//! reads these variables or sends a notification unless called. A typical
//! service:
//!
//! ```no_run
//! use piperpc::server::{Server, StopSignal};
//! use piperpc::systemd;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let (_reporter, health) = tonic_health::server::health_reporter();
//! let stop = StopSignal::install()?;
//! let server = Server::builder().add_service(health);
//! // The sockets of the .socket unit if started by it, else our own.
//! let sockets = systemd::listen_fds()?;
//! let bound = if sockets.is_empty() {
//!     server.bind(["my-app"])?
//! } else {
//!     server.bind_inherited(sockets)?
//! };
//! bound.announce()?;
//! systemd::notify_ready()?; // Type=notify: started
//! bound
//!     .serve_with_shutdown(async {
//!         stop.stopped().await;
//!         let _ = systemd::notify_stopping();
//!     })
//!     .await?;
//! # Ok(())
//! # }
//! ```
//!
//! Windows has no such protocol: this module exists on Unix only. macOS
//! builds it (a service manager there may use the same variables), but
//! abstract `NOTIFY_SOCKET` names are Linux only.

mod listen_fds;
mod notify;

pub use listen_fds::listen_fds;
pub use notify::{notify, notify_ready, notify_stopping};
