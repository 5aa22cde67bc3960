//! The gRPC calls the bench makes, through the generated Echo stub.
//!
//! Generic over the channel, so piperpc's `Channel` and tonic's own
//! (the TCP baseline) run exactly the same client code. Every reply is
//! checked for size, so a figure is never made of failed or short calls.

use anyhow::{Context, ensure};
use piperpc_demo::proto::demo::{ChatRequest, CountRequest, EchoRequest, echo_client::EchoClient};
use tokio_stream::wrappers::ReceiverStream;
use tonic::client::GrpcService;
use tonic::codegen::{Body, Bytes, StdError};

use crate::client::Until;

/// What the Chat method puts before each message it answers.
const CHAT_PREFIX: &str = "you said: ";

/// An Echo client on one connection, with its payloads made once.
#[derive(Debug)]
pub struct Grpc<T> {
    echo: EchoClient<T>,
    payload: Bytes,
    text: String,
}

impl<T> Grpc<T>
where
    T: GrpcService<tonic::body::Body>,
    T::Error: Into<StdError>,
    T::ResponseBody: Body<Data = Bytes> + Send + 'static,
    <T::ResponseBody as Body>::Error: Into<StdError> + Send,
{
    /// A client on `channel`, with gRPC's default message limits (4 MiB).
    pub fn new(channel: T) -> Grpc<T> {
        Grpc {
            echo: EchoClient::new(channel),
            payload: Bytes::new(),
            text: String::new(),
        }
    }

    /// One unary Echo call carrying `size` payload bytes each way.
    pub async fn round_trip(&mut self, size: usize) -> anyhow::Result<()> {
        if self.payload.len() != size {
            self.payload = Bytes::from(vec![b'x'; size]);
        }
        let request = EchoRequest {
            payload: self.payload.clone(),
            ..EchoRequest::default()
        };
        let reply = self.echo.echo(request).await?.into_inner();
        ensure!(
            reply.payload.len() == size,
            "Echo returned {} payload bytes, not {size}",
            reply.payload.len()
        );
        Ok(())
    }

    /// One server-streaming Count call of `count` messages of `size` bytes;
    /// returns the payload bytes received.
    pub async fn stream(&mut self, count: u32, size: usize) -> anyhow::Result<u64> {
        let request = CountRequest {
            count,
            payload_size: size as u32,
            interval_ms: 0,
        };
        let mut replies = self.echo.count(request).await?.into_inner();
        let (mut messages, mut bytes) = (0u32, 0u64);
        while let Some(reply) = replies.message().await? {
            messages += 1;
            bytes += reply.payload.len() as u64;
        }
        ensure!(
            messages == count && bytes == u64::from(count) * size as u64,
            "Count sent {messages} messages of {bytes} bytes in all, not {count} of {size}"
        );
        Ok(bytes)
    }

    /// A bidirectional Chat call: sends a `size`-byte message, waits for
    /// its answer, and again, until `until`; returns the exchanges made
    /// (at least one).
    pub async fn ping_pong(&mut self, size: usize, until: Until) -> anyhow::Result<u64> {
        if self.text.len() != size {
            self.text = "x".repeat(size);
        }
        let message = || ChatRequest {
            text: self.text.clone(),
        };
        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        sender.send(message()).await?;
        let mut replies = self
            .echo
            .chat(ReceiverStream::new(receiver))
            .await?
            .into_inner();
        let mut exchanges = 0u64;
        loop {
            let reply = replies
                .message()
                .await?
                .context("Chat ended before answering")?;
            ensure!(
                reply.text.len() == CHAT_PREFIX.len() + size,
                "Chat answered {} bytes to a {size}-byte message",
                reply.text.len()
            );
            exchanges += 1;
            if until.reached(exchanges) {
                break;
            }
            sender.send(message()).await?;
        }
        drop(sender);
        while replies.message().await?.is_some() {}
        Ok(exchanges)
    }
}
