//! Plain TCP: the way out when a deployment spans machines.

use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll, ready};

use tokio::net::{TcpListener, TcpStream};

use super::connection::{Connection, Stream};
use crate::{Address, ConnectInfo, Error};

#[derive(Debug)]
pub(crate) struct TcpAcceptor {
    listener: TcpListener,
}

impl TcpAcceptor {
    /// Binds and returns the address actually bound (port 0 resolved).
    pub(crate) fn bind(address: &Address) -> Result<(TcpAcceptor, Address), Error> {
        let Address::Tcp(host_port) = address else {
            unreachable!("TcpAcceptor::bind called with {address}");
        };
        let std_listener = std::net::TcpListener::bind(host_port.as_str()).map_err(|e| {
            if e.kind() == io::ErrorKind::AddrInUse {
                Error::AddressInUse {
                    address: address.clone(),
                    source: Some(e),
                }
            } else {
                Error::io(address, "bind", e)
            }
        })?;
        let bound = std_listener
            .local_addr()
            .map_err(|e| Error::io(address, "bind", e))?;
        std_listener
            .set_nonblocking(true)
            .and_then(|()| TcpListener::from_std(std_listener))
            .map(|listener| (TcpAcceptor { listener }, Address::Tcp(bound.to_string())))
            .map_err(|e| Error::io(address, "bind", e))
    }

    pub(crate) async fn accept(&mut self) -> io::Result<Connection> {
        let (stream, peer) = std::future::poll_fn(|cx| self.poll_accept(cx)).await?;
        Ok(Connection::new(Stream::Tcp(stream), ConnectInfo::tcp(peer)))
    }

    /// The next TCP connection, set up for gRPC.
    pub(crate) fn poll_accept(
        &self,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<(TcpStream, SocketAddr)>> {
        let (stream, peer) = ready!(self.listener.poll_accept(cx))?;
        // gRPC messages are framed by HTTP/2 and flushed whole; Nagle would
        // only hold back the last segment of each.
        stream.set_nodelay(true)?;
        Poll::Ready(Ok((stream, peer)))
    }
}
