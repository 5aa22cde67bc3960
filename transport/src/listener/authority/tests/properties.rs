//! Whole connections of random header blocks, encoded by an independent
//! HPACK encoder (httlib-hpack) with and without Huffman coding, indexing
//! and table size updates, framed and delivered at random, must decode
//! (with httlib-hpack's decoder, one per connection, as h2 keeps one) to
//! exactly the fields that were sent, with every `:authority` h2 would
//! refuse replaced (until a first block with a valid one makes the
//! rewriter step aside), and with every other frame intact.

use httlib_hpack::{Decoder, Encoder};
use proptest::prelude::*;

use super::super::AuthorityFix;
use super::wire::*;

const NAMES: [&str; 7] = [
    ":authority",
    ":path",
    "content-type",
    "user-agent",
    "x-meta-a",
    "x-meta-b",
    "grpc-timeout",
];

const AUTHORITIES: [&str; 7] = [
    "/tmp/x.sock",
    "%2Ftmp%2Fx.sock",
    r"\\.\pipe\piperpc-demo",
    "localhost",
    "example.com:8080",
    "",
    "/tmp/caf\u{e9}.sock",
];

#[derive(Clone, Debug)]
struct Field {
    name: Vec<u8>,
    value: Vec<u8>,
    flags: u8,
}

#[derive(Clone, Debug)]
struct Request {
    size_update: Option<u32>,
    fields: Vec<Field>,
    framing: Framing,
    data: Vec<Vec<u8>>,
}

fn field() -> impl Strategy<Value = Field> {
    let name = prop_oneof![
        4 => (0..NAMES.len()).prop_map(|i| NAMES[i].as_bytes().to_vec()),
        1 => "[a-z][a-z0-9-]{0,12}".prop_map(String::into_bytes),
    ];
    let value = prop_oneof![
        3 => (0..AUTHORITIES.len()).prop_map(|i| AUTHORITIES[i].as_bytes().to_vec()),
        2 => proptest::collection::vec(any::<u8>(), 0..40),
        1 => proptest::collection::vec(any::<u8>(), 100..600),
    ];
    // HUFFMAN_NAME 0x1, HUFFMAN_VALUE 0x2, WITH_INDEXING 0x4,
    // NEVER_INDEXED 0x8, BEST_FORMAT 0x10.
    let flags = (
        0u8..4,
        prop_oneof![Just(0u8), Just(0x4), Just(0x8)],
        any::<bool>(),
    )
        .prop_map(|(huffman, indexing, best)| huffman | indexing | if best { 0x10 } else { 0 });
    (name, value, flags).prop_map(|(name, value, flags)| Field { name, value, flags })
}

fn framing() -> impl Strategy<Value = Framing> {
    (
        proptest::collection::vec(0usize..300, 0..4),
        proptest::option::of(any::<u8>()),
        proptest::option::of(any::<[u8; 5]>()),
        any::<bool>(),
    )
        .prop_map(|(splits, padding, priority, end_stream)| Framing {
            splits,
            padding,
            priority,
            end_stream,
        })
}

fn request() -> impl Strategy<Value = Request> {
    (
        proptest::option::of(prop_oneof![0u32..200, 0u32..=4096]),
        proptest::collection::vec(field(), 0..12),
        framing(),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..50), 0..3),
    )
        .prop_map(|(size_update, fields, framing, data)| Request {
            size_update,
            fields,
            framing,
            data,
        })
}

fn accepted(value: &[u8]) -> bool {
    http::uri::Authority::try_from(value).is_ok()
}

/// What h2 must see for a field that was sent as (name, value).
fn expected_value(name: &[u8], value: &[u8]) -> Vec<u8> {
    if name != b":authority" || accepted(value) {
        return value.to_vec();
    }
    let mapped: Vec<u8> = value
        .iter()
        .map(|&b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => b,
            _ => b'-',
        })
        .collect();
    if accepted(&mapped) {
        mapped
    } else {
        value.to_vec()
    }
}

struct Connection {
    input: Vec<u8>,
    /// What a receiver must see: header fields per block, other frames.
    expected: Vec<Seen>,
    fields: Vec<Vec<(Vec<u8>, Vec<u8>)>>,
    needs_rewrite: bool,
}

