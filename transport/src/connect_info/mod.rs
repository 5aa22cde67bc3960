//! Who is on the other end of a connection.
//!
//! The listener fills this in once per connection from the OS (never from
//! anything the peer sends), and tonic copies it into every request's
//! extensions, so a handler reads it with
//! `request.extensions().get::<ConnectInfo>()`. The client reads the same
//! facts about its server. Each platform file builds it in one place, for
//! both ends.

mod certificate;
mod integrity;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

use std::net::SocketAddr;

pub use certificate::{PeerCertificate, SubjectAltName};
pub use integrity::IntegrityLevel;

/// The peer of one accepted connection, as the OS reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectInfo {
    /// The peer's process id: `SO_PEERCRED` on Linux, `LOCAL_PEERPID` on
    /// macOS, `GetNamedPipeClientProcessId` on Windows. `None` over TCP.
    pub peer_pid: Option<u32>,
    /// The peer's effective user id (Unix sockets only).
    pub peer_uid: Option<u32>,
    /// The peer's effective group id (Unix sockets only).
    pub peer_gid: Option<u32>,
    /// The user SID the peer process runs as, `S-1-5-...` (Windows only,
    /// when this process may query the peer's token).
    pub peer_sid: Option<String>,
    /// The peer's socket address (TCP only).
    pub peer_addr: Option<SocketAddr>,
    /// The identity in the peer's TLS certificate, verified against the
    /// configured CA (TCP with TLS only: a server sees its client's when it
    /// requires client certificates, a client sees its server's).
    pub peer_certificate: Option<PeerCertificate>,
    /// The Windows session the peer runs in (`GetNamedPipeClientSessionId`;
    /// 0 is the services' session, each interactive logon has its own).
    /// Windows only.
    pub peer_session_id: Option<u32>,
    /// The integrity level of the peer process's token (Windows only, when
    /// this process may query that token; `None` otherwise, as for
    /// [`peer_sid`](Self::peer_sid)).
    pub peer_integrity: Option<IntegrityLevel>,
    /// Whether the peer process's token is elevated (`TokenElevation`:
    /// "Run as administrator" under UAC). Windows only, when the token may
    /// be queried, as for [`peer_integrity`](Self::peer_integrity).
    pub peer_elevated: Option<bool>,
}

impl ConnectInfo {
    /// True when the OS vouched for the peer's process (a local transport).
    pub fn is_local(&self) -> bool {
        self.peer_addr.is_none()
    }
}

impl ConnectInfo {
    /// A TCP peer: the OS knows only its address.
    pub(crate) fn tcp(peer: SocketAddr) -> ConnectInfo {
        ConnectInfo {
            peer_addr: Some(peer),
            ..ConnectInfo::default()
        }
    }
}
