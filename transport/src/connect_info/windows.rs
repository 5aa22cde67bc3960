use std::os::windows::io::AsRawHandle;

use tokio::net::windows::named_pipe::{NamedPipeClient, NamedPipeServer};
use windows_sys::Win32::System::Pipes::{
    GetNamedPipeClientProcessId, GetNamedPipeClientSessionId, GetNamedPipeServerProcessId,
    GetNamedPipeServerSessionId,
};

use super::ConnectInfo;
use crate::identity::{self, TokenFacts};

impl ConnectInfo {
    /// The client of a connected pipe instance: its pid and session, and
    /// what its process's token says (user SID, integrity level, elevation)
    /// when this process may open that token.
    pub(crate) fn pipe_client(pipe: &NamedPipeServer) -> ConnectInfo {
        let handle = pipe.as_raw_handle() as _;
        let mut pid = 0u32;
        // SAFETY: the handle is a live pipe instance owned by `pipe`; `pid`
        // is a valid place for the result.
        let ok = unsafe { GetNamedPipeClientProcessId(handle, &mut pid) };
        let pid = (ok != 0).then_some(pid);
        let mut session = 0u32;
        // SAFETY: as above, for the session id.
        let ok = unsafe { GetNamedPipeClientSessionId(handle, &mut session) };
        let session = (ok != 0).then_some(session);
        let token = pid.map(identity::process_token).unwrap_or_default();
        ConnectInfo {
            peer_pid: pid,
            ..ConnectInfo::from_token(token, session)
        }
    }

    /// The server of an open pipe: its pid and session, and what its token
    /// says; when that token is closed to us (a service's usually is), the
    /// user SID is the pipe's owner: whoever created it, which an ordinary
    /// user cannot make anyone but itself.
    pub(crate) fn pipe_server(pipe: &NamedPipeClient) -> ConnectInfo {
        let handle = pipe.as_raw_handle() as _;
        let mut pid = 0u32;
        // SAFETY: the handle is a live pipe owned by `pipe`; `pid` is a
        // valid place for the result.
        let ok = unsafe { GetNamedPipeServerProcessId(handle, &mut pid) };
        let pid = (ok != 0).then_some(pid);
        let mut session = 0u32;
        // SAFETY: as above, for the session id.
        let ok = unsafe { GetNamedPipeServerSessionId(handle, &mut session) };
        let session = (ok != 0).then_some(session);
        let mut token = pid.map(identity::process_token).unwrap_or_default();
        if token.sid.is_none() {
            token.sid = identity::handle_owner_sid(handle);
        }
        ConnectInfo {
            peer_pid: pid,
            ..ConnectInfo::from_token(token, session)
        }
    }

    /// The session the pipe reports, or else the token's.
    fn from_token(token: TokenFacts, session: Option<u32>) -> ConnectInfo {
        ConnectInfo {
            peer_sid: token.sid,
            peer_session_id: session.or(token.session_id),
            peer_integrity: token.integrity,
            peer_elevated: token.elevated,
            ..ConnectInfo::default()
        }
    }
}
