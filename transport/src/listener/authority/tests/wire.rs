//! Building client byte streams and reading what comes out of the rewriter.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, ReadBuf};

use super::super::AuthorityFix;

pub(super) const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pub(super) const DATA: u8 = 0x0;
pub(super) const HEADERS: u8 = 0x1;
pub(super) const CONTINUATION: u8 = 0x9;
pub(super) const END_STREAM: u8 = 0x1;
pub(super) const END_HEADERS: u8 = 0x4;
pub(super) const PADDED: u8 = 0x8;
pub(super) const PRIORITY: u8 = 0x20;

/// Appends one frame.
pub(super) fn frame(out: &mut Vec<u8>, kind: u8, flags: u8, stream: u32, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(&[kind, flags]);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
}

/// How a header block is framed by the client.
#[derive(Clone, Debug, Default)]
pub(super) struct Framing {
    /// Sizes of the fragments after the first (CONTINUATIONs).
    pub(super) splits: Vec<usize>,
    pub(super) padding: Option<u8>,
    pub(super) priority: Option<[u8; 5]>,
    pub(super) end_stream: bool,
}

/// Appends `block` as a HEADERS frame and CONTINUATIONs.
pub(super) fn header_block(out: &mut Vec<u8>, stream: u32, block: &[u8], framing: &Framing) {
    let mut cuts = Vec::new();
    let mut rest = block;
    for &size in framing.splits.iter().rev() {
        let size = size.min(rest.len());
        let (head, tail) = rest.split_at(rest.len() - size);
        cuts.push(tail);
        rest = head;
    }
    cuts.reverse();
    let mut flags = if framing.end_stream { END_STREAM } else { 0 };
    if cuts.is_empty() {
        flags |= END_HEADERS;
    }
    let mut payload = Vec::new();
    if let Some(pad) = framing.padding {
        flags |= PADDED;
        payload.push(pad);
    }
    if let Some(priority) = framing.priority {
        flags |= PRIORITY;
        payload.extend_from_slice(&priority);
    }
    payload.extend_from_slice(rest);
    payload.extend(std::iter::repeat_n(
        0,
        usize::from(framing.padding.unwrap_or(0)),
    ));
    frame(out, HEADERS, flags, stream, &payload);
    let last = cuts.len().saturating_sub(1);
    for (i, cut) in cuts.iter().enumerate() {
        let flags = if i == last { END_HEADERS } else { 0 };
        frame(out, CONTINUATION, flags, stream, cut);
    }
}

/// A stream that hands out `bytes` in pieces of the given sizes (cycled),
/// answering `Pending` before every other piece (and waking at once).
pub(super) struct Chunked {
    bytes: Vec<u8>,
    pos: usize,
    sizes: Vec<usize>,
    turn: usize,
    /// At the end, stay `Pending` (a peer that sends no more) instead of
    /// ending the stream.
    pub(super) hang_at_end: bool,
}

impl Chunked {
    pub(super) fn new(bytes: Vec<u8>, sizes: Vec<usize>) -> Chunked {
        assert!(sizes.iter().all(|&s| s > 0));
        Chunked {
            bytes,
            pos: 0,
            sizes,
            turn: 0,
            hang_at_end: false,
        }
    }
}

impl AsyncRead for Chunked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.turn += 1;
        if self.hang_at_end && self.pos == self.bytes.len() {
            return Poll::Pending;
        }
        if self.turn.is_multiple_of(2) {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let size = self.sizes[self.turn / 2 % self.sizes.len()];
        let n = size.min(buf.remaining()).min(self.bytes.len() - self.pos);
        let start = self.pos;
        buf.put_slice(&self.bytes[start..start + n]);
        self.pos += n;
        Poll::Ready(Ok(()))
    }
}

/// Reads `stream` to its end with reads of the given sizes (cycled); or,
/// when it stays `Pending` 10,000 times in a row (far more than `Chunked`
/// makes it wait for a block), to that point.
pub(super) fn read_all<S: AsyncRead + Unpin>(stream: &mut S, sizes: &[usize]) -> Vec<u8> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    let (mut turn, mut pending) = (0, 0);
    loop {
        let mut space = vec![0u8; sizes[turn % sizes.len()]];
        turn += 1;
        let mut buf = ReadBuf::new(&mut space);
        match Pin::new(&mut *stream).poll_read(&mut cx, &mut buf) {
            Poll::Pending if pending == 10_000 => return out,
            Poll::Pending => {
                pending += 1;
                continue;
            }
            Poll::Ready(result) => result.expect("reads from memory do not fail"),
        }
        pending = 0;
        if buf.filled().is_empty() {
            return out;
        }
        out.extend_from_slice(buf.filled());
    }
}

