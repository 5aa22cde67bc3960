//! Unix domain sockets (and Linux abstract sockets).
//!
//! A socket file outlives a crashed server, so binding first probes an
//! existing file: refused means stale (removed), accepted means a live server
//! (`AddressInUse`). The file is made owner-only (or the configured mode)
//! before the first accept, and removed on drop if it is still ours. A
//! socket handed over by a service manager (`inherited`) is not ours: its
//! file is left as it is.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tokio::net::UnixListener;

use super::connection::{Connection, Stream};
use super::options::ListenerOptions;
use crate::address::default_dir::{DirState, check_private, is_in_default_dir};
use crate::{Address, ConnectInfo, Error, address::default_socket_dir};

#[derive(Debug)]
pub(crate) struct UnixAcceptor {
    listener: UnixListener,
    _file: Option<SocketFile>,
}

impl UnixAcceptor {
    pub(crate) fn bind(
        address: &Address,
        options: &ListenerOptions,
    ) -> Result<UnixAcceptor, Error> {
        let in_use = |e: io::Error| match e.kind() {
            io::ErrorKind::AddrInUse => Error::AddressInUse {
                address: address.clone(),
                source: Some(e),
            },
            _ => Error::io(address, "bind", e),
        };
        match address {
            Address::Unix(path) => {
                if is_in_default_dir(path) {
                    ensure_private_dir(address, &default_socket_dir())?;
                }
                reclaim_stale(address, path)?;
                let listener = UnixListener::bind(path).map_err(in_use)?;
                let file = SocketFile::new(path).map_err(|e| Error::io(address, "stat", e))?;
                fs::set_permissions(path, fs::Permissions::from_mode(options.socket_mode))
                    .map_err(|e| Error::io(address, "chmod", e))?;
                Ok(UnixAcceptor {
                    listener,
                    _file: Some(file),
                })
            }
            Address::UnixAbstract(name) => {
                // tokio binds a path that starts with NUL in the abstract namespace.
                let listener = UnixListener::bind(format!("\0{name}")).map_err(in_use)?;
                Ok(UnixAcceptor {
                    listener,
                    _file: None,
                })
            }
            _ => unreachable!("UnixAcceptor::bind called with {address}"),
        }
    }

    /// Serves a socket bound by someone else (see `inherited`): its file,
    /// if it has one, is theirs, so it is neither chmod'ed nor removed.
    pub(crate) fn adopt(
        listener: std::os::unix::net::UnixListener,
        address: &Address,
    ) -> Result<UnixAcceptor, Error> {
        listener
            .set_nonblocking(true)
            .and_then(|()| UnixListener::from_std(listener))
            .map(|listener| UnixAcceptor {
                listener,
                _file: None,
            })
            .map_err(|e| Error::io(address, "adopt", e))
    }

    pub(crate) async fn accept(&mut self) -> io::Result<Connection> {
        let (stream, _) = self.listener.accept().await?;
        let info = ConnectInfo::unix_peer(&stream)?;
        Ok(Connection::new(Stream::Unix(stream), info))
    }
}

/// Creates `dir` 0700 if missing, and refuses it unless it is private
/// (see [`check_private`]).
fn ensure_private_dir(address: &Address, dir: &Path) -> Result<(), Error> {
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(Error::io(address, "create directory for", e)),
    }
    match check_private(dir) {
        Ok(DirState::Private) => Ok(()),
        Ok(DirState::Unsafe(reason)) => Err(Error::Insecure {
            address: address.clone(),
            operation: "bind",
            reason,
        }),
        Ok(DirState::Missing) => Err(Error::io(
            address,
            "create directory for",
            io::Error::new(io::ErrorKind::NotFound, "removed as soon as it was made"),
        )),
        Err(e) => Err(Error::io(address, "stat directory of", e)),
    }
}

/// Removes a socket file that no server answers on; refuses a live one.
fn reclaim_stale(address: &Address, path: &Path) -> Result<(), Error> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(address, "stat", e)),
    };
    if !meta.file_type().is_socket() {
        return Err(Error::Io {
            address: address.clone(),
            operation: "bind",
            source: io::Error::new(
                io::ErrorKind::AlreadyExists,
                "the path exists and is not a socket; not removing it",
            ),
        });
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(Error::AddressInUse {
            address: address.clone(),
            source: None,
        }),
        Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            tracing::info!(path = %path.display(), "removing stale socket file");
            fs::remove_file(path).map_err(|e| Error::io(address, "remove stale socket", e))
        }
        Err(e) => Err(Error::io(address, "probe existing socket", e)),
    }
}

/// The socket file this listener created, removed on drop if it is still
/// the same file (a server started after us may have replaced it).
#[derive(Debug)]
struct SocketFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl SocketFile {
    fn new(path: &Path) -> io::Result<SocketFile> {
        let meta = fs::symlink_metadata(path)?;
        Ok(SocketFile {
            path: path.to_path_buf(),
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        match fs::symlink_metadata(&self.path) {
            Ok(meta) if meta.dev() == self.dev && meta.ino() == self.ino => {
                if let Err(e) = fs::remove_file(&self.path) {
                    tracing::warn!(path = %self.path.display(), error = %e, "could not remove socket file");
                }
            }
            _ => {}
        }
    }
}
