use std::os::windows::io::AsRawHandle;

use tokio::net::windows::named_pipe::{NamedPipeClient, NamedPipeServer};
use windows_sys::Win32::System::Pipes::{GetNamedPipeClientProcessId, GetNamedPipeServerProcessId};

use super::ConnectInfo;
use crate::identity;

impl ConnectInfo {
    /// The client of a connected pipe instance: its pid, and the user SID
    /// of that process's token.
    pub(crate) fn pipe_client(pipe: &NamedPipeServer) -> ConnectInfo {
        let mut pid = 0u32;
        // SAFETY: the handle is a live pipe instance owned by `pipe`; `pid`
        // is a valid place for the result.
        let ok = unsafe { GetNamedPipeClientProcessId(pipe.as_raw_handle() as _, &mut pid) };
        let pid = (ok != 0).then_some(pid);
        ConnectInfo {
            peer_pid: pid,
            peer_sid: pid.and_then(identity::process_sid),
            ..ConnectInfo::default()
        }
    }

    /// The server of an open pipe: its pid, and the user SID of its token,
    /// or, when that token is closed to us (a service's usually is), the
    /// pipe's owner: whoever created it, which an ordinary user cannot make
    /// anyone but itself.
    pub(crate) fn pipe_server(pipe: &NamedPipeClient) -> ConnectInfo {
        let handle = pipe.as_raw_handle() as _;
        let mut pid = 0u32;
        // SAFETY: the handle is a live pipe owned by `pipe`; `pid` is a
        // valid place for the result.
        let ok = unsafe { GetNamedPipeServerProcessId(handle, &mut pid) };
        let pid = (ok != 0).then_some(pid);
        ConnectInfo {
            peer_pid: pid,
            peer_sid: pid
                .and_then(identity::process_sid)
                .or_else(|| identity::handle_owner_sid(handle)),
            ..ConnectInfo::default()
        }
    }
}