/// Reads `fix` in `size`-byte reads until it fails, ends, or (its peer
/// sending no more) stays pending: what came out, and the error if any.
pub(super) fn read_to_failure<S: AsyncRead + Unpin>(
    fix: &mut S,
    size: usize,
) -> (Vec<u8>, Option<io::Error>) {
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    let mut pending = 0;
    while pending < 1000 {
        let mut space = vec![0u8; size];
        let mut buf = ReadBuf::new(&mut space);
        match Pin::new(&mut *fix).poll_read(&mut cx, &mut buf) {
            Poll::Pending => pending += 1,
            Poll::Ready(Err(error)) => return (out, Some(error)),
            Poll::Ready(Ok(())) if buf.filled().is_empty() => break,
            Poll::Ready(Ok(())) => {
                pending = 0;
                out.extend_from_slice(buf.filled());
            }
        }
    }
    (out, None)
}

/// Runs `input` through a local connection's rewriter.
pub(super) fn rewrite(input: Vec<u8>, chunks: Vec<usize>, reads: &[usize]) -> Vec<u8> {
    let mut fix = AuthorityFix::new(Chunked::new(input, chunks));
    read_all(&mut fix, reads)
}

/// `:authority` (static name 1) with incremental indexing, raw value.
pub(super) fn authority_literal(value: &[u8]) -> Vec<u8> {
    let mut out = vec![0x41, value.len() as u8];
    out.extend_from_slice(value);
    out
}

/// A request as grpcio sends it over `unix:`, then a DATA frame.
pub(super) fn grpcio_like_request(stream: u32, authority: &[u8]) -> Vec<u8> {
    let mut block = vec![0x83, 0x86]; // POST, http
    block.extend(authority_literal(authority));
    block.extend([0x44, 0x05]); // :path, incremental indexing
    block.extend_from_slice(b"/a/b1");
    let mut out = Vec::new();
    header_block(&mut out, stream, &block, &Framing::default());
    frame(&mut out, DATA, END_STREAM, stream, &[0, 0, 0, 0, 0]);
    out
}

/// A frame as it came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Frame {
    pub(super) kind: u8,
    pub(super) flags: u8,
    pub(super) stream: u32,
    pub(super) payload: Vec<u8>,
}

/// Splits a byte stream (after the preface) into frames.
pub(super) fn frames(bytes: &[u8]) -> Vec<Frame> {
    assert_eq!(&bytes[..24], PREFACE, "the preface comes through first");
    let mut pos = 24;
    let mut out = Vec::new();
    while pos < bytes.len() {
        let h = &bytes[pos..pos + 9];
        let len = usize::from(h[0]) << 16 | usize::from(h[1]) << 8 | usize::from(h[2]);
        out.push(Frame {
            kind: h[3],
            flags: h[4],
            stream: u32::from_be_bytes([h[5], h[6], h[7], h[8]]),
            payload: bytes[pos + 9..pos + 9 + len].to_vec(),
        });
        pos += 9 + len;
    }
    out
}

/// A header block as h2 would assemble it from frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Assembled {
    pub(super) stream: u32,
    pub(super) end_stream: bool,
    pub(super) priority: Option<[u8; 5]>,
    pub(super) block: Vec<u8>,
}

/// What a receiver sees: header blocks and the other frames, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Seen {
    Headers(Assembled),
    Other(Frame),
}

/// Reassembles header blocks out of `frames`, checking the framing rules a
/// receiver enforces.
pub(super) fn assemble(frames: Vec<Frame>) -> Vec<Seen> {
    let mut seen = Vec::new();
    let mut open: Option<Assembled> = None;
    for f in frames {
        assert!(f.payload.len() <= 16_384, "frame over the default max size");
        match f.kind {
            HEADERS => {
                assert!(open.is_none(), "HEADERS inside a header block");
                let mut p = &f.payload[..];
                let mut pad = 0;
                if f.flags & PADDED != 0 {
                    pad = usize::from(p[0]);
                    p = &p[1..];
                }
                let mut priority = None;
                if f.flags & PRIORITY != 0 {
                    priority = Some(p[..5].try_into().unwrap());
                    p = &p[5..];
                }
                let block = Assembled {
                    stream: f.stream,
                    end_stream: f.flags & END_STREAM != 0,
                    priority,
                    block: p[..p.len() - pad].to_vec(),
                };
                if f.flags & END_HEADERS != 0 {
                    seen.push(Seen::Headers(block));
                } else {
                    open = Some(block);
                }
            }
            CONTINUATION => {
                let mut block = open.take().expect("CONTINUATION outside a header block");
                assert_eq!(block.stream, f.stream);
                block.block.extend_from_slice(&f.payload);
                if f.flags & END_HEADERS != 0 {
                    seen.push(Seen::Headers(block));
                } else {
                    open = Some(block);
                }
            }
            _ => {
                assert!(open.is_none(), "a frame inside a header block");
                seen.push(Seen::Other(f));
            }
        }
    }
    assert!(open.is_none(), "unfinished header block");
    seen
}
