//! The server's settings: who may connect, how calls are limited, HTTP/2,
//! keepalive, and the stop. Each says its default, and why where it is
//! not tonic's.

use std::time::Duration;

use super::Server;
use crate::http2::Http2Settings;
use crate::{ListenerOptions, PeerPolicy};

/// Listener settings given to the [`Server`] itself. They are kept apart
/// from its [`ListenerOptions`] so that neither kind of call discards the
/// other: [`Server::listener_options`] replaces only those it sets itself.
#[derive(Clone, Debug, Default)]
pub(super) struct ListenerOverrides {
    peer_policy: Option<PeerPolicy>,
    #[cfg(feature = "tls")]
    tls: Option<crate::tls::ServerTls>,
    tcp_nodelay: Option<bool>,
    tcp_keepalive: Option<Option<Duration>>,
}

impl<L> Server<L> {
    /// Who may call (default [`PeerPolicy::same_user`]). A refused peer's
    /// calls are answered `PERMISSION_DENIED` by the listener and never
    /// reach a service.
    pub fn peer_policy(mut self, policy: PeerPolicy) -> Server<L> {
        self.overrides.peer_policy = Some(policy);
        self
    }

    /// Serve TLS on TCP addresses (feature `tls`; local addresses are never
    /// TLS). With a client CA, callers are identified by their certificates
    /// and admitted by SAN ([`PeerPolicy::allow_san`]); without one they
    /// are anonymous, and only [`PeerPolicy::any`] admits them.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::tls::ServerTls) -> Server<L> {
        self.overrides.tls = Some(tls);
        self
    }

    /// How every address is bound: socket mode, pipe security, connection
    /// limit, handshake timeout. A peer policy or TLS settings in `options`
    /// replace those given by [`Server::peer_policy`] or `Server::tls`
    /// before; without them, those stay. Options without any peer policy
    /// get the default one, [`PeerPolicy::same_user`].
    pub fn listener_options(mut self, options: ListenerOptions) -> Server<L> {
        if options.peer_policy.is_some() {
            self.overrides.peer_policy = None;
        }
        #[cfg(feature = "tls")]
        if options.tls.is_some() {
            self.overrides.tls = None;
        }
        self.listener = options;
        self
    }

    /// TCP: no Nagle delay on accepted connections (default on, as
    /// [`ListenerOptions::tcp_nodelay`]).
    pub fn tcp_nodelay(mut self, on: bool) -> Server<L> {
        self.overrides.tcp_nodelay = Some(on);
        self
    }

    /// TCP: keepalive probes after this much idle time (default `None`:
    /// off, as [`ListenerOptions::tcp_keepalive`]; the server's HTTP/2
    /// pings find a vanished peer sooner).
    pub fn tcp_keepalive(mut self, idle: Option<Duration>) -> Server<L> {
        self.overrides.tcp_keepalive = Some(idle);
        self
    }

    /// The listener options every address is bound with: the
    /// [`ListenerOptions`] given, the server's own listener settings over
    /// them, the default peer policy where none was given, and the HTTP/2
    /// limits the listener must know.
    pub(super) fn listener_options_in_force(&self) -> ListenerOptions {
        let overrides = self.overrides.clone();
        let mut options = self.listener.clone();
        if let Some(policy) = overrides.peer_policy {
            options = options.peer_policy(policy);
        }
        if options.peer_policy.is_none() {
            options = options.peer_policy(PeerPolicy::same_user());
        }
        #[cfg(feature = "tls")]
        if let Some(tls) = overrides.tls {
            options = options.tls(tls);
        }
        if let Some(on) = overrides.tcp_nodelay {
            options = options.tcp_nodelay(on);
        }
        if let Some(idle) = overrides.tcp_keepalive {
            options = options.tcp_keepalive(idle);
        }
        options.http2_settings(self.settings.http2)
    }

    /// HTTP/2 pings to each client every `interval` (default
    /// [`KEEPALIVE_INTERVAL`](crate::http2::KEEPALIVE_INTERVAL); `None`: no
    /// pings; tonic's default is none). A client that does not answer
    /// within the [keepalive timeout](Server::keepalive_timeout) is gone,
    /// or stalling the connection on purpose, and is disconnected.
    pub fn keepalive(mut self, interval: Option<Duration>) -> Server<L> {
        self.settings.keepalive = interval;
        self
    }

    /// How long a client has to answer a ping (default
    /// [`KEEPALIVE_TIMEOUT`](crate::http2::KEEPALIVE_TIMEOUT)).
    pub fn keepalive_timeout(mut self, timeout: Duration) -> Server<L> {
        self.settings.keepalive_timeout = timeout;
        self
    }

    /// How long calls still running may go on after a stop, or after their
    /// connection reached its [maximum age](Server::max_connection_age)
    /// (default [`DEFAULT_GRACE_PERIOD`](super::DEFAULT_GRACE_PERIOD)); then
    /// their connections are closed.
    pub fn grace_period(mut self, grace: Duration) -> Server<L> {
        self.settings.grace = grace;
        self
    }

    /// End streams that outlive the caller's deadline with
    /// `DEADLINE_EXCEEDED` (default on; see [`crate::deadline`]).
    pub fn enforce_deadlines(mut self, on: bool) -> Server<L> {
        self.settings.deadlines = on;
        self
    }

    /// A deadline of the server's own for every call, as tonic's `timeout`:
    /// a call that asks for a longer one (or none) gets this one. Default
    /// none.
    ///
    /// Unlike tonic's, it covers a stream to its end, and a call past it
    /// ends with `DEADLINE_EXCEEDED`, which is what it is (tonic says
    /// `CANCELLED`).
    pub fn timeout(mut self, timeout: Duration) -> Server<L> {
        self.settings.timeout = Some(timeout);
        self
    }

    /// Report oversized messages as `RESOURCE_EXHAUSTED` rather than
    /// tonic's `OUT_OF_RANGE` (default on; see [`crate::message_limit`]).
    pub fn resource_exhausted(mut self, on: bool) -> Server<L> {
        self.settings.resource_exhausted = on;
        self
    }

    /// At a stop, end idle streams at once with `UNAVAILABLE` (default on).
    /// Off, they run on until the grace period ends.
    pub fn drain_streams(mut self, on: bool) -> Server<L> {
        self.settings.drain = on;
        self
    }

    /// Every HTTP/2 setting at once (default [`Http2Settings::local`]),
    /// replacing those given before by this or the setters below; the
    /// same type tunes a [`ChannelBuilder`](crate::ChannelBuilder).
    pub fn http2_settings(mut self, settings: Http2Settings) -> Server<L> {
        self.settings.http2 = settings;
        self
    }

    /// Each stream's flow-control window (default
    /// [`STREAM_WINDOW`](crate::http2::STREAM_WINDOW), 4 MiB; tonic's is
    /// hyper's 1 MiB, which holds a larger message back a round trip per
    /// window on a link that copies gigabytes a second; `None`: hyper's);
    /// see [`Http2Settings`].
    pub fn initial_stream_window_size(mut self, size: impl Into<Option<u32>>) -> Server<L> {
        self.settings.http2 = self.settings.http2.initial_stream_window_size(size);
        self
    }

    /// The connection's flow-control window (default
    /// [`CONNECTION_WINDOW`](crate::http2::CONNECTION_WINDOW), 16 MiB;
    /// tonic's is hyper's 1 MiB; `None`: hyper's); see [`Http2Settings`].
    pub fn initial_connection_window_size(mut self, size: impl Into<Option<u32>>) -> Server<L> {
        self.settings.http2 = self.settings.http2.initial_connection_window_size(size);
        self
    }

    /// The largest frame a client may send (default
    /// [`MAX_FRAME_SIZE`](crate::http2::MAX_FRAME_SIZE), 1 MiB; tonic's is
    /// 16 KiB); see [`Http2Settings`].
    pub fn max_frame_size(mut self, size: impl Into<Option<u32>>) -> Server<L> {
        self.settings.http2 = self.settings.http2.max_frame_size(size);
        self
    }

    /// The largest header list a client may send (default 16 KiB, as
    /// tonic's; `None` restores it); see [`Http2Settings`].
    pub fn http2_max_header_list_size(mut self, size: impl Into<Option<u32>>) -> Server<L> {
        let size = size
            .into()
            .unwrap_or(crate::http2::DEFAULT_MAX_HEADER_LIST_SIZE);
        self.settings.http2 = self.settings.http2.max_header_list_size(size);
        self
    }

    /// Flow-control windows that follow the measured bandwidth-delay
    /// product (default off, as tonic's; `None` is off); see
    /// [`Http2Settings::adaptive_window`].
    pub fn http2_adaptive_window(mut self, on: Option<bool>) -> Server<L> {
        self.settings.http2 = self.settings.http2.adaptive_window(on.unwrap_or(false));
        self
    }

    /// How many calls one connection may have open at once (default
    /// [`DEFAULT_MAX_CONCURRENT_STREAMS`](super::DEFAULT_MAX_CONCURRENT_STREAMS),
    /// 200; `None`: no limit, tonic's default). A client opens no more;
    /// stock clients queue the rest. Without a limit, one client can open
    /// streams until the server runs out of memory.
    pub fn max_concurrent_streams(mut self, max: impl Into<Option<u32>>) -> Server<L> {
        self.settings.max_concurrent_streams = max.into();
        self
    }

    /// How many calls of one connection run at once (default no limit, as
    /// tonic's); the others wait for a place, or with
    /// [`load_shed`](Server::load_shed) are refused. Unlike
    /// [`max_concurrent_streams`](Server::max_concurrent_streams), the
    /// client has sent them: they wait in the server.
    pub fn concurrency_limit_per_connection(mut self, limit: usize) -> Server<L> {
        self.settings.concurrency_limit = Some(limit);
        self
    }

    /// Refuse a call at once with `RESOURCE_EXHAUSTED` when it would have
    /// to wait for a place under the
    /// [concurrency limit](Server::concurrency_limit_per_connection)
    /// (default off, as tonic's: calls wait).
    pub fn load_shed(mut self, on: bool) -> Server<L> {
        self.settings.load_shed = on;
        self
    }

    /// Close each connection gracefully once it is this old (default
    /// never, as tonic's): a GOAWAY tells the client to open a new one for
    /// its next calls, and the calls open then get the
    /// [grace period](Server::grace_period). Of use behind something that
    /// balances load per connection; a local client gains nothing from it.
    pub fn max_connection_age(mut self, age: Duration) -> Server<L> {
        self.settings.max_connection_age = Some(age);
        self
    }

    /// Run every call in a task of its own (tonic's way), rather than in
    /// its connection's task (default off).
    ///
    /// By default a connection and all its calls are served by one task,
    /// so a call crosses no threads on its way through the server: the
    /// fastest way for the short calls of local IPC (see BENCHMARKS.md).
    /// The calls of one connection then share one thread, so many heavy
    /// calls multiplexed on one connection use one core; with this on
    /// they run in parallel on any worker, at the cost of a task hand-off
    /// per call.
    ///
    /// It does not make blocking safe. Measured (`piperpc-bench
    /// spawn-calls`, BENCHMARKS.md), a handler computing for 100 ms
    /// without awaiting held up every call of its connection, and of the
    /// server's other connections, for that long, with this on or off:
    /// tokio's idle workers sleep until woken, and the busy worker is the
    /// one that would have read the sockets. What spares the other calls:
    ///
    /// - `tokio::task::spawn_blocking`, awaited, for CPU-heavy or blocking
    ///   work: no call waited, with this on or off;
    /// - `tokio::task::block_in_place`: the other connections go on either
    ///   way, the other calls of the handler's own connection only with
    ///   this on.
    ///
    /// Either way the server logs a warning when a call holds its thread
    /// for 100 ms or more (at most one each 10 s).
    pub fn spawn_calls(mut self, on: bool) -> Server<L> {
        self.settings.spawn_calls = on;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admits_anyone(server: &Server) -> bool {
        let options = server.listener_options_in_force();
        options
            .peer_policy
            .expect("always a policy")
            .admits_anyone()
    }

    #[test]
    fn listener_options_keep_an_earlier_peer_policy_and_a_later_one_wins() {
        let limited = ListenerOptions::new().max_connections(3);
        let open = ListenerOptions::new().peer_policy(PeerPolicy::any());
        // The policy given first survives options without one.
        let server = Server::builder()
            .peer_policy(PeerPolicy::any())
            .listener_options(limited.clone());
        assert!(admits_anyone(&server));
        assert_eq!(server.listener_options_in_force().max_connections, Some(3));
        // Whichever names a policy last wins, in either order.
        let server = Server::builder()
            .peer_policy(PeerPolicy::same_user())
            .listener_options(open.clone());
        assert!(admits_anyone(&server));
        let server = Server::builder()
            .listener_options(open)
            .peer_policy(PeerPolicy::same_user());
        assert!(!admits_anyone(&server));
        // Neither: the default, this user only.
        assert!(!admits_anyone(&Server::builder().listener_options(limited)));
    }

    #[test]
    fn tcp_settings_given_to_the_server_survive_listener_options() {
        let server = Server::builder()
            .tcp_nodelay(false)
            .tcp_keepalive(Some(Duration::from_secs(60)))
            .listener_options(ListenerOptions::new());
        let options = server.listener_options_in_force();
        assert!(!options.tcp_nodelay);
        assert_eq!(options.tcp_keepalive, Some(Duration::from_secs(60)));
    }
}
