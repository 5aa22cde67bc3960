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

/// The largest header list hyper accepts by default, at either end: 16 KiB.
pub const DEFAULT_MAX_HEADER_LIST_SIZE: u32 = 16 * 1024;

/// The HTTP/2 settings of one end of a connection: one type tunes a
/// [`Server`](crate::Server) and a [`ChannelBuilder`](crate::ChannelBuilder)
/// alike, with the names tonic's `Server` and `Endpoint` use.
///
/// [`Http2Settings::local`] (the default at both ends) sizes frames and
/// windows for a local link; [`Http2Settings::network`] is hyper's and
/// tonic's defaults, as for a network.
///
/// # Examples
///
/// ```
/// use piperpc::http2::Http2Settings;
///
/// // Local defaults, with a larger header list for big metadata.
/// let settings = Http2Settings::local().max_header_list_size(64 * 1024);
/// let server = piperpc::Server::builder().http2_settings(settings);
/// # let _ = server;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Http2Settings {
    stream_window: Option<u32>,
    connection_window: Option<u32>,
    max_frame_size: Option<u32>,
    adaptive_window: bool,
    max_header_list_size: u32,
}

impl Default for Http2Settings {
    fn default() -> Self {
        Http2Settings::local()
    }
}

impl Http2Settings {
    /// Frames and windows for a local link: [`STREAM_WINDOW`],
    /// [`CONNECTION_WINDOW`], [`MAX_FRAME_SIZE`]; 16 KiB of headers.
    pub const fn local() -> Http2Settings {
        Http2Settings {
            stream_window: Some(STREAM_WINDOW),
            connection_window: Some(CONNECTION_WINDOW),
            max_frame_size: Some(MAX_FRAME_SIZE),
            adaptive_window: false,
            max_header_list_size: DEFAULT_MAX_HEADER_LIST_SIZE,
        }
    }

    /// hyper's defaults, which tonic keeps: 1 MiB windows on a server
    /// (2 MiB for each stream and 5 MiB for the connection on a client),
    /// 16 KiB frames, 16 KiB of headers.
    pub const fn network() -> Http2Settings {
        Http2Settings {
            stream_window: None,
            connection_window: None,
            max_frame_size: None,
            adaptive_window: false,
            max_header_list_size: DEFAULT_MAX_HEADER_LIST_SIZE,
        }
    }

    /// The flow-control window of each stream this end receives on
    /// (`SETTINGS_INITIAL_WINDOW_SIZE`); `None`: hyper's default (1 MiB on
    /// a server, 2 MiB on a client).
    pub fn initial_stream_window_size(mut self, size: impl Into<Option<u32>>) -> Http2Settings {
        self.stream_window = size.into();
        self
    }

    /// The flow-control window of the whole connection this end receives
    /// on; `None`: hyper's default (1 MiB on a server, 5 MiB on a client).
    pub fn initial_connection_window_size(mut self, size: impl Into<Option<u32>>) -> Http2Settings {
        self.connection_window = size.into();
        self
    }

    /// The largest frame the peer may send (`SETTINGS_MAX_FRAME_SIZE`);
    /// `None`: HTTP/2's (and hyper's) 16 KiB.
    pub fn max_frame_size(mut self, size: impl Into<Option<u32>>) -> Http2Settings {
        self.max_frame_size = size.into();
        self
    }

    /// Windows that grow with the measured bandwidth-delay product (hyper's
    /// BDP estimate), replacing both window sizes. Off by default: a local
    /// link's delay is microseconds, and the fixed local windows already
    /// never stall a sender.
    pub fn adaptive_window(mut self, on: bool) -> Http2Settings {
        self.adaptive_window = on;
        self
    }

    /// The largest header list the peer may send
    /// (`SETTINGS_MAX_HEADER_LIST_SIZE`, HPACK's count: 32 bytes more per
    /// field than its name and value); default 16 KiB. A server's
    /// listener applies the same limit to the header blocks it reads
    /// ahead of HTTP/2 on local connections.
    pub fn max_header_list_size(mut self, size: u32) -> Http2Settings {
        self.max_header_list_size = size;
        self
    }

    /// The header list limit, as a server advertises it.
    pub(crate) fn header_list_limit(&self) -> u32 {
        self.max_header_list_size
    }

    /// The frame size limit, as a server advertises it.
    pub(crate) fn frame_size_limit(&self) -> u32 {
        self.max_frame_size.unwrap_or(16_384)
    }

    /// `server` with these settings.
    pub(crate) fn apply_to_server<E>(&self, server: &mut hyper::server::conn::http2::Builder<E>) {
        server
            .initial_stream_window_size(self.stream_window)
            .initial_connection_window_size(self.connection_window)
            .max_frame_size(self.max_frame_size)
            .adaptive_window(self.adaptive_window)
            .max_header_list_size(self.max_header_list_size);
    }

    /// `client` with these settings.
    pub(crate) fn apply_to_client<E: Clone>(
        &self,
        client: &mut hyper::client::conn::http2::Builder<E>,
    ) {
        client
            .initial_stream_window_size(self.stream_window)
            .initial_connection_window_size(self.connection_window)
            .max_frame_size(self.max_frame_size)
            .adaptive_window(self.adaptive_window)
            .max_header_list_size(self.max_header_list_size);
    }
}

/// A hyper HTTP/2 client builder with `settings` and `keepalive`, spawning
/// through `executor`.
pub(crate) fn client_builder<E: Clone>(
    executor: E,
    settings: &Http2Settings,
    keepalive: Option<Keepalive>,
) -> hyper::client::conn::http2::Builder<E> {
    let mut builder = hyper::client::conn::http2::Builder::new(executor);
    builder.timer(hyper_util::rt::TokioTimer::new());
    settings.apply_to_client(&mut builder);
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
