//! The rewriter's parts on known inputs.

use bytes::BytesMut;

use super::super::block::{self, InvalidBlock};
use super::super::frames;
use super::super::gather::{Gathered, Gatherer};
use super::super::table::Table;
use super::super::{AuthorityFix, huffman, value};
use super::wire::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Decodes `input`, checking that the length-only walk agrees with it.
fn huffman_decoded(input: &[u8]) -> Result<Vec<u8>, huffman::InvalidHuffman> {
    let mut out = Vec::new();
    let decoded = huffman::decode(input, &mut out).map(|()| out);
    assert_eq!(
        huffman::decoded_len(input),
        decoded
            .as_ref()
            .map(Vec::len)
            .map_err(|_| huffman::InvalidHuffman),
        "{input:02x?}"
    );
    decoded
}

#[test]
fn huffman_decodes_the_examples_of_rfc_7541() {
    // Appendix C.4.
    let cases = [
        ("f1e3 c2e5 f23a 6ba0 ab90 f4ff", "www.example.com"),
        ("a8eb 1064 9cbf", "no-cache"),
        ("25a8 49e9 5ba9 7d7f", "custom-key"),
        ("25a8 49e9 5bb8 e8b4 bf", "custom-value"),
        // Appendix C.6.
        ("6402", "302"),
        ("aec3 771a 4b", "private"),
        (
            "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff",
            "Mon, 21 Oct 2013 20:13:21 GMT",
        ),
        (
            "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3",
            "https://www.example.com",
        ),
    ];
    for (code, text) in cases {
        assert_eq!(
            huffman_decoded(&hex(code)).unwrap(),
            text.as_bytes(),
            "{text}"
        );
    }
    assert_eq!(huffman_decoded(&[]).unwrap(), b"");
}

#[test]
fn huffman_refuses_what_rfc_7541_refuses() {
    // '0' is 00000 (5 bits): 3 bits of padding that are not all ones.
    assert!(huffman_decoded(&[0b0000_0000]).is_err());
    // '0' then eight padding ones: more than 7 bits of padding.
    assert!(huffman_decoded(&[0b0000_0111, 0xff]).is_err());
    // EOS (30 ones) inside the string.
    assert!(huffman_decoded(&[0xff, 0xff, 0xff, 0xff]).is_err());
    // '0' with a correct 3-bit padding.
    assert_eq!(huffman_decoded(&[0b0000_0111]).unwrap(), b"0");
}

#[test]
fn authorities_h2_accepts_are_kept() {
    for ok in [
        "localhost",
        "localhost:50051",
        "example.com",
        "[::1]:80",
        "a",
    ] {
        assert_eq!(value::replacement(ok.as_bytes()), None, "{ok}");
    }
}

#[test]
fn refused_authorities_become_same_length_reg_names() {
    let cases: [(&[u8], &[u8]); 4] = [
        (b"/tmp/x.sock", b"-tmp-x.sock"),
        (b"%2Ftmp%2Fx.sock", b"-2Ftmp-2Fx.sock"),
        (br"\\.\pipe\piperpc-demo", b"--.-pipe-piperpc-demo"),
        ("/tmp/caf\u{e9}.sock".as_bytes(), b"-tmp-caf--.sock"),
    ];
    for (before, after) in cases {
        assert!(http::uri::Authority::try_from(before).is_err());
        assert_eq!(value::replacement(before).as_deref(), Some(after));
    }
    // Nothing of the same length would do: h2 refuses it as before.
    assert_eq!(value::replacement(b""), None);
}

#[test]
fn a_path_authority_is_rewritten_and_later_references_to_it_resolve() {
    let mut table = Table::default();
    let mut first = vec![0x83, 0x86]; // :method POST, :scheme http
    first.extend(authority_literal(b"/tmp/x.sock"));
    let rewritten = block::rewrite(&mut table, &first).unwrap().unwrap();
    let mut expected = vec![0x83, 0x86];
    expected.extend(authority_literal(b"-tmp-x.sock"));
    assert_eq!(rewritten, expected);
    assert_eq!(table.len(), 1);
    // The next request names it by index (62): nothing to change.
    assert_eq!(block::rewrite(&mut table, &[0x83, 0x86, 0xbe]), Ok(None));
}

