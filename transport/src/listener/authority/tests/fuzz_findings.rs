//! What the fuzz target (`fuzz/`, `scripts/fuzz.sh`) found, kept as tests;
//! each names its input under `fuzz/artifacts/findings/`.

use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use tokio::io::{AsyncRead, ReadBuf};

use super::super::AuthorityFix;
use super::super::reader::MAX_HELD;
use super::wire::*;

/// `held-after-a-direct-read`: one read from the socket brings a header
/// block's first byte and more than [`MAX_HELD`] after it (here a small
/// complete block and a large DATA frame; the fuzzer's was one block over
/// the limits). The read handed on what came before the block, and until
/// the next read, everything from the block on stayed in `held`: as many
/// bytes as the caller's buffer had room for. Now what can be decided from
/// them goes on in the same read.
#[test]
fn one_large_read_leaves_at_most_max_held_held() {
    let mut input = PREFACE.to_vec();
    // GET, http, /: a complete block of indexed fields.
    frame(&mut input, HEADERS, END_HEADERS, 1, &[0x82, 0x86, 0x84]);
    frame(&mut input, DATA, 0, 1, &vec![0; 2 * MAX_HELD]);
    let len = input.len();
    let expected = input.clone();
    let mut fix = AuthorityFix::new(Chunked::new(input, vec![len]));
    let mut space = vec![0; len];
    let mut buf = ReadBuf::new(&mut space);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(result) = Pin::new(&mut fix).poll_read(&mut cx, &mut buf) {
            result.expect("reads from memory do not fail");
            break;
        }
    }
    // What is decided from the block on goes to the caller in the same read.
    assert!(buf.filled() == expected, "the read hands on all that came");
    assert!(
        fix.held_len() <= MAX_HELD,
        "held {} bytes after a read, more than MAX_HELD ({MAX_HELD})",
        fix.held_len()
    );
}
