//! Opening a named pipe as an identity the server cannot impersonate, in
//! the read mode the server's pipe type allows.
//!
//! piperpc's own servers create message-type pipes; other stacks (Node's
//! grpc-js, go-winio by default, Kestrel) create byte-type ones, on which
//! Windows refuses `PIPE_READMODE_MESSAGE` with `ERROR_INVALID_PARAMETER`.
//! The pipe type is a property of the server's pipe that the client's handle
//! reports (`GetNamedPipeInfo`), so the read mode is chosen from it, with no
//! failed round trip: message mode on a message-type pipe, byte mode (the
//! handle's default) on a byte-type one. HTTP/2 frames its own messages, so
//! either mode carries it: mio reads a message-type pipe's `ERROR_MORE_DATA`
//! as a partial read, and a byte-type pipe never reports it.

use std::io;
use std::os::windows::io::AsRawHandle;

use tokio::net::windows::named_pipe::{ClientOptions, NamedPipeClient, PipeMode};
use windows_sys::Win32::Foundation::{ERROR_FILE_NOT_FOUND, ERROR_PIPE_BUSY};
use windows_sys::Win32::Storage::FileSystem::SECURITY_IDENTIFICATION;
use windows_sys::Win32::System::Pipes::{PIPE_READMODE_MESSAGE, SetNamedPipeHandleState};

use super::attempt::Attempt;

pub(crate) fn open(path: &str) -> Result<NamedPipeClient, Attempt> {
    let client = ClientOptions::new()
        // Byte mode here means "leave the read mode alone": tokio then skips
        // SetNamedPipeHandleState, which is done below once the type is known.
        .pipe_mode(PipeMode::Byte)
        // The server may learn who we are, never act as us
        // (tokio adds SECURITY_SQOS_PRESENT).
        .security_qos_flags(SECURITY_IDENTIFICATION)
        .open(path)
        .map_err(|e| match e.raw_os_error().map(|code| code as u32) {
            Some(ERROR_PIPE_BUSY) => Attempt::Busy(e),
            Some(ERROR_FILE_NOT_FOUND) => Attempt::NotListening(e),
            _ => Attempt::Failed(e),
        })?;
    match_read_mode_to_pipe_type(&client).map_err(Attempt::Failed)?;
    Ok(client)
}

/// Message read mode where the server's pipe is message type; byte-type
/// pipes keep the byte read mode every client handle starts in.
fn match_read_mode_to_pipe_type(client: &NamedPipeClient) -> io::Result<()> {
    if client.info()?.mode != PipeMode::Message {
        return Ok(());
    }
    let mode = PIPE_READMODE_MESSAGE;
    // SAFETY: the handle is the client's own and open for this call; `mode`
    // outlives it; null leaves the collection settings as they are.
    let ok = unsafe {
        SetNamedPipeHandleState(
            client.as_raw_handle() as _,
            &mode,
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::windows::io::AsRawHandle;

    use tokio::net::windows::named_pipe::{PipeMode, ServerOptions};
    use windows_sys::Win32::System::Pipes::{GetNamedPipeHandleStateW, PIPE_READMODE_MESSAGE};

    use super::open;

    /// The read mode the connector left the client handle in.
    fn reads_in_message_mode(client: &tokio::net::windows::named_pipe::NamedPipeClient) -> bool {
        let mut state = 0;
        // SAFETY: an open handle; every pointer but the state's is null,
        // which asks for nothing else.
        let ok = unsafe {
            GetNamedPipeHandleStateW(
                client.as_raw_handle() as _,
                &mut state,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                0,
            )
        };
        assert_ne!(ok, 0, "{}", std::io::Error::last_os_error());
        state & PIPE_READMODE_MESSAGE != 0
    }

    async fn client_of(mode: PipeMode, tag: &str) -> bool {
        let name = format!(r"\\.\pipe\piperpc-readmode-{tag}-{}", std::process::id());
        let _server = ServerOptions::new()
            .pipe_mode(mode)
            .create(&name)
            .expect("create the pipe");
        let client = open(&name).unwrap_or_else(|e| panic!("open {name}: {e:?}"));
        assert_eq!(client.info().expect("pipe info").mode, mode);
        reads_in_message_mode(&client)
    }

    #[tokio::test]
    async fn a_message_type_pipe_is_read_in_message_mode() {
        assert!(client_of(PipeMode::Message, "message").await);
    }

    #[tokio::test]
    async fn a_byte_type_pipe_is_read_in_byte_mode() {
        assert!(!client_of(PipeMode::Byte, "byte").await);
    }
}
