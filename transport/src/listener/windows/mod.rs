//! Windows named pipes, in message mode.
//!
//! A named pipe has no listening socket: each client takes one *instance*.
//! The first instance is created at bind with `FILE_FLAG_FIRST_PIPE_INSTANCE`
//! so a name another process already serves fails to bind (no squatting
//! behind a live server). The listener keeps
//! [`pending_instances`](crate::ListenerOptions::pending_instances) instances
//! waiting, all with the same security descriptor, since a pipe has no
//! backlog: a burst of clients gets in at once instead of finding the pipe
//! busy. After a client connects, its instance is replaced before the
//! connected one is handed off.

mod descriptor;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use tokio::net::windows::named_pipe::{NamedPipeServer, PipeMode, ServerOptions};
use windows_sys::Win32::Foundation::{ERROR_ACCESS_DENIED, ERROR_INVALID_NAME, ERROR_PIPE_BUSY};

use super::connection::{Connection, Stream};
use super::options::ListenerOptions;
use super::pipe_security::pipe_label;
use crate::{Address, ConnectInfo, Error, identity};
use descriptor::SecurityDescriptor;

#[derive(Debug)]
pub(crate) struct PipeAcceptor {
    path: String,
    options: ListenerOptions,
    /// Applied to every instance, not only the first.
    security: Arc<SecurityDescriptor>,
    /// The instances waiting for clients: `options.pending_instances` of
    /// them, fewer only after creating one failed (retried on the next
    /// accept).
    pending: Vec<NamedPipeServer>,
}

impl PipeAcceptor {
    pub(crate) fn bind(
        address: &Address,
        options: &ListenerOptions,
    ) -> Result<PipeAcceptor, Error> {
        let Address::NamedPipe(path) = address else {
            unreachable!("PipeAcceptor::bind called with {address}");
        };
        let user = identity::current_sid().ok_or_else(|| {
            Error::invalid_option(
                "pipe security",
                "cannot read this process's user SID to build the pipe's DACL",
            )
        })?;
        let label = pipe_label(
            options.pipe_min_integrity,
            identity::current_token().integrity,
        )
        .map_err(|reason| Error::invalid_option("pipe integrity", reason))?;
        let sddl = options.pipe_security.to_sddl(&user, label);
        let security = SecurityDescriptor::from_sddl(&sddl)
            .map_err(|e| Error::invalid_option_from("pipe security", e.to_string(), e))?;
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
        let mut acceptor = PipeAcceptor {
            path: path.clone(),
            options: options.clone(),
            security: Arc::new(security),
            pending: vec![first],
        };
        acceptor
            .fill()
            .map_err(|e| Error::io(address, "create pipe", e))?;
        Ok(acceptor)
    }

    pub(crate) async fn accept(&mut self) -> io::Result<Connection> {
        if let Err(e) = self.fill() {
            if self.pending.is_empty() {
                return Err(e);
            }
            self.fill_failed(&e);
        }
        // The instances stay in `self` while waiting, and a connect future is
        // cancel-safe, so a cancelled accept loses no client.
        let (index, result) = {
            let mut connects: Vec<Pin<Box<dyn Future<Output = io::Result<()>> + Send + '_>>> = self
                .pending
                .iter()
                .map(|instance| Box::pin(instance.connect()) as Pin<Box<_>>)
                .collect();
            std::future::poll_fn(|cx| {
                for (index, connect) in connects.iter_mut().enumerate() {
                    if let Poll::Ready(result) = connect.as_mut().poll(cx) {
                        return Poll::Ready((index, result));
                    }
                }
                Poll::Pending
            })
            .await
        };
        let instance = self.pending.swap_remove(index);
        // On an error the instance is dropped as unusable; a fresh one is
        // made on the next accept. (A client that vanished mid-connect is not
        // this case: mio reports it as connected, and the dead connection
        // ends on its first read.)
        result?;
        if let Err(e) = self.fill() {
            self.fill_failed(&e);
        }
        let info = ConnectInfo::pipe_client(&instance);
        Ok(Connection::new(Stream::Pipe(instance), info))
    }
}

impl PipeAcceptor {
    /// Tops the waiting instances up to `options.pending_instances`.
    fn fill(&mut self) -> io::Result<()> {
        while self.pending.len() < self.options.pending_instances {
            let next = create(&self.path, &self.options, &self.security, false)?;
            self.pending.push(next);
        }
        Ok(())
    }

    /// Logs a failed top-up, which the next accept retries. Busy means the
    /// pipe has all the instances Windows allows (255), connected ones
    /// included: expected under load, so not a warning.
    fn fill_failed(&self, error: &io::Error) {
        if error.raw_os_error() == Some(ERROR_PIPE_BUSY as i32) {
            tracing::debug!(path = %self.path, waiting = self.pending.len(), "the pipe has as many instances as Windows allows; the next accept retries");
        } else {
            tracing::warn!(path = %self.path, error = %error, waiting = self.pending.len(), "could not create a waiting pipe instance; the next accept retries");
        }
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
