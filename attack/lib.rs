//! Hostile HTTP/2 clients, written by hand, for testing that a piperpc
//! server bounds what an attacker can make it hold or do.
//!
//! Real clients (hyper, tonic, grpc-go) cannot be made to misbehave: they
//! finish their header blocks, honour windows, read their ACKs. The
//! attacks here write frames byte by byte ([`frame`], [`hpack`]) over any
//! stream ([`conn::Io`]: a Unix socket, a named pipe, TCP, TLS, a test's
//! duplex), and read what the server answers ([`answer`]): its SETTINGS,
//! GOAWAY with reason and debug data, RST_STREAMs, response headers and
//! trailers. Each attack returns a report of what it sent and what came
//! back, so that a test (`tests/e2e/attacks.rs`) can assert bounds that do
//! not depend on the machine's speed (frames accepted before a GOAWAY,
//! streams accepted, connections left open), and a benchmark can run the
//! same attacks many connections at a time.
//!
//! One module per attack family:
//!
//! - [`reset`]: rapid reset (HEADERS + RST_STREAM pairs).
//! - [`continuation`]: CONTINUATION floods, in a burst, trickled, and held
//!   unfinished on many connections.
//! - [`compression`]: HPACK bomb, oversized table size updates.
//! - [`flood`]: SETTINGS, PING and unknown-frame floods from a client that
//!   never reads.
//! - [`window`]: a zero flow-control window under a server stream.
//! - [`streams`]: more streams than the server allows at once.
//! - [`slow`]: idle and slowloris connections.
//! - [`garbage`]: noise, an oversized frame, a gRPC length prefix of 4 GiB.
//!
//! Single-connection attacks take a [`Conn`] (made by the caller from
//! any stream, so a caller picks the transport and TLS); those that need
//! many connections take a [`piperpc::Connector`].
//!
//! ```no_run
//! use piperpc_attack::{Conn, reset};
//!
//! # async fn example() -> Result<(), piperpc::Error> {
//! let stream = piperpc::Connector::new("my-app")?.connect().await?;
//! let mut conn = Conn::new(stream);
//! let report = reset::rapid_reset(&mut conn, &reset::RapidReset::default()).await;
//! assert!(report.answer.calmed(""), "{}", report.answer.summary());
//! # Ok(())
//! # }
//! ```

pub mod answer;
pub mod compression;
pub mod conn;
pub mod continuation;
pub mod flood;
pub mod frame;
pub mod garbage;
pub mod grpc;
pub mod hpack;
pub mod reset;
pub mod slow;
pub mod streams;
pub mod window;

pub use answer::{Answer, Ending, Event, GoAway};
pub use conn::{Conn, Sent, Synced};
pub use frame::Reason;

/// How long an attack waits for the server's answer by default: a failure
/// bound, generous for a busy machine or Wine, never a measurement.
pub const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_secs(20);
