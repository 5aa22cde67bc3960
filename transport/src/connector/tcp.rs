//! Opening a TCP stream.

use tokio::net::TcpStream;

use super::attempt::Attempt;

pub(crate) async fn open(host_port: &str) -> Result<TcpStream, Attempt> {
    let stream = TcpStream::connect(host_port)
        .await
        .map_err(Attempt::from_socket_error)?;
    stream.set_nodelay(true).map_err(Attempt::Failed)?;
    Ok(stream)
}
