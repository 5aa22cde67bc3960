//! The rewriter holds no more than h2 would: past h2's limits on a header
//! block it hands everything on, so h2 answers as it does on TCP.

use super::super::AuthorityFix;
use super::super::gather::{Gathered, Gatherer, MAX_BLOCK_PAYLOAD, MAX_CONTINUATIONS};
use super::super::reader::MAX_HELD;
use super::wire::*;

/// An integer with a `prefix`-bit prefix (RFC 7541, section 5.1).
fn integer(mut value: usize, prefix: u8, flags: u8, out: &mut Vec<u8>) {
    let mask = (1usize << prefix) - 1;
    if value < mask {
        out.push(flags | value as u8);
        return;
    }
    out.push(flags | mask as u8);
    value -= mask;
    while value >= 0x80 {
        out.push((value & 0x7f) as u8 | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// POST, http, `:authority` a socket path, and `pad` bytes of one more
/// field (a literal without indexing).
fn path_block(pad: usize) -> Vec<u8> {
    let mut block = vec![0x83, 0x86];
    block.extend(authority_literal(b"/tmp/x.sock"));
    if pad > 0 {
        block.extend([0x00, 5]);
        block.extend_from_slice(b"x-pad");
        integer(pad, 7, 0, &mut block);
        block.extend(std::iter::repeat_n(b'p', pad));
    }
    block
}

fn rewritten(output: &[u8]) -> bool {
    output.windows(11).any(|w| w == b"-tmp-x.sock")
}

/// The preface, then `block` framed as HEADERS and a CONTINUATION per
/// entry of `splits`, then a second request with a path authority.
fn connection(block: &[u8], splits: Vec<usize>) -> Vec<u8> {
    let mut input = PREFACE.to_vec();
    let framing = Framing {
        splits,
        ..Framing::default()
    };
    header_block(&mut input, 1, block, &framing);
    input.extend(grpcio_like_request(3, b"/tmp/y.sock"));
    input
}

#[test]
fn five_continuations_without_end_headers_are_gathered() {
    // HEADERS, 5 CONTINUATIONs without END_HEADERS, 1 with it.
    let input = connection(&path_block(0), vec![1; MAX_CONTINUATIONS + 1]);
    let output = rewrite(input.clone(), vec![7], &[50]);
    assert_ne!(output, input);
    assert!(rewritten(&output));
}

#[test]
fn a_sixth_continuation_without_end_headers_hands_the_stream_to_h2() {
    let input = connection(&path_block(0), vec![1; MAX_CONTINUATIONS + 2]);
    // Untouched, the later request included: h2 sees what a TCP client
    // would have sent, and answers its GOAWAY.
    assert_eq!(rewrite(input.clone(), vec![7], &[50]), input);
}

#[test]
fn a_block_of_16_kib_is_rewritten_and_a_bigger_one_handed_on() {
    let fits = path_block(MAX_BLOCK_PAYLOAD - 64);
    assert!(fits.len() <= MAX_BLOCK_PAYLOAD);
    let input = connection(&fits, vec![fits.len() / 2]);
    assert!(rewritten(&rewrite(input, vec![4096], &[5000])));

    let over = path_block(MAX_BLOCK_PAYLOAD);
    let input = connection(&over, vec![over.len() / 2]);
    assert_eq!(rewrite(input.clone(), vec![4096], &[5000]), input);
}

/// Reads all that comes out of `input` delivered in `chunk`-byte reads by
/// a peer that then sends no more: nothing may be left held.
fn drained(input: &[u8], chunk: usize) -> Vec<u8> {
    let mut peer = Chunked::new(input.to_vec(), vec![chunk]);
    peer.hang_at_end = true;
    let mut fix = AuthorityFix::new(peer);
    let output = read_all(&mut fix, &[4096]);
    assert_eq!(fix.held_len(), 0, "bytes still held back from h2");
    output
}

#[test]
fn a_trickle_of_continuations_that_never_ends_is_not_held() {
    // The flood h2 stops with GOAWAY `too_many_continuations`: it must
    // reach h2, one 9-byte frame at a time.
    let mut input = PREFACE.to_vec();
    frame(&mut input, HEADERS, 0, 1, &path_block(0));
    for _ in 0..1000 {
        frame(&mut input, CONTINUATION, 0, 1, &[]);
    }
    assert_eq!(drained(&input, 9), input);
}

#[test]
fn a_header_frame_announcing_more_than_16_kib_is_not_held() {
    let mut input = PREFACE.to_vec();
    // Over the rewriter's 16 KiB, under the guard's 32 KiB: h2's to judge.
    let mut block = path_block(200_000);
    block.truncate(24_000); // never finished
    frame(&mut input, HEADERS, 0, 1, &block);
    assert_eq!(drained(&input, 1000), input);
}

#[test]
fn an_unfinished_block_within_the_limits_is_held_within_max_held() {
    let mut input = PREFACE.to_vec();
    let block = path_block(MAX_BLOCK_PAYLOAD - 64);
    frame(&mut input, HEADERS, 0, 1, &block[..block.len() / 2]);
    frame(&mut input, CONTINUATION, 0, 1, &block[block.len() / 2..]);
    let mut peer = Chunked::new(input, vec![777]);
    peer.hang_at_end = true;
    let mut fix = AuthorityFix::new(peer);
    assert_eq!(read_all(&mut fix, &[4096]), PREFACE);
    assert!(fix.held_len() > MAX_BLOCK_PAYLOAD - 64);
    assert!(fix.held_len() <= MAX_HELD);
}

#[test]
fn a_table_size_update_above_the_advertised_size_hands_the_stream_to_h2() {
    for (size, accepted) in [(4096, true), (4097, false), (1 << 28, false)] {
        let mut block = Vec::new();
        integer(size, 5, 0x20, &mut block);
        block.extend(path_block(0));
        let input = connection(&block, Vec::new());
        let output = rewrite(input.clone(), vec![7], &[50]);
        assert_eq!(rewritten(&output), accepted, "size update {size}");
        if !accepted {
            assert_eq!(output, input, "size update {size}");
        }
    }
}

#[test]
fn a_block_is_parsed_once_however_it_is_trickled() {
    // Bytes already parsed are not read again: spoiling them after the
    // fact changes nothing, where a parse from the start would now find a
    // DATA frame inside the block.
    let mut input = Vec::new();
    let framing = Framing {
        splits: vec![3, 3],
        ..Framing::default()
    };
    header_block(&mut input, 1, &path_block(0), &framing);
    let headers_end = 9 + usize::from(input[2]);
    let mut gatherer = Gatherer::default();
    for end in 0..input.len() {
        assert_eq!(gatherer.feed(&input[..end]), Gathered::NeedMore);
        if end >= headers_end {
            input[3] = DATA;
        }
    }
    let Gathered::Complete(block) = gatherer.feed(&input) else {
        panic!("the block is complete");
    };
    assert_eq!(block.fragment, path_block(0));
    assert_eq!(block.consumed, input.len());
}