fn build(requests: &[Request]) -> Connection {
    let mut encoder = Encoder::default();
    let mut input = PREFACE.to_vec();
    let mut expected = Vec::new();
    let mut fields = Vec::new();
    let mut needs_rewrite = false;
    // A first block that needs no change and names a valid `:authority`
    // makes the rewriter step aside: later blocks come through as sent.
    let mut settled = false;
    for (i, request) in requests.iter().enumerate() {
        let stream = 2 * i as u32 + 1;
        let mut block = Vec::new();
        if let Some(size) = request.size_update {
            encoder.update_max_dynamic_size(size, &mut block).unwrap();
        }
        let mut sent = Vec::new();
        let (mut changed, mut valid_authority) = (false, false);
        for f in &request.fields {
            encoder
                .encode((f.name.clone(), f.value.clone(), f.flags), &mut block)
                .unwrap();
            let value = if settled {
                f.value.clone()
            } else {
                expected_value(&f.name, &f.value)
            };
            changed |= value != f.value;
            valid_authority |= f.name == b":authority" && accepted(&f.value);
            sent.push((f.name.clone(), value));
        }
        needs_rewrite |= changed;
        settled |= i == 0 && !changed && valid_authority;
        // An empty block is a valid block too, but padding must fit in u8.
        header_block(&mut input, stream, &block, &request.framing);
        expected.push(Seen::Headers(Assembled {
            stream,
            end_stream: request.framing.end_stream,
            priority: request.framing.priority,
            block: Vec::new(), // compared through `fields`
        }));
        fields.push(sent);
        for payload in &request.data {
            frame(&mut input, DATA, 0, stream, payload);
            expected.push(Seen::Other(Frame {
                kind: DATA,
                flags: 0,
                stream,
                payload: payload.clone(),
            }));
        }
    }
    Connection {
        input,
        expected,
        fields,
        needs_rewrite,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn header_blocks_decode_as_sent_with_valid_authorities(
        requests in proptest::collection::vec(request(), 1..12),
        chunks in proptest::collection::vec(1usize..200, 1..5),
        reads in proptest::collection::vec(1usize..9000, 1..5),
    ) {
        let connection = build(&requests);
        let output = rewrite(connection.input.clone(), chunks, &reads);
        if !connection.needs_rewrite {
            prop_assert_eq!(&output, &connection.input);
        }
        let seen = assemble(frames(&output));
        prop_assert_eq!(seen.len(), connection.expected.len());
        let mut decoder = Decoder::default();
        let mut blocks = connection.fields.iter();
        for (got, want) in seen.into_iter().zip(connection.expected) {
            match (got, want) {
                (Seen::Headers(got), Seen::Headers(want)) => {
                    prop_assert_eq!(
                        (got.stream, got.end_stream, got.priority),
                        (want.stream, want.end_stream, want.priority)
                    );
                    let mut block = got.block;
                    let mut decoded = Vec::new();
                    decoder.decode(&mut block, &mut decoded).unwrap();
                    let decoded: Vec<_> = decoded.into_iter().map(|(n, v, _)| (n, v)).collect();
                    prop_assert_eq!(&decoded, blocks.next().unwrap());
                }
                (got, want) => prop_assert_eq!(got, want),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]

    /// Garbage after the preface neither panics nor hangs; whatever the
    /// rewriter does not understand comes out as it went in, up to a
    /// "header block" too large to pass, which ends the connection.
    #[test]
    fn garbage_never_panics_and_is_handed_on(
        tail in proptest::collection::vec(any::<u8>(), 0..3000),
        chunks in proptest::collection::vec(1usize..300, 1..4),
    ) {
        let mut input = PREFACE.to_vec();
        input.extend_from_slice(&tail);
        let mut fix = AuthorityFix::new(Chunked::new(input.clone(), chunks));
        let (output, error) = read_to_failure(&mut fix, 4096);
        match error {
            None => prop_assert_eq!(output.len(), input.len()),
            Some(error) => {
                prop_assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
                prop_assert!(output.len() <= input.len());
            }
        }
    }
}
