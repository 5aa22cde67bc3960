//! How a listener is bound.

use std::time::Duration;

use super::PipeSecurity;
use super::authority::BlockLimits;
use crate::address::IntoAddress;
use crate::http2::Http2Settings;
use crate::{Error, IntegrityLevel, Listener, PeerPolicy};

/// Settings for [`Listener`]s.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
/// use piperpc::{ListenerOptions, PeerPolicy};
///
/// # async fn run() -> Result<(), piperpc::Error> {
/// // The socket's group may connect, and one more uid.
/// let listener = ListenerOptions::new()
///     .socket_mode(0o660)
///     .peer_policy(PeerPolicy::same_user().allow_uid(1001))
///     .max_connections(64)
///     .handshake_timeout(Some(Duration::from_secs(2)))
///     .bind("my-app")?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ListenerOptions {
    pub(crate) in_buffer_size: u32,
    pub(crate) out_buffer_size: u32,
    pub(crate) socket_mode: u32,
    pub(crate) peer_policy: Option<PeerPolicy>,
    pub(crate) pipe_security: PipeSecurity,
    pub(crate) max_connections: Option<usize>,
    pub(crate) handshake_timeout: Option<Duration>,
    pub(crate) pending_instances: usize,
    pub(crate) pipe_min_integrity: Option<IntegrityLevel>,
    pub(crate) header_limits: BlockLimits,
    pub(crate) tcp_nodelay: bool,
    pub(crate) tcp_keepalive: Option<Duration>,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<crate::tls::ServerTls>,
}

/// How long a new connection may take to send the HTTP/2 preface.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// How many pipe instances a Windows listener keeps waiting for clients.
///
/// Eight, as the measurements behind Kestrel's named-pipe
/// `ListenerQueueCount` suggest (aspnetcore PR #46472: 13.6k connections/s
/// with one waiting instance, 29.1k with eight): enough that a burst of
/// clients mostly finds an instance free instead of `ERROR_PIPE_BUSY` and a
/// retry, for eight idle kernel objects.
pub const DEFAULT_PENDING_INSTANCES: usize = 8;

impl Default for ListenerOptions {
    fn default() -> Self {
        ListenerOptions {
            in_buffer_size: 64 * 1024,
            out_buffer_size: 64 * 1024,
            socket_mode: 0o600,
            peer_policy: None,
            pipe_security: PipeSecurity::default(),
            max_connections: None,
            handshake_timeout: Some(DEFAULT_HANDSHAKE_TIMEOUT),
            pending_instances: DEFAULT_PENDING_INSTANCES,
            pipe_min_integrity: None,
            header_limits: BlockLimits::DEFAULT,
            tcp_nodelay: true,
            tcp_keepalive: None,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }
}

impl ListenerOptions {
    /// Same as [`Default::default`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Windows: the pipe's inbound buffer size in bytes (default 64 KiB).
    /// A hint to the OS; messages larger than it still pass.
    pub fn in_buffer_size(mut self, bytes: u32) -> Self {
        self.in_buffer_size = bytes;
        self
    }

    /// Windows: the pipe's outbound buffer size in bytes (default 64 KiB).
    pub fn out_buffer_size(mut self, bytes: u32) -> Self {
        self.out_buffer_size = bytes;
        self
    }

    /// Unix: the socket file's permission bits (default `0o600`: only the
    /// owner may connect). `0o660` lets the file's group connect too.
    pub fn socket_mode(mut self, mode: u32) -> Self {
        self.socket_mode = mode & 0o777;
        self
    }

    /// Windows: the security descriptor of every pipe instance (default
    /// [`PipeSecurity::CurrentUser`]). A malformed SDDL fails the bind.
    pub fn pipe_security(mut self, security: PipeSecurity) -> Self {
        self.pipe_security = security;
        self
    }

