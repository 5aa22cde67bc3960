//! The hook the fuzz target in `fuzz/` drives the rewriter through; built
//! only with `--cfg fuzzing` (as `cargo fuzz` builds), never part of the
//! crate's API.
//!
//! [`run`] feeds a byte stream to a local connection's rewriter the way a
//! socket would: in reads of sizes the fuzzer picks, some of them
//! `Pending`, and reads what comes out through buffers of sizes it picks
//! too, noting the most the rewriter held back at any point. The target
//! judges the result (`fuzz/fuzz_targets/authority_rewriter.rs`).

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, ReadBuf};

use super::reader::{self, AuthorityFix};

/// The most bytes the rewriter may hold back whenever a read returns.
pub const MAX_HELD: usize = reader::MAX_HELD;

/// What came out of [`run`].
#[derive(Debug)]
pub struct Run {
    /// Everything the rewriter handed on, up to its end of stream or the
    /// read that failed.
    pub output: Vec<u8>,
    /// The error a read failed with (the connection is over: a header
    /// block past the guard's bound); `None` when the stream ended.
    pub error: Option<io::Error>,
    /// The most bytes it held back when any of its reads returned.
    pub peak_held: usize,
}

/// Runs `input` through a local connection's rewriter.
///
/// The stream under it hands `input` out in reads of the sizes in `reads`
/// (cycled; a 0 answers `Pending` once, waking at once), then ends. The
/// output is read through buffers of the sizes in `buffers` (cycled; 0
/// counts as 1). Empty lists mean one size that takes everything.
///
/// # Panics
///
/// When the rewriter misbehaves in a way no input excuses: it stays
/// `Pending` while its stream is not, ends before its stream has ended,
/// or hands on far more than came in.
pub fn run(input: &[u8], reads: &[usize], buffers: &[usize]) -> Run {
    let reads = if reads.iter().all(|&n| n == 0) {
        &[usize::MAX][..]
    } else {
        reads
    };
    let buffers = if buffers.is_empty() {
        &[64 * 1024][..]
    } else {
        buffers
    };
    let mut fix = AuthorityFix::new(Trickle {
        bytes: input,
        pos: 0,
        sizes: reads,
        turn: 0,
    });
    let mut cx = Context::from_waker(Waker::noop());
    let mut space = vec![0u8; buffers.iter().copied().max().unwrap_or(1).max(1)];
    let mut output = Vec::new();
    let mut peak_held = 0;
    let mut error = None;
    let (mut turn, mut stalled, mut last_pos) = (0, 0, 0);
    loop {
        let size = buffers[turn % buffers.len()].max(1);
        turn += 1;
        let mut buf = ReadBuf::new(&mut space[..size]);
        let poll = Pin::new(&mut fix).poll_read(&mut cx, &mut buf);
        peak_held = peak_held.max(fix.held_len());
        let pos = fix.get_mut().pos;
        match poll {
            Poll::Pending => {
                // Only the stream's own `Pending`s may come through, and
                // it gives at most `reads.len()` in a row.
                stalled = if pos == last_pos { stalled + 1 } else { 0 };
                last_pos = pos;
                assert!(
                    stalled <= reads.len(),
                    "the rewriter stays Pending while its stream does not"
                );
                continue;
            }
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => {
                error = Some(e);
                break;
            }
        }
        last_pos = pos;
        stalled = 0;
        if buf.filled().is_empty() {
            break;
        }
        output.extend_from_slice(buf.filled());
        assert!(
            output.len() <= 2 * input.len() + 1024,
            "the rewriter hands on far more than came in"
        );
    }
    if error.is_none() {
        assert_eq!(
            fix.get_mut().pos,
            input.len(),
            "the rewriter ended before its stream did"
        );
    }
    Run {
        output,
        error,
        peak_held,
    }
}

/// `bytes` in reads of `sizes` (cycled), 0 meaning `Pending` once.
struct Trickle<'a> {
    bytes: &'a [u8],
    pos: usize,
    sizes: &'a [usize],
    turn: usize,
}

impl AsyncRead for Trickle<'_> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let size = self.sizes[self.turn % self.sizes.len()];
        self.turn += 1;
        if size == 0 {
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let n = size.min(buf.remaining()).min(self.bytes.len() - self.pos);
        buf.put_slice(&self.bytes[self.pos..self.pos + n]);
        self.pos += n;
        Poll::Ready(Ok(()))
    }
}
