//! The floor on Windows: a message-mode named pipe, as piperpc uses, with
//! blocking (not overlapped) handles on both ends.
//!
//! Each instance is read in byte mode: the floor's protocol frames its own
//! messages, and a byte-mode read never fails with "more data".

use std::fs::File;
use std::io;
use std::os::windows::io::{AsRawHandle, FromRawHandle};
use std::time::{Duration, Instant};

use windows_sys::Win32::Foundation::{ERROR_PIPE_CONNECTED, GetLastError, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Storage::FileSystem::PIPE_ACCESS_DUPLEX;
use windows_sys::Win32::System::Pipes::{
    ConnectNamedPipe, CreateNamedPipeW, PIPE_READMODE_BYTE, PIPE_REJECT_REMOTE_CLIENTS,
    PIPE_TYPE_MESSAGE, PIPE_UNLIMITED_INSTANCES, PIPE_WAIT,
};

/// The client's end of a connection.
pub type ClientStream = File;

/// piperpc's default pipe buffer sizes, so the floor is on equal terms.
const BUFFER: u32 = 64 * 1024;
const ERROR_PIPE_BUSY: i32 = 231;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A pipe name with an instance waiting for the next client; like
/// piperpc's listener, the next instance is created before a connected one
/// is handed off, so a client never finds none.
pub struct Acceptor {
    name: Vec<u16>,
    pending: File,
}

/// Creates the first instance of the pipe `path`.
pub fn bind(path: &str) -> io::Result<Acceptor> {
    let name: Vec<u16> = path.encode_utf16().chain([0]).collect();
    let pending = create(&name)?;
    Ok(Acceptor { name, pending })
}

impl Acceptor {
    /// Waits, blocking, for a client on the pending instance.
    pub fn accept(&mut self) -> io::Result<File> {
        // SAFETY: a valid pipe handle, owned by `pending`; no overlapped I/O.
        let connected =
            unsafe { ConnectNamedPipe(self.pending.as_raw_handle(), std::ptr::null_mut()) };
        if connected == 0 && unsafe { GetLastError() } != ERROR_PIPE_CONNECTED {
            return Err(io::Error::last_os_error());
        }
        let next = create(&self.name)?;
        Ok(std::mem::replace(&mut self.pending, next))
    }
}

fn create(name: &[u16]) -> io::Result<File> {
    // SAFETY: a NUL-terminated name; default security.
    let handle = unsafe {
        CreateNamedPipeW(
            name.as_ptr(),
            PIPE_ACCESS_DUPLEX,
            PIPE_TYPE_MESSAGE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
            PIPE_UNLIMITED_INSTANCES,
            BUFFER,
            BUFFER,
            0,
            std::ptr::null(),
        )
    };
    if handle == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh handle that nothing else owns.
    Ok(unsafe { File::from_raw_handle(handle) })
}

/// Opens the pipe `path`, retrying while every instance is taken.
pub fn connect(path: &str) -> io::Result<File> {
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
        {
            Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1));
            }
            result => return result,
        }
    }
}
