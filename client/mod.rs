//! Process B: calls through the generated stubs.
//!
//! - [`call`]: one command per RPC (`piperpc call ...`), printing results.
//! - [`demo`]: starts process A as a child and runs every RPC kind against it.
//! - [`load`]: many connections of mixed, checked calls (`piperpc load`).
//! - [`stubs`]: the generated clients on one channel, with message limits set.

pub mod call;
pub mod demo;
pub mod load;
pub mod stubs;

pub use stubs::Stubs;
