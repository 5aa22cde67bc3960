//! A client's open stream, whatever the transport.

use super::attempt::Attempt;
use crate::Address;
use crate::io::forward_async_io;

/// An open client stream to a piperpc (or any gRPC) server.
#[derive(Debug)]
pub struct ClientStream {
    inner: Inner,
}

#[derive(Debug)]
pub(crate) enum Inner {
    Tcp(tokio::net::TcpStream),
    #[cfg(unix)]
    Unix(tokio::net::UnixStream),
    #[cfg(windows)]
    Pipe(tokio::net::windows::named_pipe::NamedPipeClient),
}

forward_async_io!(
    ClientStream,
    inner,
    Inner {
        Tcp,
        #[cfg(unix)]
        Unix,
        #[cfg(windows)]
        Pipe,
    }
);

/// One connect attempt, without retries.
pub(crate) async fn open(address: &Address) -> Result<ClientStream, Attempt> {
    let inner = match address {
        Address::Tcp(host_port) => Inner::Tcp(super::tcp::open(host_port).await?),
        #[cfg(unix)]
        Address::Unix(_) | Address::UnixAbstract(_) => {
            Inner::Unix(super::unix::open(address).await?)
        }
        #[cfg(windows)]
        Address::NamedPipe(path) => Inner::Pipe(super::windows::open(path)?),
        #[allow(unreachable_patterns)]
        _ => {
            return Err(Attempt::Failed(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "this address form does not exist on this OS",
            )));
        }
    };
    Ok(ClientStream { inner })
}
