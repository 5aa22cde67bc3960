//! Opening a Unix domain socket.

use tokio::net::UnixStream;

use super::attempt::Attempt;
use crate::Address;

pub(crate) async fn open(address: &Address) -> Result<UnixStream, Attempt> {
    let result = match address {
        Address::Unix(path) => UnixStream::connect(path).await,
        // tokio connects a path that starts with NUL in the abstract namespace.
        Address::UnixAbstract(name) => UnixStream::connect(format!("\0{name}")).await,
        _ => unreachable!("unix::open called with {address}"),
    };
    result.map_err(Attempt::from_socket_error)
}
