//! The `AsyncRead` wrapper that applies the rewrite to a connection's byte
//! stream (see the parent module for what and why).
//!
//! Bytes normally flow straight from the socket into the caller's buffer
//! and are only scanned for frame boundaries there. From the first byte of
//! a header block (or of a frame header split by a read) they are held back
//! in `held` until the block is complete; what comes out of that goes
//! through `out`. When both are empty again, the direct path resumes.
//!
//! What is held is bounded by h2's own limits on a block ([`gather`]): at
//! rest, `held` has at most [`MAX_HELD`] bytes. A held block is parsed as
//! its bytes come and never again, and reads into `held` fill no buffer in
//! advance, so a trickle costs work in proportion to its bytes.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Buf, BytesMut};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::block::{self, Walk};
use super::frames::{self, FrameHeader};
use super::gather::{BlockLimits, Gathered, Gatherer};
use super::guard::{BlockTooLarge, Guard};
use super::table::Table;
use crate::io::forward_write_to_field;

/// Length of the HTTP/2 client preface.
const PREFACE_LEN: usize = 24;

/// The most to read at a time while a header block is held.
const READ_CHUNK: usize = 8 * 1024;

/// The most bytes `held` has whenever a read returns, under the default
/// limits: an unfinished block within h2's limits. (Within one read it may
/// briefly have what the socket gave beyond a block, on its way to `out`.)
#[cfg(any(test, fuzzing))]
pub(super) const MAX_HELD: usize = 16 * 1024 + 7 * frames::HEADER_LEN;

/// Where the next unscanned byte of the stream is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Inside the client preface, this many bytes before its end.
    Preface(usize),
    /// At the start of a frame header.
    Frame,
    /// Inside a frame's payload that passes through, this many bytes before
    /// its end.
    Payload(usize),
    /// Not rewriting any more: everything passes through, under the
    /// [`Guard`].
    Transparent,
}

impl Position {
    /// The position `n` bytes further into a preface or payload.
    fn after(self, n: usize) -> Position {
        match self {
            Position::Preface(left) if left > n => Position::Preface(left - n),
            Position::Payload(left) if left > n => Position::Payload(left - n),
            Position::Preface(_) | Position::Payload(_) => Position::Frame,
            other => other,
        }
    }
}

/// `inner`, whose HTTP/2 header blocks get a valid `:authority`.
#[derive(Debug)]
pub(crate) struct AuthorityFix<S> {
    inner: S,
    position: Position,
    /// Read from `inner`, not yet scanned; starts at a frame header.
    held: BytesMut,
    /// Scanned and ready for the caller.
    out: BytesMut,
    table: Table,
    /// The header block at the start of `held`, as far as it is parsed.
    gatherer: Gatherer,
    /// Watches what passes through once transparent.
    guard: Guard,
    /// A header block went past the guard: the connection is over.
    failed: Option<BlockTooLarge>,
    /// No header block has been walked yet.
    first_block: bool,
}

enum Step {
    /// Something moved to `out`, or the state changed: go on.
    Progress,
    /// `held` needs more bytes from `inner`.
    NeedMore,
}

impl<S> AuthorityFix<S> {
    /// `inner` with the rewrite on: for local connections. Blocks are held
    /// within [`BlockLimits::DEFAULT`] until [`set_limits`](Self::set_limits)
    /// says otherwise.
    pub(crate) fn new(inner: S) -> Self {
        Self::with_position(inner, Position::Preface(PREFACE_LEN))
    }

    /// The limits of the HTTP/2 server that reads from this: called before
    /// the first read.
    pub(crate) fn set_limits(&mut self, limits: BlockLimits) {
        self.gatherer = Gatherer::new(limits);
        self.guard = Guard::at_preface(PREFACE_LEN, limits);
    }

    /// `inner` passed through unchanged (under the [`Guard`]): for TCP
    /// connections.
    pub(crate) fn transparent(inner: S) -> Self {
        Self::with_position(inner, Position::Transparent)
    }

    /// The wrapped stream.
    pub(crate) fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    fn with_position(inner: S, position: Position) -> Self {
        AuthorityFix {
            inner,
            position,
            held: BytesMut::new(),
            out: BytesMut::new(),
            table: Table::default(),
            gatherer: Gatherer::default(),
            guard: Guard::at_preface(PREFACE_LEN, BlockLimits::DEFAULT),
            failed: None,
            first_block: true,
        }
    }

