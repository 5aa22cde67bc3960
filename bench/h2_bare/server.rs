//! The reference server: Echo on h2 directly (see the module's docs).

use std::task::Poll;

use anyhow::Context;
use futures_util::stream::{FuturesUnordered, StreamExt};
use piperpc_demo::proto::demo::echo_server::EchoServer;
use piperpc_demo::server::echo::EchoService;
use tower::Service;

use super::body::{Received, send};

/// Serves Echo on the Unix socket `path` until standard input closes.
pub fn serve(path: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let _ = std::fs::remove_file(path);
        let listener =
            tokio::net::UnixListener::bind(path).with_context(|| format!("binding {path}"))?;
        println!("listening on {path}");
        crate::role::exit_on_stdin_eof();
        loop {
            let (stream, _) = listener.accept().await?;
            tokio::spawn(async move {
                if let Err(error) = connection(stream).await {
                    eprintln!("h2-bare-server: {error:#}");
                }
            });
        }
    })
}

/// One connection, its calls on its own task.
async fn connection<IO>(io: IO) -> anyhow::Result<()>
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (stream, connection, frame) = super::windows();
    let mut connection = h2::server::Builder::new()
        .initial_window_size(stream)
        .initial_connection_window_size(connection)
        .max_frame_size(frame)
        .handshake::<_, bytes::Bytes>(io)
        .await?;
    let echo = EchoServer::new(EchoService);
    let mut calls = FuturesUnordered::new();
    std::future::poll_fn(|cx| {
        loop {
            match connection.poll_accept(cx) {
                Poll::Ready(Some(Ok((request, mut respond)))) => {
                    let mut echo = echo.clone();
                    calls.push(async move {
                        let request =
                            request.map(|body| tonic::body::Body::new(Received::new(body)));
                        let Ok(response) = echo.call(request).await;
                        let (parts, body) = response.into_parts();
                        let stream =
                            respond.send_response(http::Response::from_parts(parts, ()), false)?;
                        send(body, stream).await
                    });
                }
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Err(error.into())),
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Pending => break,
            }
        }
        while let Poll::Ready(Some(call)) = calls.poll_next_unpin(cx) {
            if let Err(error) = call {
                eprintln!("h2-bare-server: a call failed: {error:#}");
            }
        }
        Poll::Pending
    })
    .await
}
