//! Plain TCP: the way out when a deployment spans machines.

use std::io;
use std::net::SocketAddr;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

use super::ListenerOptions;
use super::connection::{Connection, Stream};
use crate::{Address, ConnectInfo, Error};

#[derive(Debug)]
pub(crate) struct TcpAcceptor {
    listener: TcpListener,
    nodelay: bool,
    keepalive: Option<Duration>,
}

impl TcpAcceptor {
    /// Binds and returns the address actually bound (port 0 resolved).
    pub(crate) fn bind(
        address: &Address,
        options: &ListenerOptions,
    ) -> Result<(TcpAcceptor, Address), Error> {
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
        let bound = Address::Tcp(bound.to_string());
        let acceptor = TcpAcceptor::adopt(std_listener, &bound, options)?;
        Ok((acceptor, bound))
    }

    /// Serves a listening socket: one just bound, or one handed over (see
    /// `inherited`).
    pub(crate) fn adopt(
        listener: std::net::TcpListener,
        address: &Address,
        options: &ListenerOptions,
    ) -> Result<TcpAcceptor, Error> {
        listener
            .set_nonblocking(true)
            .and_then(|()| TcpListener::from_std(listener))
            .map(|listener| TcpAcceptor {
                listener,
                nodelay: options.tcp_nodelay,
                keepalive: options.tcp_keepalive,
            })
            .map_err(|e| Error::io(address, "serve", e))
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
        stream.set_nodelay(self.nodelay)?;
        if let Some(idle) = self.keepalive {
            let keepalive = socket2::TcpKeepalive::new().with_time(idle);
            socket2::SockRef::from(&stream).set_tcp_keepalive(&keepalive)?;
        }
        Poll::Ready(Ok((stream, peer)))
    }
}