    /// Scans `bytes` (fresh from the socket, on the direct path) and returns
    /// how many of them can go to the caller as they are; the rest must be
    /// held, starting with a frame header.
    ///
    /// # Errors
    ///
    /// Once transparent, a header block past the [`Guard`].
    fn scan(&mut self, bytes: &[u8]) -> Result<usize, BlockTooLarge> {
        let mut pos = 0;
        loop {
            let left = bytes.len() - pos;
            match self.position {
                Position::Transparent => {
                    self.guard.observe(bytes)?;
                    return Ok(bytes.len());
                }
                Position::Preface(n) | Position::Payload(n) => {
                    let take = n.min(left);
                    pos += take;
                    self.position = self.position.after(take);
                    if pos == bytes.len() {
                        return Ok(pos);
                    }
                }
                Position::Frame => {
                    let Some(frame) = FrameHeader::parse(&bytes[pos..]) else {
                        return Ok(pos);
                    };
                    if matches!(frame.kind, frames::HEADERS | frames::PUSH_PROMISE) {
                        return Ok(pos);
                    }
                    pos += frames::HEADER_LEN;
                    self.position = Position::Payload(frame.len);
                }
            }
        }
    }

    /// Moves what can be decided from the start of `held` to `out`.
    fn step(&mut self) -> Step {
        if self.position == Position::Transparent {
            let held = self.held.split();
            self.pass_on(&held);
            return Step::Progress;
        }
        if let Position::Preface(n) | Position::Payload(n) = self.position {
            let take = n.min(self.held.len());
            self.out.extend_from_slice(&self.held.split_to(take));
            self.position = self.position.after(take);
            return Step::Progress;
        }
        let Some(frame) = FrameHeader::parse(&self.held) else {
            return Step::NeedMore;
        };
        match frame.kind {
            frames::HEADERS => self.header_block(),
            frames::PUSH_PROMISE => {
                // A client must not send one (h2 closes the connection), and
                // its block is not one this table follows.
                self.give_up();
                Step::Progress
            }
            _ => {
                self.out
                    .extend_from_slice(&self.held.split_to(frames::HEADER_LEN));
                self.position = Position::Payload(frame.len);
                Step::Progress
            }
        }
    }

    fn header_block(&mut self) -> Step {
        let block = match self.gatherer.feed(&self.held) {
            Gathered::NeedMore => return Step::NeedMore,
            Gathered::Unusable => {
                self.give_up();
                return Step::Progress;
            }
            Gathered::OverLimit => {
                tracing::debug!(
                    "a header block over h2's limits; passing the stream through for h2 to refuse"
                );
                self.pass_through();
                return Step::Progress;
            }
            Gathered::Complete(block) => block,
        };
        let first_block = std::mem::replace(&mut self.first_block, false);
        match block::walk(&mut self.table, &block.fragment) {
            Ok(Walk {
                rewritten: None,
                valid_authority,
            }) => {
                let raw = self.held.split_to(block.consumed);
                self.out.extend_from_slice(&raw);
                if first_block && valid_authority {
                    self.step_aside();
                }
            }
            Ok(Walk {
                rewritten: Some(fragment),
                ..
            }) => {
                self.held.advance(block.consumed);
                frames::frame(&block, &fragment, &mut self.out);
            }
            Err(block::InvalidBlock) => self.give_up(),
        }
        if self.held.is_empty() {
            // A block and whatever came with it may have grown the buffer;
            // an idle connection keeps none.
            self.held = BytesMut::new();
        }
        Step::Progress
    }

    /// The client's first request named an `:authority` h2 accepts, so it
    /// is not one that sends a socket path: a client uses one authority
    /// for a connection. Walking every later block to follow its HPACK
    /// table would cost each call a few thousand instructions for nothing,
    /// so the rest of the connection passes through.
    fn step_aside(&mut self) {
        tracing::trace!("the client's :authority is valid; passing its stream through");
        self.pass_through();
    }

    /// Turns transparent: what is held goes on as it came, and so does
    /// everything after it.
    fn give_up(&mut self) {
        tracing::debug!("HTTP/2 stream not understood; passing it through unchanged");
        self.pass_through();
    }

    /// What is held goes on as it came, and so does everything after it.
    /// The HPACK table and the held buffer are freed: a connection keeps
    /// them for as long as it lives, and idle connections add up.
    fn pass_through(&mut self) {
        self.position = Position::Transparent;
        // `held` starts at a frame header: the guard watches from there.
        self.guard = Guard::at_frame(self.gatherer.limits());
        let held = std::mem::take(&mut self.held);
        self.pass_on(&held);
        self.table = Table::default();
        self.gatherer = Gatherer::default();
    }

