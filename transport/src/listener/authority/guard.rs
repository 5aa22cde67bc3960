//! A bound on header blocks for the bytes that pass through untouched: TCP
//! and TLS connections, and local ones once the rewriter stepped aside.
//!
//! h2 limits a header block by what it decodes (the header list size) and
//! by its number of CONTINUATION frames, but a block that never finishes
//! one HPACK string decodes to nothing: h2 buffers its frames whole, up to
//! the maximum frame size the server advertises for each. At piperpc's
//! 1 MiB frames that is about 6 MiB a connection, held as long as the
//! client keeps the connection alive. So the bytes h2 reads are watched
//! frame by frame (only frame headers are looked at; nothing is held or
//! copied but a frame header split by a read), and a block whose payload
//! passes [`BlockLimits::passed_payload`] ends the connection: twice the
//! header list size, so a block h2 would refuse on its own (too large by a
//! little) still gets h2's answer, and none is ever held beyond that.

use super::frames::{CONTINUATION, END_HEADERS, FrameHeader, HEADER_LEN, HEADERS, PUSH_PROMISE};
use super::gather::BlockLimits;

/// Where in the stream the next byte is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Position {
    /// Inside the client preface, this many bytes before its end.
    Preface(usize),
    /// Inside a frame header, with this many of its bytes seen.
    Header(usize),
    /// Inside a frame's payload, this many bytes before its end.
    Payload(usize),
}

/// A header block past the bound.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct BlockTooLarge {
    pub(super) limit: usize,
}

/// Watches a stream's frames for header blocks past the bound.
#[derive(Debug)]
pub(super) struct Guard {
    position: Position,
    header: [u8; HEADER_LEN],
    /// Payload of the header block in progress, if one is.
    block: Option<usize>,
    limit: usize,
}

impl Guard {
    /// A guard for a stream that starts with the client preface.
    pub(super) fn at_preface(preface_len: usize, limits: BlockLimits) -> Guard {
        Guard::new(Position::Preface(preface_len), limits)
    }

    /// A guard for a stream that goes on at a frame header.
    pub(super) fn at_frame(limits: BlockLimits) -> Guard {
        Guard::new(Position::Header(0), limits)
    }

    fn new(position: Position, limits: BlockLimits) -> Guard {
        Guard {
            position,
            header: [0; HEADER_LEN],
            block: None,
            limit: limits.passed_payload(),
        }
    }

    /// Watches `bytes`, the next ones of the stream.
    ///
    /// # Errors
    ///
    /// [`BlockTooLarge`] once a header block's frames announce more payload
    /// than the bound (checked on each frame's header, before its payload).
    pub(super) fn observe(&mut self, bytes: &[u8]) -> Result<(), BlockTooLarge> {
        let mut rest = bytes;
        while !rest.is_empty() {
            match self.position {
                Position::Preface(left) | Position::Payload(left) => {
                    let take = left.min(rest.len());
                    rest = &rest[take..];
                    self.position = match left - take {
                        0 => Position::Header(0),
                        left if matches!(self.position, Position::Preface(_)) => {
                            Position::Preface(left)
                        }
                        left => Position::Payload(left),
                    };
                }
                Position::Header(seen) => {
                    let take = (HEADER_LEN - seen).min(rest.len());
                    self.header[seen..seen + take].copy_from_slice(&rest[..take]);
                    rest = &rest[take..];
                    if seen + take < HEADER_LEN {
                        self.position = Position::Header(seen + take);
                        continue;
                    }
                    let frame = FrameHeader::parse(&self.header).expect("a whole header");
                    self.frame(frame)?;
                    self.position = match frame.len {
                        0 => Position::Header(0),
                        len => Position::Payload(len),
                    };
                }
            }
        }
        Ok(())
    }

    /// Counts `frame` against the block it belongs to.
    fn frame(&mut self, frame: FrameHeader) -> Result<(), BlockTooLarge> {
        let so_far = match (frame.kind, self.block) {
            (HEADERS | PUSH_PROMISE, _) => 0,
            (CONTINUATION, Some(so_far)) => so_far,
            // Not a block's frame (a stray CONTINUATION is h2's to refuse).
            _ => return Ok(()),
        };
        let payload = so_far + frame.len;
        if payload > self.limit {
            return Err(BlockTooLarge { limit: self.limit });
        }
        self.block = (frame.flags & END_HEADERS == 0).then_some(payload);
        Ok(())
    }
}
