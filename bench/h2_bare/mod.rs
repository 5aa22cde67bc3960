//! A reference, not a subject: the least work a gRPC call can cost on h2
//! with tonic's generated code, for reading `piperpc-bench cost`'s figures.
//!
//! [`server`] serves the demo's Echo service on h2 directly: no hyper, no
//! middleware, no deadline, drain, keepalive or limits, each connection on
//! one task as piperpc serves it. [`client`] calls it through tonic's
//! generated client on an h2 `SendRequest`, again with nothing between.
//! Neither is fit to serve anyone (no error handling beyond failing the
//! call, no flow-control care beyond the minimum): they exist so the
//! instructions of h2 plus tonic's codec can be counted apart from
//! everything hyper and piperpc add (BENCHMARKS.md, "Instructions per
//! call"):
//!
//! ```text
//! valgrind --tool=callgrind piperpc-bench h2-bare-server --listen /tmp/h2.sock
//! piperpc-bench calls --subject tonic-local --address /tmp/h2.sock --count 3000
//! valgrind --tool=callgrind piperpc-bench h2-bare-calls --address /tmp/tonic.sock --count 3000
//! ```
//!
//! Unix only (the module is compiled there alone): the figures it is read
//! beside are callgrind's, Linux only.

mod body;
pub mod client;
pub mod server;

/// HTTP/2 windows and frames as piperpc's local defaults, so the reference
/// does the same framing work as piperpc.
fn windows() -> (u32, u32, u32) {
    (
        piperpc::http2::STREAM_WINDOW,
        piperpc::http2::CONNECTION_WINDOW,
        piperpc::http2::MAX_FRAME_SIZE,
    )
}
