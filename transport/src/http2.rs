//! HTTP/2 settings for a link that never leaves the machine.
//!
//! Defaults of HTTP/2 stacks are tuned for networks: 16 KiB frames and
//! flow-control windows sized for a WAN's bandwidth-delay product. A local
//! pipe has microsecond latency and memory-copy bandwidth, so piperpc uses
//! larger frames (fewer frame headers and fewer syscalls per message) and
//! larger windows (a sender is not stalled waiting for WINDOW_UPDATE on a
//! large message). The figures behind each value are in BENCHMARKS.md.
//!
//! Keepalive pings are the one setting about liveness, not speed: a peer
//! that stops answering (stopped, deadlocked, frozen in a debugger) is
//! found within the interval plus the timeout, in both directions.

use std::time::Duration;

/// Flow-control window of each stream, both directions.
pub const STREAM_WINDOW: u32 = 4 * 1024 * 1024;
/// Flow-control window of the whole connection.
pub const CONNECTION_WINDOW: u32 = 16 * 1024 * 1024;
/// Largest frame a peer may send us.
pub const MAX_FRAME_SIZE: u32 = 1024 * 1024;

/// How long a connection may be silent before a keepalive ping is sent,
/// by a [`Server`](crate::Server) and by a [`Channel`](crate::Channel) to a
/// local address.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30);
/// How long a keepalive ping may go unanswered before the connection is
/// closed as dead.
pub const KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// Client keepalive: ping after `interval` of silence, give up after
/// `timeout` without an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Keepalive {
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
}

/// `server` with these settings (see [`Server::local_http2_settings`](crate::Server::local_http2_settings)).
pub(crate) fn tune_server<E>(server: &mut hyper::server::conn::http2::Builder<E>) {
    server
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .max_frame_size(MAX_FRAME_SIZE);
}

/// A hyper HTTP/2 client builder with the same settings, and `keepalive`,
/// spawning through `executor`.
pub(crate) fn client_builder<E: Clone>(
    executor: E,
    keepalive: Option<Keepalive>,
) -> hyper::client::conn::http2::Builder<E> {
    let mut builder = hyper::client::conn::http2::Builder::new(executor);
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .initial_stream_window_size(STREAM_WINDOW)
        .initial_connection_window_size(CONNECTION_WINDOW)
        .max_frame_size(MAX_FRAME_SIZE);
    if let Some(keepalive) = keepalive {
        // Idle connections are pinged too, so a server that froze between
        // calls is found before the next call is sent to it.
        builder
            .keep_alive_interval(keepalive.interval)
            .keep_alive_timeout(keepalive.timeout)
            .keep_alive_while_idle(true);
    }
    builder
}
