//! Windows named pipes, in message mode.
//!
//! A named pipe has no listening socket: each client takes one *instance*.
//! The first instance is created at bind with `FILE_FLAG_FIRST_PIPE_INSTANCE`
//! so a name another process already serves fails to bind (no squatting
//! behind a live server). After a client connects, the next instance is
//! created before the connected one is handed off, so there is never a moment
//! with no instance to connect to.

mod descriptor;

use std::io;
use std::sync::Arc;

use tokio::net::windows::named_pipe::{NamedPipeServer, PipeMode, ServerOptions};
use windows_sys::Win32::Foundation::{ERROR_ACCESS_DENIED, ERROR_INVALID_NAME, ERROR_PIPE_BUSY};

use super::connection::{Connection, Stream};
use super::options::ListenerOptions;
use crate::{Address, ConnectInfo, Error, identity};
use descriptor::SecurityDescriptor;

#[derive(Debug)]
pub(crate) struct PipeAcceptor {
    path: String,
    options: ListenerOptions,
    /// Applied to every instance, not only the first.
    security: Arc<SecurityDescriptor>,
    /// The instance waiting for the next client; `None` only after creating
    /// one failed (retried on the next accept).
    pending: Option<NamedPipeServer>,
}

impl PipeAcceptor {
    pub(crate) fn bind(
        address: &Address,
        options: &ListenerOptions,
    ) -> Result<PipeAcceptor, Error> {
        let Address::NamedPipe(path) = address else {
            unreachable!("PipeAcceptor::bind called with {address}");
        };
        let user = identity::current_sid().ok_or_else(|| Error::InvalidOption {
            option: "pipe security",
            reason: "cannot read this process's user SID to build the pipe's DACL".to_string(),
        })?;
        let sddl = options.pipe_security.to_sddl(&user);
        let security = SecurityDescriptor::from_sddl(&sddl).map_err(|e| Error::InvalidOption {
            option: "pipe security",
            reason: e.to_string(),
        })?;
        let first = create(path, options, &security, true).map_err(|e| {
            match e.raw_os_error().map(|code| code as u32) {
                // FILE_FLAG_FIRST_PIPE_INSTANCE fails with access denied when
                // the name exists; busy means every instance is taken.
                Some(ERROR_ACCESS_DENIED) | Some(ERROR_PIPE_BUSY) => Error::AddressInUse {
                    address: address.clone(),
                    source: Some(e),
                },
                Some(ERROR_INVALID_NAME) => Error::InvalidAddress {
                    input: path.clone(),
                    reason: "Windows rejects this pipe name".to_string(),
                },
                _ => Error::io(address, "create pipe", e),
            }
        })?;
        Ok(PipeAcceptor {
            path: path.clone(),
            options: options.clone(),
            security: Arc::new(security),
            pending: Some(first),
        })
    }

    pub(crate) async fn accept(&mut self) -> io::Result<Connection> {
        if self.pending.is_none() {
            self.pending = Some(self.create_next()?);
        }
        // Left in `self` while waiting, so a cancelled accept loses no client.
        let pending = self
            .pending
            .as_mut()
            .expect("pending instance just created");
        if let Err(e) = pending.connect().await {
            // The instance is unusable; a fresh one is made on the next accept.
            // (A client that vanished mid-connect is not this case: mio reports
            // it as connected, and the dead connection ends on its first read.)
            self.pending = None;
            return Err(e);
        }
        let connected = self
            .pending
            .take()
            .expect("pending instance just connected");
        match self.create_next() {
            Ok(next) => self.pending = Some(next),
            Err(e) => {
                tracing::warn!(path = %self.path, error = %e, "could not create the next pipe instance; retrying on next accept")
            }
        }
        let info = ConnectInfo::pipe_client(&connected);
        Ok(Connection::new(Stream::Pipe(connected), info))
    }
}

impl PipeAcceptor {
    fn create_next(&self) -> io::Result<NamedPipeServer> {
        create(&self.path, &self.options, &self.security, false)
    }
}

/// One pipe instance: message mode, local clients only, our DACL.
fn create(
    path: &str,
    options: &ListenerOptions,
    security: &SecurityDescriptor,
    first: bool,
) -> io::Result<NamedPipeServer> {
    let mut attributes = security.attributes();
    // SAFETY: `attributes` points at a live descriptor for the whole call.
    unsafe {
        ServerOptions::new()
            .pipe_mode(PipeMode::Message)
            .reject_remote_clients(true)
            .first_pipe_instance(first)
            .in_buffer_size(options.in_buffer_size)
            .out_buffer_size(options.out_buffer_size)
            .create_with_security_attributes_raw(path, (&raw mut attributes).cast())
    }
}
