//! Bodies between h2's streams and tonic's.

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use http_body::{Body, Frame};
use http_body_util::BodyExt;

/// An h2 stream received, as the body tonic's code reads.
pub struct Received {
    stream: h2::RecvStream,
    data_done: bool,
}

impl Received {
    pub fn new(stream: h2::RecvStream) -> Received {
        Received {
            stream,
            data_done: false,
        }
    }
}

impl Body for Received {
    type Data = Bytes;
    type Error = h2::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, h2::Error>>> {
        let this = &mut *self;
        if !this.data_done {
            match ready!(this.stream.poll_data(cx)) {
                Some(Ok(data)) => {
                    // What was read may be sent again: the window reopens.
                    let _ = this.stream.flow_control().release_capacity(data.len());
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => this.data_done = true,
            }
        }
        Poll::Ready(
            ready!(this.stream.poll_trailers(cx))
                .transpose()
                .map(|t| t.map(Frame::trailers)),
        )
    }
}

/// Sends `body` on `stream`: its data as the window allows, then its
/// trailers (or an empty end).
pub async fn send<B>(mut body: B, mut stream: h2::SendStream<Bytes>) -> anyhow::Result<()>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: std::fmt::Display,
{
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| anyhow::anyhow!("the body failed: {e}"))?;
        match frame.into_data() {
            Ok(mut data) => {
                while !data.is_empty() {
                    stream.reserve_capacity(data.len());
                    let granted = std::future::poll_fn(|cx| stream.poll_capacity(cx))
                        .await
                        .ok_or_else(|| anyhow::anyhow!("the stream closed"))??;
                    let chunk = data.split_to(granted.min(data.len()));
                    stream.send_data(chunk, false)?;
                }
            }
            Err(frame) => {
                if let Ok(trailers) = frame.into_trailers() {
                    stream.send_trailers(trailers)?;
                    return Ok(());
                }
            }
        }
    }
    stream.send_data(Bytes::new(), true)?;
    Ok(())
}
