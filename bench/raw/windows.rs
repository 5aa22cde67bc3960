//! The raw floor on Windows: a message-mode named pipe, as piperpc uses.
//!
//! Like piperpc's listener, the next instance is created before a connected
//! one is handed off, so a client never finds no instance; and a client that
//! finds every instance taken retries briefly.

use std::io;
use std::time::{Duration, Instant};

use tokio::net::windows::named_pipe::{
    ClientOptions, NamedPipeClient, NamedPipeServer, PipeMode, ServerOptions,
};

/// The client's end of a connection.
pub type ClientStream = NamedPipeClient;

/// piperpc's default pipe buffer sizes, so the floor is on equal terms.
const BUFFER: u32 = 64 * 1024;
const ERROR_PIPE_BUSY: i32 = 231;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A pipe name with an instance waiting for the next client.
pub struct Acceptor {
    path: String,
    pending: NamedPipeServer,
}

/// Creates the first instance of the pipe `path`.
pub fn bind(path: &str) -> io::Result<Acceptor> {
    Ok(Acceptor {
        path: path.to_string(),
        pending: create(path, true)?,
    })
}

impl Acceptor {
    /// Waits for the next client.
    pub async fn accept(&mut self) -> io::Result<NamedPipeServer> {
        self.pending.connect().await?;
        let next = create(&self.path, false)?;
        Ok(std::mem::replace(&mut self.pending, next))
    }
}

fn create(path: &str, first: bool) -> io::Result<NamedPipeServer> {
    ServerOptions::new()
        .pipe_mode(PipeMode::Message)
        .reject_remote_clients(true)
        .first_pipe_instance(first)
        .in_buffer_size(BUFFER)
        .out_buffer_size(BUFFER)
        .create(path)
}

/// Opens the pipe `path`, retrying while every instance is taken.
pub async fn connect(path: &str) -> io::Result<NamedPipeClient> {
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        match ClientOptions::new().pipe_mode(PipeMode::Message).open(path) {
            Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            result => return result,
        }
    }
}
