//! Listening sockets this process was handed rather than bound itself:
//! by a service manager (systemd socket activation, see
//! [`crate::systemd`]), or by a parent that bound them.
//!
//! Such a socket is checked once, when it is taken: a descriptor that is
//! not a listening stream socket of a kind piperpc serves (Unix or TCP) is
//! refused here, naming the descriptor, rather than failing on the first
//! accept. It becomes a [`Listener`](crate::Listener) only through
//! [`ListenerOptions::adopt`](crate::ListenerOptions::adopt) or
//! [`Server::bind_inherited`](crate::Server::bind_inherited), so the peer
//! policy, the handshake timeout, the connection limit, the `:authority`
//! fix for stock clients, [`ConnectInfo`](crate::ConnectInfo) and TLS apply
//! to it exactly as to a bound one.
//!
//! What differs is ownership of the socket file: whoever bound it owns it.
//! An adopted Unix socket's file is neither chmod'ed (the service manager
//! set its mode: `SocketMode=` in a `.socket` unit) nor removed when the
//! listener is dropped (the service manager keeps listening on it, and
//! starts the service again on the next connection).

use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use crate::{Address, Error};

/// A listening socket handed to this process, ready to be served.
///
/// Made from a file descriptor by [`InheritedSocket::from_fd`], or by
/// [`systemd::listen_fds`](crate::systemd::listen_fds) from the ones a
/// service manager passed.
///
/// # Examples
///
/// ```no_run
/// use piperpc::{InheritedSocket, ListenerOptions, PeerPolicy};
///
/// # async fn run() -> Result<(), piperpc::Error> {
/// // A socket bound by someone else, its descriptor passed to us.
/// let bound_elsewhere = std::os::unix::net::UnixListener::bind("/tmp/app.sock").unwrap();
/// let socket = InheritedSocket::from_fd(bound_elsewhere.into())?;
/// let listener = ListenerOptions::new()
///     .peer_policy(PeerPolicy::same_user())
///     .adopt(socket)?;
/// # Ok(())
/// # }
/// ```
pub struct InheritedSocket {
    listener: Inherited,
    address: Address,
    name: Option<String>,
}

pub(crate) enum Inherited {
    Unix(std::os::unix::net::UnixListener),
    Tcp(std::net::TcpListener),
}

impl InheritedSocket {
    /// Takes `fd`, which must be a listening stream socket: a Unix socket
    /// (a path, or on Linux an abstract name) or TCP over IPv4 or IPv6. It
    /// is made close-on-exec, so processes this one starts do not inherit
    /// it.
    ///
    /// # Errors
    ///
    /// [`Error::Inherited`], naming the descriptor, when it is not a socket,
    /// not a stream socket (a datagram socket, say), not listening (a
    /// connection, as systemd's `Accept=yes` hands over), of another family,
    /// or an unnamed Unix socket (which no client can reach).
    ///
    /// # Examples
    ///
    /// ```no_run
    /// use piperpc::InheritedSocket;
    ///
    /// # fn run() -> Result<(), Box<dyn std::error::Error>> {
    /// let bound_elsewhere = std::net::TcpListener::bind("127.0.0.1:0")?;
    /// let socket = InheritedSocket::from_fd(bound_elsewhere.into())?;
    /// println!("handed {}", socket.local_address());
    /// # Ok(())
    /// # }
    /// ```
    pub fn from_fd(fd: OwnedFd) -> Result<InheritedSocket, Error> {
        let raw = fd.as_raw_fd();
        let refuse = |reason: String| Error::Inherited {
            fd: raw,
            reason,
            source: None,
        };
        let os_error = |doing: &str, e: io::Error| Error::Inherited {
            fd: raw,
            reason: match e.raw_os_error() {
                Some(libc::ENOTSOCK) => "is not a socket".to_string(),
                _ => format!("could not be examined ({doing}): {e}"),
            },
            source: Some(e),
        };
        set_cloexec(&fd).map_err(|e| os_error("making it close-on-exec", e))?;
        let socket = socket2::SockRef::from(&fd);
        let kind = socket
            .r#type()
            .map_err(|e| os_error("reading its type", e))?;
        if kind != socket2::Type::STREAM {
            return Err(refuse(format!(
                "is not a stream socket ({}); piperpc serves HTTP/2 on stream sockets only \
                 (ListenStream= in a .socket unit)",
                type_name(kind)
            )));
        }
        if !is_listening(&fd).map_err(|e| os_error("asking whether it listens", e))? {
            return Err(refuse(
                "is a stream socket that does not listen (a connection? a .socket unit with \
                 Accept=yes hands over connections: use Accept=no)"
                    .to_string(),
            ));
        }
        let local = socket
            .local_addr()
            .map_err(|e| os_error("reading its address", e))?;
        let (listener, address) = if local.is_unix() {
            let listener = std::os::unix::net::UnixListener::from(fd);
            let local = listener
                .local_addr()
                .map_err(|e| os_error("reading its address", e))?;
            let address = unix_address(&local).ok_or_else(|| {
                refuse("is an unnamed Unix socket, which no client can connect to".to_string())
            })?;
            (Inherited::Unix(listener), address)
        } else if let Some(inet) = local.as_socket() {
            let listener = std::net::TcpListener::from(fd);
            (Inherited::Tcp(listener), Address::Tcp(inet.to_string()))
        } else {
            return Err(refuse(format!(
                "is a socket of address family {}, neither Unix nor TCP",
                local.family()
            )));
        };
        Ok(InheritedSocket {
            listener,
            address,
            name: None,
        })
    }

