//! Gathering one header block (a HEADERS frame and its CONTINUATIONs) as
//! its bytes arrive, within the limits h2 itself applies.
//!
//! The rewriter holds a block back from h2 until it is complete, so while
//! it holds one, h2's own defences against hostile blocks cannot see it.
//! The gatherer therefore applies them first, and no looser
//! ([`BlockLimits`]): no more CONTINUATIONs without END_HEADERS than h2
//! counts for the server's header list and frame sizes (5 for hyper's
//! default 16 KiB list), and no more frame payload than the header list
//! size, both checked on a frame's header, before its payload is held. Past either, the block is [`Gathered::OverLimit`]: the
//! rewriter hands on everything it holds and steps aside, so h2 sees the
//! very frames a TCP client would send it and answers as it does there
//! (GOAWAY ENHANCE_YOUR_CALM `too_many_continuations`, and so on).
//!
//! Each call goes on from where the last one stopped: a block trickled in
//! one byte at a time is parsed once, not once per read.

use super::frames::{
    Block, CONTINUATION, END_HEADERS, END_STREAM, FrameHeader, HEADER_LEN, HEADERS, PRIORITY_LEN,
    headers_payload,
};

/// The most CONTINUATION frames without END_HEADERS a block may have under
/// the default limits ([`BlockLimits::DEFAULT`]).
#[cfg(test)]
pub(super) const MAX_CONTINUATIONS: usize = 5;

/// The most frame payload a block may have under the default limits.
#[cfg(test)]
pub(super) const MAX_BLOCK_PAYLOAD: usize = 16 * 1024;

/// What h2 accepts in one header block, given the settings the server
/// advertises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BlockLimits {
    /// The most frame payload: the header list size. A block's encoding is
    /// never larger than its decoded list, counted as HPACK counts it (32
    /// bytes on top of every field), unless its encoder pads it or
    /// Huffman-codes what Huffman makes longer, which no real encoder does;
    /// so a block over this is one h2 refuses too.
    max_payload: usize,
    /// The most CONTINUATIONs without END_HEADERS.
    max_continuations: usize,
}

impl BlockLimits {
    /// hyper's defaults, which piperpc's and tonic's servers keep unless
    /// told otherwise: a 16 KiB header list, frames of 16 KiB or more.
    pub(crate) const DEFAULT: BlockLimits = BlockLimits {
        max_payload: 16 * 1024,
        max_continuations: 5,
    };

    /// The limits h2 applies for a header list of `list` bytes and frames
    /// of up to `frame` bytes: `max(list / frame, 1) * 1.25` CONTINUATIONs,
    /// at least 5 (h2's `calc_max_continuation_frames`).
    pub(crate) fn new(list: u32, frame: u32) -> BlockLimits {
        let list = list as usize;
        let frames = (list / (frame as usize).max(1)).max(1);
        BlockLimits {
            max_payload: list,
            max_continuations: (frames + frames / 4).max(5),
        }
    }

    /// The most payload a block that passes through may have before the
    /// connection is closed (see [`guard`](super::guard)): twice the header
    /// list size.
    pub(super) fn passed_payload(&self) -> usize {
        2 * self.max_payload
    }

    /// The most bytes a block held back can span: its payload and the
    /// headers of its frames (a HEADERS, the CONTINUATIONs without
    /// END_HEADERS, the one that ends it).
    pub(super) fn max_block_bytes(&self) -> usize {
        self.max_payload + (self.max_continuations + 2) * HEADER_LEN
    }
}

impl Default for BlockLimits {
    fn default() -> Self {
        BlockLimits::DEFAULT
    }
}

/// What [`Gatherer::feed`] found.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Gathered {
    Complete(Block),
    /// The block continues past the bytes at hand.
    NeedMore,
    /// Not a well-formed block.
    Unusable,
    /// More frames or bytes than h2 accepts in one block.
    OverLimit,
}

/// A header block being gathered: what its frames so far said.
#[derive(Debug, Default)]
pub(super) struct Gatherer {
    limits: BlockLimits,
    /// How many bytes of the input whole frames took so far.
    scanned: usize,
    /// The HEADERS frame, once read.
    first: Option<FrameHeader>,
    priority: Option<[u8; PRIORITY_LEN]>,
    fragment: Vec<u8>,
    payload: usize,
    continuations: usize,
}

impl Gatherer {
    /// A gatherer for blocks within `limits`.
    pub(super) fn new(limits: BlockLimits) -> Gatherer {
        Gatherer {
            limits,
            ..Gatherer::default()
        }
    }

    /// The limits it gathers within.
    pub(super) fn limits(&self) -> BlockLimits {
        self.limits
    }

    /// The most bytes a block within the limits spans.
    pub(super) fn max_block_bytes(&self) -> usize {
        self.limits.max_block_bytes()
    }

    /// Goes on gathering the block that starts at the start of `input`;
    /// `input` is what the last call had, and maybe more.
    pub(super) fn feed(&mut self, input: &[u8]) -> Gathered {
        loop {
            let Some(frame) = FrameHeader::parse(&input[self.scanned..]) else {
                return Gathered::NeedMore;
            };
            match self.first {
                None => debug_assert_eq!(frame.kind, HEADERS),
                Some(first) if frame.kind == CONTINUATION && frame.stream == first.stream => {}
                Some(_) => return Gathered::Unusable,
            }
            let ends = frame.flags & END_HEADERS != 0;
            let continuations = self.continuations + usize::from(self.first.is_some() && !ends);
            if continuations > self.limits.max_continuations
                || self.payload + frame.len > self.limits.max_payload
            {
                return Gathered::OverLimit;
            }
            let start = self.scanned + HEADER_LEN;
            let Some(payload) = input.get(start..start + frame.len) else {
                return Gathered::NeedMore;
            };
            let fragment = if self.first.is_none() {
                let Some((body, priority)) = headers_payload(frame.flags, payload) else {
                    return Gathered::Unusable;
                };
                self.priority = priority;
                self.first = Some(frame);
                body
            } else {
                payload
            };
            self.fragment.extend_from_slice(fragment);
            self.scanned = start + frame.len;
            self.payload += frame.len;
            self.continuations = continuations;
            if ends {
                return Gathered::Complete(self.finish());
            }
        }
    }

    /// The block gathered, leaving the gatherer ready for the next one.
    fn finish(&mut self) -> Block {
        let gathered = std::mem::replace(self, Gatherer::new(self.limits));
        let first = gathered.first.expect("a complete block has its HEADERS");
        Block {
            stream: first.stream,
            end_stream: first.flags & END_STREAM != 0,
            priority: gathered.priority,
            fragment: gathered.fragment,
            consumed: gathered.scanned,
        }
    }
}
