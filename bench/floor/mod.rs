//! The true floor: the raw protocol's payloads with blocking reads and
//! writes on both ends, a thread per connection, no async runtime at all.
//!
//! The raw subject ([`crate::raw`]) runs the same protocol on tokio, so
//! the distance between raw and floor is what an async runtime's wake-ups
//! cost, and the distance between floor and gRPC is everything gRPC adds.
//! A unary round trip here is a blocking ping-pong between two processes;
//! server streaming, a blocking copy.
//!
//! The client runs its blocking calls on the measuring task's worker thread
//! (`tokio::task::block_in_place`), so the calling thread itself sleeps in
//! the read, as a blocking client's would.

pub mod client;
pub mod server;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(unix)]
use unix as platform;
#[cfg(windows)]
use windows as platform;
