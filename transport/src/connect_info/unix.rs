use tokio::net::UnixStream;

use super::ConnectInfo;

impl ConnectInfo {
    /// The process on the other end of `stream`, from the kernel's peer
    /// credentials (`SO_PEERCRED`, `getpeereid`): the same call serves a
    /// server reading its client and a client reading its server.
    pub(crate) fn unix_peer(stream: &UnixStream) -> std::io::Result<ConnectInfo> {
        let cred = stream.peer_cred()?;
        Ok(ConnectInfo {
            peer_pid: cred.pid().and_then(|pid| u32::try_from(pid).ok()),
            peer_uid: Some(cred.uid()),
            peer_gid: Some(cred.gid()),
            ..ConnectInfo::default()
        })
    }
}
