//! `sd_notify(3)`: one datagram to `$NOTIFY_SOCKET` with lines such as
//! `READY=1`. The socket is a path, or on Linux an abstract name written
//! `@name`. Without the variable the process was not started by a service
//! manager that listens, and nothing is sent.

use std::io;
use std::os::unix::net::UnixDatagram;

/// Sends `state` (newline-separated `KEY=VALUE` lines, as `sd_notify(3)`
/// documents: `READY=1`, `STOPPING=1`, `STATUS=...`, ...) to the service
/// manager. Returns whether it was sent: `false`, and nothing done, when
/// `NOTIFY_SOCKET` is not set.
///
/// # Errors
///
/// `NOTIFY_SOCKET` is neither an absolute path nor (on Linux) `@name`, or
/// the datagram could not be sent (nothing listens there).
///
/// # Examples
///
/// ```no_run
/// # fn run() -> std::io::Result<()> {
/// piperpc::systemd::notify("STATUS=warming the cache")?;
/// # Ok(())
/// # }
/// ```
pub fn notify(state: &str) -> io::Result<bool> {
    let Some(target) = std::env::var_os("NOTIFY_SOCKET") else {
        return Ok(false);
    };
    let socket = UnixDatagram::unbound()?;
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(target.as_os_str());
    let sent = match bytes.split_first() {
        Some((b'/', _)) => socket.send_to(state.as_bytes(), &target)?,
        Some((b'@', name)) => send_to_abstract(&socket, name, state)?,
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("NOTIFY_SOCKET={target:?} is neither an absolute path nor @name"),
            ));
        }
    };
    if sent != state.len() {
        return Err(io::Error::new(
            io::ErrorKind::WriteZero,
            format!("only {sent} of {} bytes reached NOTIFY_SOCKET", state.len()),
        ));
    }
    Ok(true)
}

/// Tells the service manager the server is ready (`READY=1`): with
/// `Type=notify`, systemd holds back units ordered after this one until
/// then. Call it once every address is bound, next to
/// [`Bound::announce`](crate::server::Bound::announce). A no-op (`false`)
/// without `NOTIFY_SOCKET`.
///
/// # Errors
///
/// As [`notify`].
///
/// # Examples
///
/// ```no_run
/// use piperpc::server::Server;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let (_reporter, health) = tonic_health::server::health_reporter();
/// let bound = Server::builder().add_service(health).bind(["my-app"])?;
/// piperpc::systemd::notify_ready()?;
/// bound.serve().await?;
/// # Ok(())
/// # }
/// ```
pub fn notify_ready() -> io::Result<bool> {
    notify("READY=1")
}

/// Tells the service manager the server is stopping (`STOPPING=1`), so it
/// shows the unit as deactivating while open calls finish. A no-op
/// (`false`) without `NOTIFY_SOCKET`.
///
/// # Errors
///
/// As [`notify`].
///
/// # Examples
///
/// ```no_run
/// use piperpc::server::{Server, StopSignal};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let (_reporter, health) = tonic_health::server::health_reporter();
/// let stop = StopSignal::install()?;
/// let bound = Server::builder().add_service(health).bind(["my-app"])?;
/// bound
///     .serve_with_shutdown(async {
///         stop.stopped().await;
///         let _ = piperpc::systemd::notify_stopping();
///     })
///     .await?;
/// # Ok(())
/// # }
/// ```
pub fn notify_stopping() -> io::Result<bool> {
    notify("STOPPING=1")
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn send_to_abstract(socket: &UnixDatagram, name: &[u8], state: &str) -> io::Result<usize> {
    use std::os::linux::net::SocketAddrExt;
    let address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
    socket.send_to_addr(state.as_bytes(), &address)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn send_to_abstract(_: &UnixDatagram, _: &[u8], _: &str) -> io::Result<usize> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "NOTIFY_SOCKET names an abstract socket (@name), which only Linux has",
    ))
}