    /// Windows: the lowest integrity level a client may run at and still
    /// send to the pipe, enforced by the OS when the client opens it: the
    /// no-write-up mandatory label `S:(ML;;NW;;;<level>)` every instance
    /// carries.
    ///
    /// The default is [`IntegrityLevel::Medium`] (or the server's own level,
    /// if that is lower): ordinary and elevated processes may call,
    /// sandboxed low-integrity ones may not. [`IntegrityLevel::Low`] admits
    /// sandboxed clients too; [`IntegrityLevel::High`], on an elevated
    /// server, only elevated clients. The DACL
    /// ([`pipe_security`](Self::pipe_security)) applies as well; a
    /// [`PipeSecurity::Sddl`] is taken as it is and ignores this setting
    /// (write its own `S:(ML;...)` part).
    ///
    /// A level above the server's own fails the bind with
    /// [`Error::InvalidOption`]: Windows lets a process label an object at
    /// most at its own level. Unix ignores this setting.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use piperpc::{IntegrityLevel, ListenerOptions};
    ///
    /// # async fn run() -> Result<(), piperpc::Error> {
    /// // A helper that a browser's sandboxed (low-integrity) process calls.
    /// let listener = ListenerOptions::new()
    ///     .pipe_min_integrity(IntegrityLevel::Low)
    ///     .bind("my-helper")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn pipe_min_integrity(mut self, level: IntegrityLevel) -> Self {
        self.pipe_min_integrity = Some(level);
        self
    }

    /// Admits only the peers `policy` allows. A refused peer's connection
    /// never reaches the served services: the listener answers its requests
    /// itself with `PERMISSION_DENIED` and the reason, and closes it.
    ///
    /// Required for `unix-abstract:` addresses, which have no file
    /// permissions; pass [`PeerPolicy::any`] to accept every local user
    /// there (a warning is logged).
    pub fn peer_policy(mut self, policy: PeerPolicy) -> Self {
        self.peer_policy = Some(policy);
        self
    }

    /// At most `limit` connections open at once (none by default). While at
    /// the limit the listener stops accepting: further clients wait in the
    /// socket backlog (Unix) until a slot frees or their deadline passes.
    /// On Windows the [pending instances](Self::pending_instances) take the
    /// next clients, which wait unaccepted the same way; the ones after them
    /// find the pipe busy and retry until their connect timeout.
    pub fn max_connections(mut self, limit: usize) -> Self {
        self.max_connections = Some(limit.max(1));
        self
    }

    /// TCP addresses speak TLS with these settings (feature `tls`); local
    /// addresses are never TLS. A client that speaks plaintext to such an
    /// address is told it must use TLS, and never reaches a service.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, tls: crate::tls::ServerTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// How long a new connection may take to send its first bytes (the
    /// HTTP/2 preface, and before it on TLS the whole TLS handshake) before
    /// it is closed (default [`DEFAULT_HANDSHAKE_TIMEOUT`]; `None` waits
    /// forever).
    pub fn handshake_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Windows: how many pipe instances wait for clients at once (default
    /// [`DEFAULT_PENDING_INSTANCES`]; `0` counts as 1).
    ///
    /// A named pipe has no backlog: a client connects only to an instance
    /// that is waiting, and finds the pipe busy (and retries, up to its
    /// connect timeout) when none is. Several waiting instances let a burst
    /// of clients in at once while the listener replaces the taken ones.
    /// Every instance gets the same [`PipeSecurity`]. Windows allows at most
    /// 255 instances of one pipe, connected ones included, so values above
    /// 255 are capped there.
    ///
    /// Unix sockets and TCP ignore it: their listen backlog, which the OS
    /// sizes (`SOMAXCONN`), already queues a burst.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use piperpc::ListenerOptions;
    ///
    /// # async fn run() -> Result<(), piperpc::Error> {
    /// // A server that many short-lived clients connect to at once.
    /// let listener = ListenerOptions::new()
    ///     .pending_instances(16)
    ///     .bind(r"\\.\pipe\my-app")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn pending_instances(mut self, count: usize) -> Self {
        self.pending_instances = count.clamp(1, 255);
        self
    }