    /// The address the socket listens on (`unix:PATH`, `unix-abstract:NAME`
    /// or `HOST:PORT`), as [`Listener::local_address`](crate::Listener::local_address)
    /// will give it.
    pub fn local_address(&self) -> &Address {
        &self.address
    }

    /// The name the service manager gave it (`FileDescriptorName=` in a
    /// `.socket` unit, passed as `LISTEN_FDNAMES`), if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    pub(crate) fn with_name(mut self, name: Option<String>) -> InheritedSocket {
        self.name = name;
        self
    }

    pub(crate) fn into_parts(self) -> (Inherited, Address) {
        (self.listener, self.address)
    }
}

impl fmt::Debug for InheritedSocket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fd = match &self.listener {
            Inherited::Unix(listener) => listener.as_raw_fd(),
            Inherited::Tcp(listener) => listener.as_raw_fd(),
        };
        f.debug_struct("InheritedSocket")
            .field("fd", &fd)
            .field("address", &self.address)
            .field("name", &self.name)
            .finish()
    }
}

/// `unix:PATH` or, on Linux, `unix-abstract:NAME`; `None` when unnamed.
fn unix_address(local: &std::os::unix::net::SocketAddr) -> Option<Address> {
    if let Some(path) = local.as_pathname() {
        return Some(Address::Unix(path.to_path_buf()));
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::os::linux::net::SocketAddrExt;
        if let Some(name) = local.as_abstract_name() {
            return Some(Address::UnixAbstract(
                String::from_utf8_lossy(name).into_owned(),
            ));
        }
    }
    None
}

fn type_name(kind: socket2::Type) -> String {
    if kind == socket2::Type::DGRAM {
        "a datagram socket".to_string()
    } else if kind == socket2::Type::SEQPACKET {
        "a seqpacket socket".to_string()
    } else {
        format!("socket type {}", libc::c_int::from(kind))
    }
}

fn set_cloexec(fd: &impl AsFd) -> io::Result<()> {
    let fd = fd.as_fd().as_raw_fd();
    // SAFETY: fcntl on a descriptor we own; F_GETFD/F_SETFD touch only its flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFD) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    if flags & libc::FD_CLOEXEC == 0 {
        // SAFETY: as above.
        if unsafe { libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC) } < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// `SO_ACCEPTCONN`: whether `listen(2)` was called on the socket (Linux and
/// macOS both have it).
fn is_listening(fd: &impl AsFd) -> io::Result<bool> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `value`, an int.
    let result = unsafe {
        libc::getsockopt(
            fd.as_fd().as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ACCEPTCONN,
            (&raw mut value).cast(),
            &raw mut len,
        )
    };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(value != 0)
}
