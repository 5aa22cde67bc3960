//! tonic over tokio named pipes in byte mode, with tonic's defaults: the
//! next instance is created as soon as one is connected, as tokio's
//! documentation shows.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::windows::named_pipe::{
    ClientOptions, NamedPipeClient, NamedPipeServer, ServerOptions,
};
use tokio_stream::Stream;
use tonic::transport::server::Connected;

const ERROR_PIPE_BUSY: i32 = 231;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The connections to the pipe `path`, as tonic's `serve_with_incoming`
/// takes them.
pub fn incoming(path: &str) -> io::Result<impl Stream<Item = io::Result<PipeConnection>>> {
    let path = path.to_string();
    let mut pending = ServerOptions::new()
        .first_pipe_instance(true)
        .create(&path)?;
    Ok(async_stream::stream! {
        loop {
            if let Err(error) = pending.connect().await {
                yield Err(error);
                continue;
            }
            match ServerOptions::new().create(&path) {
                Ok(next) => yield Ok(PipeConnection(std::mem::replace(&mut pending, next))),
                Err(error) => {
                    yield Err(error);
                    break;
                }
            }
        }
    })
}

/// Opens the pipe `path`, retrying while every instance is taken.
pub async fn connect(path: &str) -> io::Result<NamedPipeClient> {
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        match ClientOptions::new().open(path) {
            Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            result => return result,
        }
    }
}

/// A connected pipe instance, which tonic needs to be [`Connected`].
pub struct PipeConnection(NamedPipeServer);

impl Connected for PipeConnection {
    type ConnectInfo = ();

    fn connect_info(&self) {}
}

impl AsyncRead for PipeConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for PipeConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}
