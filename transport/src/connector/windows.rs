//! Opening a named pipe, in message mode, as an identity the server cannot
//! impersonate.

use std::os::windows::io::AsRawHandle;

use tokio::net::windows::named_pipe::{ClientOptions, NamedPipeClient, PipeMode};
use windows_sys::Win32::Foundation::{ERROR_FILE_NOT_FOUND, ERROR_PIPE_BUSY};
use windows_sys::Win32::Storage::FileSystem::SECURITY_IDENTIFICATION;
use windows_sys::Win32::System::Pipes::GetNamedPipeServerProcessId;

use super::attempt::Attempt;

pub(crate) fn open(path: &str) -> Result<NamedPipeClient, Attempt> {
    ClientOptions::new()
        .pipe_mode(PipeMode::Message)
        // The server may learn who we are, never act as us
        // (tokio adds SECURITY_SQOS_PRESENT).
        .security_qos_flags(SECURITY_IDENTIFICATION)
        .open(path)
        .map_err(|e| match e.raw_os_error().map(|code| code as u32) {
            Some(ERROR_PIPE_BUSY) => Attempt::Busy(e),
            Some(ERROR_FILE_NOT_FOUND) => Attempt::NotListening(e),
            _ => Attempt::Failed(e),
        })
}

/// The process id of the pipe's server.
pub(crate) fn server_pid(pipe: &NamedPipeClient) -> Option<u32> {
    let mut pid = 0u32;
    // SAFETY: the handle is a live pipe owned by `pipe`; `pid` is a valid
    // place for the result.
    let ok = unsafe { GetNamedPipeServerProcessId(pipe.as_raw_handle() as _, &mut pid) };
    (ok != 0).then_some(pid)
}

/// The user SID of the pipe's server: its process's token user, else the
/// pipe's owner (a service's token is usually closed to other users, but
/// whoever created the pipe owns it).
pub(crate) fn server_sid(pipe: &NamedPipeClient, pid: Option<u32>) -> Option<String> {
    pid.and_then(crate::identity::process_sid)
        .or_else(|| crate::identity::handle_owner_sid(pipe.as_raw_handle() as _))
}