#[test]
fn a_huffman_coded_authority_is_replaced_by_a_raw_one() {
    let mut table = Table::default();
    // :authority without indexing, Huffman-coded: "302" (0x64 0x02) is a
    // valid authority and stays; "/" (code 011000) + padding 11 = 0x63 is
    // not, and comes back as a raw "-".
    assert_eq!(
        block::rewrite(&mut table, &[0x01, 0x82, 0x64, 0x02]),
        Ok(None)
    );
    let rewritten = block::rewrite(&mut table, &[0x01, 0x81, 0x63])
        .unwrap()
        .unwrap();
    assert_eq!(rewritten, [0x01, 0x01, b'-']);
    assert_eq!(table.len(), 0);
}

#[test]
fn invalid_hpack_is_reported() {
    let mut table = Table::default();
    // Index 0, an index past the table, a truncated string, an endless integer.
    for bad in [
        &[0x80][..],
        &[0xbe],
        &[0x41, 0x05, b'a'],
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
    ] {
        assert_eq!(
            block::rewrite(&mut table, bad),
            Err(InvalidBlock),
            "{bad:?}"
        );
    }
}

#[test]
fn table_size_updates_evict_as_the_peer_does() {
    let mut table = Table::default();
    block::rewrite(&mut table, &authority_literal(b"/a")).unwrap();
    block::rewrite(&mut table, &authority_literal(b"/b")).unwrap();
    assert_eq!(table.len(), 2);
    // Each entry is 10 + 2 + 32 = 44 bytes: a table of 50 keeps one.
    assert_eq!(block::rewrite(&mut table, &[0x3f, 0x13]), Ok(None)); // 31 + 19 = 50
    assert_eq!(table.len(), 1);
    assert_eq!(block::rewrite(&mut table, &[0xbe]), Ok(None));
    assert_eq!(block::rewrite(&mut table, &[0xbf]), Err(InvalidBlock));
    // An entry bigger than the table empties it.
    block::rewrite(&mut table, &authority_literal(b"/0123456789abcdef")).unwrap();
    assert_eq!(table.len(), 0);
}

#[test]
fn a_rewritten_block_is_framed_again_within_16_kib_frames() {
    let block = frames::Block {
        stream: 3,
        end_stream: true,
        priority: Some([0, 0, 0, 1, 15]),
        fragment: Vec::new(),
        consumed: 0,
    };
    let fragment: Vec<u8> = (0..40_000u32).map(|i| i as u8).collect();
    let mut out = BytesMut::new();
    frames::frame(&block, &fragment, &mut out);
    let mut stream = PREFACE.to_vec();
    stream.extend_from_slice(&out);
    let seen = assemble(frames(&stream));
    assert_eq!(
        seen,
        [Seen::Headers(Assembled {
            stream: 3,
            end_stream: true,
            priority: Some([0, 0, 0, 1, 15]),
            block: fragment,
        })]
    );
}

#[test]
fn gathering_stops_at_a_foreign_frame_inside_a_block_and_at_the_size_cap() {
    let mut input = Vec::new();
    let framing = Framing {
        splits: vec![1],
        ..Framing::default()
    };
    header_block(&mut input, 1, &[0x83, 0x86], &framing);
    assert!(matches!(
        Gatherer::default().feed(&input),
        Gathered::Complete(_)
    ));
    let mut foreign = input.clone();
    foreign.truncate(9 + 1);
    frame(&mut foreign, DATA, 0, 1, b"x");
    assert_eq!(Gatherer::default().feed(&foreign), Gathered::Unusable);
    assert_eq!(Gatherer::default().feed(&input[..12]), Gathered::NeedMore);
    let mut huge = Vec::new();
    frame(&mut huge, HEADERS, 0, 1, &[]);
    huge[..3].copy_from_slice(&[0x20, 0, 0]); // announces 2 MiB
    assert_eq!(Gatherer::default().feed(&huge), Gathered::OverLimit);
}

