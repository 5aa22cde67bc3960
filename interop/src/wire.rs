//! gRPC messages as they are on the wire, where tonic does not show them.
//!
//! Each message in a gRPC body is a five-byte prefix (a compressed flag and
//! a big-endian length) and its bytes. tonic decodes and encodes these
//! itself and never tells a handler or a caller whether a message was
//! compressed, nor lets a streaming call compress one message and not the
//! next. The interop cases need both: the server must refuse a request
//! claimed compressed that was not (`expect_compressed`), and the client
//! must see the compressed flag of each response. So both sides wrap their
//! bodies in [`Reframed`], which cuts the body into messages and hands each
//! to a [`Rewrite`]: to look at it, or to replace it.

use std::io::{Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use http::HeaderMap;
use http_body::{Body, Frame};
use tower::BoxError;

/// The length of a message's prefix: the flag, then four bytes of length.
const PREFIX: usize = 5;

/// The most a message this tool inflates may grow to (as tonic's default
/// decoding limit).
const MAX_INFLATED: u64 = 4 * 1024 * 1024;

/// What a body's messages go through, one at a time and in order: the
/// message's index in its body, its compressed flag and its bytes in,
/// the flag and bytes to send on out.
pub type Rewrite = Box<dyn FnMut(usize, bool, Bytes) -> (bool, Bytes) + Send>;

/// What is done to the trailers (or, for a trailers-only response, nothing:
/// the headers are changed where the response is made).
pub type TrailersHook = Box<dyn FnOnce(&mut HeaderMap) + Send>;

/// A body whose messages pass through a [`Rewrite`].
pub struct Reframed<B> {
    inner: B,
    rewrite: Rewrite,
    trailers: Option<TrailersHook>,
    /// Bytes of a message not yet whole.
    pending: BytesMut,
    index: usize,
}

impl<B> Reframed<B> {
    /// `inner`, each message through `rewrite`, the trailers through
    /// `trailers`.
    pub fn new(inner: B, rewrite: Rewrite, trailers: Option<TrailersHook>) -> Reframed<B> {
        Reframed {
            inner,
            rewrite,
            trailers,
            pending: BytesMut::new(),
            index: 0,
        }
    }

    /// Every whole message in `pending`, rewritten and framed again.
    fn whole_messages(&mut self) -> Bytes {
        let mut out = BytesMut::new();
        while self.pending.len() >= PREFIX {
            let length = u32::from_be_bytes([
                self.pending[1],
                self.pending[2],
                self.pending[3],
                self.pending[4],
            ]) as usize;
            if self.pending.len() < PREFIX + length {
                break;
            }
            let compressed = self.pending[0] == 1;
            self.pending.advance(PREFIX);
            let message = self.pending.split_to(length).freeze();
            let (compressed, message) = (self.rewrite)(self.index, compressed, message);
            self.index += 1;
            out.put_u8(u8::from(compressed));
            out.put_u32(u32::try_from(message.len()).unwrap_or(u32::MAX));
            out.put(message);
        }
        out.freeze()
    }
}

impl<B> Body for Reframed<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        loop {
            let frame = match Pin::new(&mut self.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    // A message cut short goes on as it came, for the
                    // decoder to report.
                    if self.pending.is_empty() {
                        return Poll::Ready(None);
                    }
                    let rest = self.pending.split().freeze();
                    return Poll::Ready(Some(Ok(Frame::data(rest))));
                }
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error.into()))),
                Poll::Ready(Some(Ok(frame))) => frame,
            };
            match frame.into_data() {
                Ok(data) => {
                    self.pending.extend_from_slice(&data);
                    let out = self.whole_messages();
                    if !out.is_empty() {
                        return Poll::Ready(Some(Ok(Frame::data(out))));
                    }
                }
                Err(frame) => {
                    let frame = match frame.into_trailers() {
                        Ok(mut trailers) => {
                            if let Some(hook) = self.trailers.take() {
                                hook(&mut trailers);
                            }
                            Frame::trailers(trailers)
                        }
                        Err(frame) => frame,
                    };
                    return Poll::Ready(Some(Ok(frame)));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.pending.is_empty() && self.inner.is_end_stream()
    }
}

/// `message` compressed with gzip.
pub fn gzip(message: &[u8]) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    // Writing to a Vec cannot fail.
    encoder.write_all(message).expect("gzip into memory");
    Bytes::from(encoder.finish().expect("gzip into memory"))
}

/// `message` inflated from gzip, or `None` if it is not gzip or grows
/// past 4 MiB.
pub fn gunzip(message: &[u8]) -> Option<Bytes> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(message)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut out)
        .ok()?;
    (out.len() as u64 <= MAX_INFLATED).then(|| Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_round_trips() {
        let message = vec![7u8; 10_000];
        let packed = gzip(&message);
        assert!(packed.len() < message.len());
        assert_eq!(gunzip(&packed).as_deref(), Some(&message[..]));
        assert_eq!(gunzip(b"not gzip"), None);
    }
}