    /// Hands `bytes` on under the guard; past it, the connection fails.
    fn pass_on(&mut self, bytes: &[u8]) {
        match self.guard.observe(bytes) {
            Ok(()) => self.out.extend_from_slice(bytes),
            Err(too_large) => self.failed = Some(too_large),
        }
    }
}

/// The error a read fails with once a header block went past the guard.
fn too_large(error: BlockTooLarge) -> io::Error {
    tracing::debug!(
        limit = error.limit,
        "a header block past the limit; closing the connection"
    );
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "an HTTP/2 header block of more than {} bytes: closing the connection",
            error.limit
        ),
    )
}

#[cfg(test)]
impl<S> AuthorityFix<S> {
    /// What the fix keeps besides the stream: bytes of buffer capacity,
    /// entries of HPACK table.
    pub(super) fn kept(&self) -> (usize, usize) {
        (self.held.capacity() + self.out.capacity(), self.table.len())
    }
}

#[cfg(any(test, fuzzing))]
impl<S> AuthorityFix<S> {
    /// How many bytes are held back now.
    pub(super) fn held_len(&self) -> usize {
        self.held.len()
    }
}

impl<S: AsyncRead + Unpin> AuthorityFix<S> {
    /// Reads more of `inner` into `held`. `Ok(false)` at end of stream.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        debug_assert!(
            self.held.len() <= self.gatherer.max_block_bytes(),
            "held {}",
            self.held.len()
        );
        self.held.reserve(READ_CHUNK);
        let spare = &mut self.held.spare_capacity_mut()[..READ_CHUNK];
        let mut buf = ReadBuf::uninit(spare);
        let start = buf.filled().as_ptr();
        let read = Pin::new(&mut self.inner).poll_read(cx, &mut buf);
        assert_eq!(
            start,
            buf.filled().as_ptr(),
            "the reader swapped the buffer"
        );
        let n = buf.filled().len();
        // SAFETY: `ReadBuf` counts as filled only bytes that were written,
        // and (the buffer being the same) they are the first `n` of the
        // spare capacity. Reading into
        // uninitialised capacity, not a zeroed one, keeps a trickle of tiny
        // reads from costing a buffer's worth of zeroing each.
        unsafe { self.held.set_len(self.held.len() + n) };
        ready!(read)?;
        Poll::Ready(Ok(n > 0))
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for AuthorityFix<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let start = buf.filled().len();
        loop {
            if !this.out.is_empty() {
                let n = this.out.len().min(buf.remaining());
                buf.put_slice(&this.out[..n]);
                this.out.advance(n);
                if this.out.is_empty() && this.position == Position::Transparent {
                    // Nothing will be scanned again: free the buffer.
                    this.out = BytesMut::new();
                }
                if buf.remaining() == 0 {
                    // The caller's buffer is full; what is decided from
                    // the rest of `held` waits in `out`, so `held` keeps
                    // no more than an unfinished block.
                    this.settle();
                    return Poll::Ready(Ok(()));
                }
                continue;
            }
            if let Some(error) = this.failed.take() {
                // What was decided before the block goes on first.
                if buf.filled().len() > start {
                    this.failed = Some(error);
                    return Poll::Ready(Ok(()));
                }
                return Poll::Ready(Err(too_large(error)));
            }
            if this.held.is_empty() {
                if buf.filled().len() > start {
                    return Poll::Ready(Ok(()));
                }
                // The direct path: into the caller's buffer, then scanned.
                ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
                let fresh = &buf.filled()[start..];
                let keep = this.scan(fresh).map_err(too_large)?;
                if keep == fresh.len() {
                    return Poll::Ready(Ok(()));
                }
                // From a header block on, the bytes go through `held`, and
                // what is decided from them back into the caller's buffer
                // now: one read's tail is not left waiting in `held`.
                this.held.extend_from_slice(&fresh[keep..]);
                buf.set_filled(start + keep);
                continue;
            }
            match this.step() {
                Step::Progress => {}
                Step::NeedMore if buf.filled().len() > start => return Poll::Ready(Ok(())),
                Step::NeedMore => {
                    if !ready!(this.poll_fill(cx))? {
                        // The stream ended inside a block: hand on what came.
                        this.give_up();
                        if this.out.is_empty() {
                            return Poll::Ready(Ok(()));
                        }
                    }
                }
            }
        }
    }
}

impl<S> AuthorityFix<S> {
    /// Moves to `out` whatever can be decided from `held`, until only an
    /// unfinished block (or nothing) is left there.
    fn settle(&mut self) {
        while !self.held.is_empty() {
            if let Step::NeedMore = self.step() {
                return;
            }
        }
    }
}

forward_write_to_field!([S] AuthorityFix<S> where [S: AsyncWrite + Unpin], inner);