#[test]
fn a_connection_gets_its_authority_fixed_and_everything_else_intact() {
    let mut input = PREFACE.to_vec();
    frame(&mut input, 0x4, 0, 0, &[]); // SETTINGS
    input.extend(grpcio_like_request(1, b"%2Ftmp%2Fx.sock"));
    let mut expected = PREFACE.to_vec();
    frame(&mut expected, 0x4, 0, 0, &[]);
    expected.extend(grpcio_like_request(1, b"-2Ftmp-2Fx.sock"));
    for chunk in [1, 2, 9, 10, 33, 1000] {
        for read in [1, 7, 24, 8192] {
            assert_eq!(
                rewrite(input.clone(), vec![chunk], &[read]),
                expected,
                "chunks of {chunk}, reads of {read}"
            );
        }
    }
}

#[test]
fn a_clean_connection_comes_through_byte_for_byte() {
    let mut input = PREFACE.to_vec();
    for stream in [1, 3, 5] {
        input.extend(grpcio_like_request(stream, b"localhost"));
    }
    assert_eq!(rewrite(input.clone(), vec![5, 64, 3], &[100, 9]), input);
}

#[test]
fn after_a_first_request_with_a_valid_authority_everything_passes_through() {
    let mut input = PREFACE.to_vec();
    input.extend(grpcio_like_request(1, b"localhost"));
    // Not what a real client does, and so not rewritten any more.
    input.extend(grpcio_like_request(3, b"/tmp/x.sock"));
    assert_eq!(rewrite(input.clone(), vec![7], &[50]), input);

    // A first request that needed its authority fixed keeps the rewriter on.
    let mut input = PREFACE.to_vec();
    input.extend(grpcio_like_request(1, b"/tmp/x.sock"));
    input.extend(grpcio_like_request(3, b"/tmp/y.sock"));
    let mut expected = PREFACE.to_vec();
    expected.extend(grpcio_like_request(1, b"-tmp-x.sock"));
    expected.extend(grpcio_like_request(3, b"-tmp-y.sock"));
    assert_eq!(rewrite(input, vec![7], &[50]), expected);
}

#[test]
fn a_fix_that_steps_aside_keeps_no_buffer_and_no_table() {
    // Idle connections add up: what is no longer needed is freed.
    let mut input = PREFACE.to_vec();
    input.extend(grpcio_like_request(1, b"localhost"));
    input.extend(grpcio_like_request(3, b"localhost"));
    let mut bad = PREFACE.to_vec();
    frame(&mut bad, HEADERS, END_HEADERS, 1, &[0x80]); // index 0: gives up
    bad.extend(grpcio_like_request(3, b"localhost"));
    for input in [input, bad] {
        let mut fix = AuthorityFix::new(Chunked::new(input.clone(), vec![7]));
        assert_eq!(read_all(&mut fix, &[50]), input);
        assert_eq!(fix.kept(), (0, 0));
    }
}

#[test]
fn after_bad_hpack_everything_passes_through_unchanged() {
    let mut input = PREFACE.to_vec();
    frame(&mut input, HEADERS, END_HEADERS, 1, &[0x80]); // index 0
    input.extend(grpcio_like_request(3, b"/tmp/x.sock"));
    assert_eq!(rewrite(input.clone(), vec![7], &[50]), input);
}

#[test]
fn tcp_connections_are_not_touched() {
    let mut input = PREFACE.to_vec();
    input.extend(grpcio_like_request(1, b"/tmp/x.sock"));
    let mut fix = AuthorityFix::transparent(Chunked::new(input.clone(), vec![13]));
    assert_eq!(read_all(&mut fix, &[64]), input);
}

#[test]
fn a_huge_data_frame_is_passed_on_as_it_streams() {
    let mut input = PREFACE.to_vec();
    frame(&mut input, DATA, 0, 1, &[]);
    input[24..27].copy_from_slice(&[0xff, 0xff, 0xff]); // announces 16 MiB
    input.extend_from_slice(&[7; 1000]);
    let mut peer = Chunked::new(input.clone(), vec![100]);
    peer.hang_at_end = true;
    let mut fix = AuthorityFix::new(peer);
    assert_eq!(read_all(&mut fix, &[4096]), input);
}

#[test]
fn a_stream_that_ends_inside_a_header_block_is_handed_on_as_it_came() {
    let mut input = PREFACE.to_vec();
    input.extend(grpcio_like_request(1, b"/tmp/x.sock"));
    input.truncate(24 + 9 + 4);
    assert_eq!(rewrite(input.clone(), vec![3], &[64]), input);
}
