//! `sd_listen_fds(3)`: the sockets a service manager passed.
//!
//! systemd starts the service with the sockets of its `.socket` unit as
//! descriptors 3, 4, ... and says so in the environment: `LISTEN_FDS` (how
//! many), `LISTEN_PID` (for which process: a child that inherits the
//! variables is not meant, and takes nothing) and `LISTEN_FDNAMES` (their
//! `FileDescriptorName=`s, colon-separated).
//!
//! The variables are read, never removed: changing the environment is
//! unsound while other threads may read it (Rust 2024 made
//! `std::env::remove_var` `unsafe` for that reason), and a tokio
//! application has such threads. Nothing is lost by keeping them: the
//! descriptors are made close-on-exec, and a child has another pid. An
//! application that wants them gone removes them in `main` before it
//! starts any thread, as `piperpc serve` does. Descriptors are taken once
//! per process: a second call finds none, so no descriptor gets two owners.

use std::ffi::OsStr;
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Error, InheritedSocket};

/// The first descriptor passed (`SD_LISTEN_FDS_START`).
const FIRST_FD: RawFd = 3;

/// More than any `.socket` unit passes; a larger count is a broken
/// environment, not sockets.
const MAX_FDS: u32 = 4096;

static TAKEN: AtomicBool = AtomicBool::new(false);

/// The listening sockets the service manager passed to this process
/// (systemd socket activation), in the order of its `.socket` unit, each
/// named by `FileDescriptorName=` when the unit gives names.
///
/// Empty when the process was not socket-activated: `LISTEN_PID` is unset
/// or names another process (the variables were inherited from a parent),
/// or the sockets were taken by an earlier call. Each socket is made
/// close-on-exec. Serve them with [`Server::bind_inherited`](crate::Server::bind_inherited)
/// or [`ListenerOptions::adopt`](crate::ListenerOptions::adopt), under
/// the same peer policy as a bound address.
///
/// # Errors
///
/// [`Error::InvalidOption`] when `LISTEN_PID`, `LISTEN_FDS` or
/// `LISTEN_FDNAMES` cannot be read; [`Error::Inherited`], naming the
/// descriptor, for one that is not open or not a listening Unix or TCP
/// stream socket (a `.socket` unit with `ListenDatagram=` or `Accept=yes`).
///
/// # Examples
///
/// ```no_run
/// use piperpc::systemd;
///
/// # fn run() -> Result<(), piperpc::Error> {
/// for socket in systemd::listen_fds()? {
///     println!("{} ({:?})", socket.local_address(), socket.name());
/// }
/// # Ok(())
/// # }
/// ```
pub fn listen_fds() -> Result<Vec<InheritedSocket>, Error> {
    let passed = parse(
        std::env::var_os("LISTEN_PID").as_deref(),
        std::env::var_os("LISTEN_FDS").as_deref(),
        std::env::var_os("LISTEN_FDNAMES").as_deref(),
        std::process::id(),
    )?;
    let Some(names) = passed else {
        return Ok(Vec::new());
    };
    if TAKEN.swap(true, Ordering::SeqCst) {
        tracing::debug!("the passed sockets were taken already");
        return Ok(Vec::new());
    }
    let mut sockets = Vec::with_capacity(names.len());
    for (fd, name) in (FIRST_FD..).zip(names) {
        // SAFETY: F_GETFD only reads the descriptor's flags; a closed one
        // answers EBADF.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            let error = std::io::Error::last_os_error();
            return Err(Error::Inherited {
                fd,
                reason: format!("is not open, though LISTEN_FDS says it was passed: {error}"),
                source: Some(error),
            });
        }
        // SAFETY: the descriptor is open, and the service manager passed it
        // to this process (LISTEN_PID) for it to own; TAKEN makes this the
        // only owner the process makes.
        let owned = unsafe { OwnedFd::from_raw_fd(fd) };
        sockets.push(InheritedSocket::from_fd(owned)?.with_name(name));
    }
    tracing::info!(
        count = sockets.len(),
        "took the sockets the service manager passed"
    );
    Ok(sockets)
}

/// The names of the passed descriptors (`None` where unnamed), one per
/// descriptor; `None` when none were passed to `pid`.
fn parse(
    listen_pid: Option<&OsStr>,
    listen_fds: Option<&OsStr>,
    listen_fdnames: Option<&OsStr>,
    pid: u32,
) -> Result<Option<Vec<Option<String>>>, Error> {
    let Some(listen_pid) = listen_pid else {
        return Ok(None);
    };
    let number = |option: &'static str, value: &OsStr| {
        value
            .to_str()
            .and_then(|text| text.trim().parse::<u32>().ok())
            .ok_or_else(|| Error::invalid_option(option, format!("{value:?} is not a number")))
    };
    if number("LISTEN_PID", listen_pid)? != pid {
        // Meant for another process: our parent, say.
        return Ok(None);
    }
    let count = match listen_fds {
        Some(value) => number("LISTEN_FDS", value)?,
        None => 0,
    };
    if count > MAX_FDS {
        return Err(Error::invalid_option(
            "LISTEN_FDS",
            format!("{count} descriptors is more than any service manager passes"),
        ));
    }
    let count = count as usize;
    let names = match listen_fdnames {
        None => vec![None; count],
        Some(names) => {
            let names = names.to_str().ok_or_else(|| {
                Error::invalid_option("LISTEN_FDNAMES", format!("{names:?} is not UTF-8"))
            })?;
            let names: Vec<_> = if count == 0 {
                Vec::new()
            } else {
                names
                    .split(':')
                    .map(|name| Some(name.to_string()).filter(|n| !n.is_empty()))
                    .collect()
            };
            if names.len() != count {
                return Err(Error::invalid_option(
                    "LISTEN_FDNAMES",
                    format!("{} names for {count} descriptors (LISTEN_FDS)", names.len()),
                ));
            }
            names
        }
    };
    Ok(Some(names))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(text: &str) -> Option<&OsStr> {
        Some(OsStr::new(text))
    }

    #[test]
    fn nothing_was_passed_without_listen_pid() {
        assert!(parse(None, os("2"), None, 42).unwrap().is_none());
    }

    #[test]
    fn sockets_for_another_process_are_not_ours() {
        assert!(parse(os("41"), os("2"), None, 42).unwrap().is_none());
    }

    #[test]
    fn sockets_for_this_process_are_counted_and_named() {
        assert_eq!(
            parse(os("42"), os("2"), None, 42).unwrap(),
            Some(vec![None, None])
        );
        assert_eq!(
            parse(os("42"), os("3"), os("web::admin"), 42).unwrap(),
            Some(vec![
                Some("web".to_string()),
                None,
                Some("admin".to_string())
            ])
        );
        assert_eq!(parse(os("42"), None, None, 42).unwrap(), Some(vec![]));
        assert_eq!(parse(os("42"), os("0"), os(""), 42).unwrap(), Some(vec![]));
    }

    #[test]
    fn a_broken_environment_is_an_error_naming_the_variable() {
        let error = parse(os("me"), os("1"), None, 42).unwrap_err();
        assert!(error.to_string().contains("LISTEN_PID"), "{error}");
        let error = parse(os("42"), os("-1"), None, 42).unwrap_err();
        assert!(error.to_string().contains("LISTEN_FDS"), "{error}");
        let error = parse(os("42"), os("99999999"), None, 42).unwrap_err();
        assert!(error.to_string().contains("LISTEN_FDS"), "{error}");
        let error = parse(os("42"), os("2"), os("web"), 42).unwrap_err();
        assert!(error.to_string().contains("1 names for 2"), "{error}");
    }
}
