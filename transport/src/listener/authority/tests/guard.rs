//! Blocks that pass through untouched (TCP, TLS, local connections once
//! the rewriter stepped aside) are bounded too: a header block whose frames
//! announce more than twice the header list size ends the connection,
//! before its payload is read, where h2 would buffer it frame by frame.

use std::io;

use super::super::AuthorityFix;
use super::super::gather::MAX_BLOCK_PAYLOAD;
use super::wire::*;

fn peer(input: Vec<u8>, chunk: usize) -> Chunked {
    let mut peer = Chunked::new(input, vec![chunk]);
    peer.hang_at_end = true;
    peer
}

/// The preface, then a HEADERS frame header announcing `len` bytes (and
/// only 100 of them).
fn announcing(len: usize) -> Vec<u8> {
    let mut input = PREFACE.to_vec();
    frame(&mut input, HEADERS, 0, 1, &[0x82; 100]);
    let at = PREFACE.len();
    input[at..at + 3].copy_from_slice(&(len as u32).to_be_bytes()[1..]);
    input
}

#[test]
fn a_tcp_header_frame_announcing_a_mebibyte_ends_the_connection_unread() {
    for chunk in [1, 7, 4096] {
        let mut fix = AuthorityFix::transparent(peer(announcing(1 << 20), chunk));
        let (out, error) = read_to_failure(&mut fix, 4096);
        let error = error.expect("the read fails");
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);
        assert!(error.to_string().contains("header block"), "{error}");
        assert!(
            out.len() <= PREFACE.len() + 9,
            "the block's payload never reaches h2"
        );
    }
}

#[test]
fn a_block_twice_the_header_list_size_passes_and_more_ends_the_connection() {
    let fits = 2 * MAX_BLOCK_PAYLOAD;
    for (payload, ends) in [(fits, false), (fits + 1, true)] {
        // HEADERS and two CONTINUATIONs, never finished.
        let mut input = PREFACE.to_vec();
        let third = payload / 3;
        frame(&mut input, HEADERS, 0, 1, &vec![0x82; third]);
        frame(&mut input, CONTINUATION, 0, 1, &vec![0x82; third]);
        frame(
            &mut input,
            CONTINUATION,
            0,
            1,
            &vec![0x82; payload - 2 * third],
        );
        let mut fix = AuthorityFix::transparent(peer(input.clone(), 1000));
        let (out, error) = read_to_failure(&mut fix, 4096);
        assert_eq!(error.is_some(), ends, "{payload} bytes");
        if !ends {
            assert_eq!(out, input);
        }
    }
}

#[test]
fn finished_blocks_count_one_by_one() {
    // Many blocks, each within the bound, add up to far more.
    let mut input = PREFACE.to_vec();
    for stream in (1..200).step_by(2) {
        frame(&mut input, HEADERS, END_HEADERS, stream, &vec![0x82; 1000]);
    }
    let mut fix = AuthorityFix::transparent(peer(input.clone(), 333));
    let (out, error) = read_to_failure(&mut fix, 4096);
    assert!(error.is_none());
    assert_eq!(out, input);
}

#[test]
fn a_local_block_past_the_rewriters_limits_is_guarded_once_handed_on() {
    // Over 16 KiB the rewriter hands the block to h2; past twice that the
    // guard ends the connection, as on TCP.
    let mut fix = AuthorityFix::new(peer(announcing(1 << 20), 4096));
    let (_, error) = read_to_failure(&mut fix, 4096);
    assert!(error.is_some(), "the connection ends");

    // After a first request with a valid :authority the rewriter steps
    // aside, and the guard watches from there on.
    let mut input = PREFACE.to_vec();
    input.extend(grpcio_like_request(1, b"localhost"));
    input.extend(&announcing(1 << 20)[PREFACE.len()..]);
    let mut fix = AuthorityFix::new(peer(input, 50));
    let (_, error) = read_to_failure(&mut fix, 4096);
    assert!(
        error.is_some(),
        "the connection ends after stepping aside too"
    );
}

#[test]
fn requests_before_a_block_past_the_guard_still_go_on() {
    // A rewritten request, then a block the guard stops: h2 gets the
    // request before the connection fails.
    let mut input = PREFACE.to_vec();
    input.extend(grpcio_like_request(1, b"/tmp/x.sock"));
    input.extend(&announcing(1 << 20)[PREFACE.len()..]);
    for chunk in [7, 4096] {
        let mut fix = AuthorityFix::new(peer(input.clone(), chunk));
        let (out, error) = read_to_failure(&mut fix, 4096);
        assert!(error.is_some(), "the connection ends");
        let rewritten = out.windows(11).any(|w| w == b"-tmp-x.sock");
        assert!(
            rewritten,
            "the request before the block came out (reads of {chunk})"
        );
    }
}
