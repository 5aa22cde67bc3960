//! Opening a named pipe, in message mode, as an identity the server cannot
//! impersonate.

use tokio::net::windows::named_pipe::{ClientOptions, NamedPipeClient, PipeMode};
use windows_sys::Win32::Foundation::{ERROR_FILE_NOT_FOUND, ERROR_PIPE_BUSY};
use windows_sys::Win32::Storage::FileSystem::SECURITY_IDENTIFICATION;

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
