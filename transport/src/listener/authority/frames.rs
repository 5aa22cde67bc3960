//! HTTP/2 frames as the rewriter sees them (RFC 9113, section 4): a 9-byte
//! header, and for header blocks, the HEADERS frame and its CONTINUATIONs
//! (gathered into one block by [`gather`](super::gather)) framed again
//! after a rewrite.

use bytes::BytesMut;

/// Length of a frame header.
pub(super) const HEADER_LEN: usize = 9;

pub(super) const HEADERS: u8 = 0x1;
pub(super) const PUSH_PROMISE: u8 = 0x5;
pub(super) const CONTINUATION: u8 = 0x9;

pub(super) const END_STREAM: u8 = 0x1;
pub(super) const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;

/// Length of the PRIORITY fields of a HEADERS frame.
pub(super) const PRIORITY_LEN: usize = 5;

/// The largest frame payload every endpoint accepts (the initial
/// SETTINGS_MAX_FRAME_SIZE), so rewritten blocks never exceed it.
const MAX_PAYLOAD: usize = 16_384;

/// A parsed frame header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FrameHeader {
    pub(super) len: usize,
    pub(super) kind: u8,
    pub(super) flags: u8,
    pub(super) stream: u32,
}

impl FrameHeader {
    /// Parses the first [`HEADER_LEN`] bytes of `bytes`, if there are that many.
    pub(super) fn parse(bytes: &[u8]) -> Option<FrameHeader> {
        let b: &[u8; HEADER_LEN] = bytes.get(..HEADER_LEN)?.try_into().ok()?;
        Some(FrameHeader {
            len: usize::from(b[0]) << 16 | usize::from(b[1]) << 8 | usize::from(b[2]),
            kind: b[3],
            flags: b[4],
            stream: u32::from_be_bytes([b[5], b[6], b[7], b[8]]) & 0x7fff_ffff,
        })
    }

    fn write(&self, out: &mut BytesMut) {
        let len = (self.len as u32).to_be_bytes();
        out.extend_from_slice(&len[1..]);
        out.extend_from_slice(&[self.kind, self.flags]);
        out.extend_from_slice(&self.stream.to_be_bytes());
    }
}

/// A complete header block: a HEADERS frame and its CONTINUATIONs.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Block {
    pub(super) stream: u32,
    pub(super) end_stream: bool,
    pub(super) priority: Option<[u8; PRIORITY_LEN]>,
    pub(super) fragment: Vec<u8>,
    /// How many bytes of the input the frames took.
    pub(super) consumed: usize,
}

/// Splits a HEADERS payload into its block fragment and priority fields,
/// dropping padding. `None` when the padding does not fit.
pub(super) fn headers_payload(
    flags: u8,
    payload: &[u8],
) -> Option<(&[u8], Option<[u8; PRIORITY_LEN]>)> {
    let (pad, mut rest) = if flags & PADDED != 0 {
        let (&pad, rest) = payload.split_first()?;
        (usize::from(pad), rest)
    } else {
        (0, payload)
    };
    let mut priority = None;
    if flags & PRIORITY != 0 {
        let fields = rest.get(..PRIORITY_LEN)?;
        priority = Some(fields.try_into().ok()?);
        rest = &rest[PRIORITY_LEN..];
    }
    let body_len = rest.len().checked_sub(pad)?;
    Some((&rest[..body_len], priority))
}

/// Frames `fragment` as `block`'s new header block: a HEADERS frame (with
/// the original END_STREAM and priority, no padding) and as many
/// CONTINUATIONs as [`MAX_PAYLOAD`] demands.
pub(super) fn frame(block: &Block, fragment: &[u8], out: &mut BytesMut) {
    let priority_len = block.priority.map_or(0, |_| PRIORITY_LEN);
    let first_len = fragment.len().min(MAX_PAYLOAD - priority_len);
    let (first, mut rest) = fragment.split_at(first_len);
    let mut flags = if block.end_stream { END_STREAM } else { 0 };
    if block.priority.is_some() {
        flags |= PRIORITY;
    }
    if rest.is_empty() {
        flags |= END_HEADERS;
    }
    FrameHeader {
        len: priority_len + first.len(),
        kind: HEADERS,
        flags,
        stream: block.stream,
    }
    .write(out);
    if let Some(fields) = &block.priority {
        out.extend_from_slice(fields);
    }
    out.extend_from_slice(first);
    while !rest.is_empty() {
        let (chunk, after) = rest.split_at(rest.len().min(MAX_PAYLOAD));
        rest = after;
        FrameHeader {
            len: chunk.len(),
            kind: CONTINUATION,
            flags: if rest.is_empty() { END_HEADERS } else { 0 },
            stream: block.stream,
        }
        .write(out);
        out.extend_from_slice(chunk);
    }
}