    /// The HTTP/2 settings of the server that will read these connections
    /// (default: hyper's 16 KiB header list and 16 KiB frames, as tonic's
    /// server keeps them). [`Server`](crate::Server) sets its own.
    ///
    /// On local connections the listener reads each header block before
    /// HTTP/2 does (to make the `:authority` stock clients send acceptable)
    /// and holds it no further than HTTP/2 would: past the server's header
    /// list size, or past the CONTINUATION frames HTTP/2 allows for it, it
    /// hands the block on for HTTP/2 to refuse. Tell it the header list
    /// and frame sizes a tonic server of your own was given
    /// (`http2_max_header_list_size`, `max_frame_size`), so blocks that
    /// server accepts are rewritten too.
    pub fn http2_settings(mut self, settings: Http2Settings) -> Self {
        self.header_limits =
            BlockLimits::new(settings.header_list_limit(), settings.frame_size_limit());
        self
    }

    /// TCP: send small writes at once, without Nagle's delay (default on:
    /// gRPC messages are framed by HTTP/2 and flushed whole, so Nagle would
    /// only hold back the last segment of each). Other transports ignore it.
    pub fn tcp_nodelay(mut self, on: bool) -> Self {
        self.tcp_nodelay = on;
        self
    }

    /// TCP: probe a connection idle for this long with TCP keepalives, so a
    /// peer that vanished without closing (a machine off the network) is
    /// found by the OS (default `None`: off; HTTP/2 keepalive pings, on by
    /// default in [`Server`](crate::Server), find it sooner). Other
    /// transports ignore it.
    pub fn tcp_keepalive(mut self, idle: Option<Duration>) -> Self {
        self.tcp_keepalive = idle;
        self
    }

    /// Binds `address` with these options. Must be called inside a tokio
    /// runtime.
    ///
    /// # Errors
    ///
    /// As [`Listener::bind`], and [`Error::InvalidOption`] for an option
    /// the OS rejects (a malformed SDDL, say, or a
    /// [`pipe_min_integrity`](Self::pipe_min_integrity) above this
    /// process's own level).
    pub fn bind(&self, address: impl IntoAddress) -> Result<Listener, Error> {
        Listener::bind_with(&address.into_address()?, self)
    }

    /// Serves a listening socket this process was handed (by a service
    /// manager's socket activation, or a parent) with these options, as if
    /// [`bind`](Self::bind) had bound it: the peer policy, the handshake
    /// timeout, the connection limit, the `:authority` fix, TLS on TCP and
    /// [`ConnectInfo`](crate::ConnectInfo) apply alike. Must be called
    /// inside a tokio runtime.
    ///
    /// Whoever bound the socket owns its file: a Unix socket's file keeps
    /// the mode it was given ([`socket_mode`](Self::socket_mode) is not
    /// applied; a `.socket` unit sets `SocketMode=`) and is not removed
    /// when the listener is dropped.
    ///
    /// # Errors
    ///
    /// [`Error::Insecure`] for an abstract socket without a peer policy (as
    /// [`bind`](Self::bind)), [`Error::Io`] when the runtime cannot take the
    /// socket.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use piperpc::{ListenerOptions, PeerPolicy, systemd};
    ///
    /// # async fn run() -> Result<(), piperpc::Error> {
    /// let options = ListenerOptions::new().peer_policy(PeerPolicy::same_user());
    /// for socket in systemd::listen_fds()? {
    ///     let listener = options.adopt(socket)?;
    ///     println!("serving {}", listener.local_address());
    /// }
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(unix)]
    pub fn adopt(&self, socket: super::InheritedSocket) -> Result<Listener, Error> {
        Listener::adopt_with(socket, self)
    }
}
