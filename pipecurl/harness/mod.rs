//! A test harness for gRPC servers that run as their own process: the
//! pieces a cargo test needs to start one, call it and stop it.
//!
//! A server under test is a real process on a real pipe, as in production.
//! [`TestServer::start`] runs its command and waits for its ready line,
//! `listening on ADDRESS` (what [`piperpc::server::Bound::announce`]
//! prints); [`TestServer::call`] calls any method with JSON, resolved
//! through the server's reflection with pipecurl's engine, and returns
//! every response with the status, headers and trailers as a [`Reply`]; a
//! non-OK status is a reply, not an error. [`TestServer::stop`] closes the
//! server's standard input, which servers built on piperpc stop on
//! ([`piperpc::server::StopSignal::or_stdin_closed`]), and fails unless the
//! process then exits cleanly, so a test covers shutdown too.
//!
//! ```no_run
//! use pipecurl::harness::{TestServer, fresh_address, workspace_bin};
//! use serde_json::json;
//!
//! # async fn example() -> Result<(), pipecurl::harness::HarnessError> {
//! let mut command = std::process::Command::new(workspace_bin("piperpc"));
//! command.args(["serve", "--stop-on-stdin-eof", "--listen", &fresh_address("echo")]);
//! let server = TestServer::start(command)?;
//! let reply = server
//!     .call("piperpc.demo.v1.Echo/Echo", json!({"message": "hi"}))
//!     .await?
//!     .expect_ok();
//! assert_eq!(reply.messages[0]["message"], "hi");
//! assert!(server.stop()?.success());
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//!
//! - `server`: [`TestServer`], the process and its ready lines.
//! - `call`: [`Call`], one call with JSON through reflection;
//!   `reply`: what it returns, [`Reply`].
//! - `run`: [`run`], a client process (or any command) run to its end
//!   within a bound; `process`: [`spawn_lines`] and [`wait_or_kill`], one
//!   driven while it runs.
//! - `address`: [`fresh_address`]; `workspace`: [`workspace_bin`].
//! - `wine`: [`is_wine`] and [`skipped_under_wine`].
//! - `error`: the one error type, [`HarnessError`].
//! - [`tls`] (feature `tls`): a throwaway CA and the certificates it
//!   issues, written to files, for testing TLS and mutual TLS.

mod address;
mod call;
mod error;
mod lines;
mod process;
mod reply;
mod run;
mod server;
#[cfg(feature = "tls")]
pub mod tls;
#[cfg(unix)]
mod unix;
mod wait;
#[cfg(windows)]
mod windows;
mod wine;
mod workspace;

pub use address::fresh_address;
pub use call::Call;
pub use error::HarnessError;
pub use process::{spawn_lines, wait_or_kill};
pub use reply::Reply;
pub use run::run;
pub use server::{TestServer, TestServerBuilder};
pub use wine::{is_wine, skipped_under_wine};
pub use workspace::workspace_bin;
