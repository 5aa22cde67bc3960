//! The reference client: tonic's generated Echo client on an h2
//! `SendRequest` directly (see the module's docs).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use anyhow::Context as _;
use piperpc_demo::proto::demo::EchoRequest;
use piperpc_demo::proto::demo::echo_client::EchoClient;

use super::body::{Received, send};

/// Makes `count` sequential 64-byte Echo calls to the server on the Unix
/// socket `path`, and prints the time they took.
pub fn calls(path: &str, count: u64) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let io = tokio::net::UnixStream::connect(path)
            .await
            .with_context(|| format!("connecting to {path}"))?;
        let (stream, connection, frame) = super::windows();
        let (sender, connection) = h2::client::Builder::new()
            .initial_window_size(stream)
            .initial_connection_window_size(connection)
            .max_frame_size(frame)
            .handshake::<_, bytes::Bytes>(io)
            .await?;
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                eprintln!("h2-bare-calls: the connection failed: {error}");
            }
        });
        let mut client = EchoClient::new(Channel(sender.ready().await?));
        let start = Instant::now();
        for _ in 0..count {
            let request = EchoRequest {
                payload: bytes::Bytes::from_static(&[7; 64]),
                ..Default::default()
            };
            let reply = client.echo(request).await?.into_inner();
            anyhow::ensure!(reply.payload.len() == 64, "a reply of the wrong size");
        }
        println!("{count} calls in {:?}", start.elapsed());
        Ok(())
    })
}

/// A tower service over one h2 connection: what tonic's generated client
/// calls.
#[derive(Clone)]
struct Channel(h2::client::SendRequest<bytes::Bytes>);

impl tower::Service<http::Request<tonic::body::Body>> for Channel {
    type Response = http::Response<tonic::body::Body>;
    type Error = anyhow::Error;
    type Future = Pin<Box<dyn Future<Output = anyhow::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<anyhow::Result<()>> {
        self.0.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        // tonic's client sends a path only; h2 wants the scheme and authority.
        let mut uri = http::uri::Parts::from(std::mem::take(&mut parts.uri));
        uri.scheme = Some(http::uri::Scheme::HTTP);
        uri.authority = Some(http::uri::Authority::from_static("localhost"));
        let sent = http::Uri::from_parts(uri)
            .map_err(anyhow::Error::from)
            .and_then(|uri| {
                parts.uri = uri;
                Ok(self
                    .0
                    .send_request(http::Request::from_parts(parts, ()), false)?)
            });
        Box::pin(async move {
            let (response, stream) = sent?;
            // The request body goes on a task of its own, as hyper sends it.
            tokio::spawn(async move {
                if let Err(error) = send(body, stream).await {
                    eprintln!("h2-bare-calls: sending a request failed: {error:#}");
                }
            });
            let response = response.await?;
            Ok(response.map(|body| tonic::body::Body::new(Received::new(body))))
        })
    }
}
