//! Fuzzing the `:authority` rewriter (transport/src/listener/authority).
//!
//! Each case is a client byte stream, delivered to the rewriter in reads
//! of sizes the fuzzer picks (some `Pending`) and read out through buffers
//! of sizes it picks too (`piperpc::fuzzing::run`). The stream is one of:
//!
//! - `Client`: a well-formed HTTP/2 client stream (preface, frames of any
//!   type but HEADERS, PUSH_PROMISE and CONTINUATION with any payload, and
//!   requests whose header blocks an independent HPACK encoder,
//!   httlib-hpack, encodes, with and without Huffman, indexing and table
//!   size updates, framed in a HEADERS and CONTINUATIONs with or without
//!   padding and priority). The output, decoded frame by frame with one
//!   httlib-hpack decoder for the connection as h2 keeps one, must give
//!   every frame as sent and every header list as sent, except that each
//!   `:authority` h2 would refuse has its same-length replacement (until
//!   the first block names a valid one and the rewriter steps aside). From
//!   the first block over h2's limits, the output is the input byte for
//!   byte. Once the stream passes through, a block of more than twice the
//!   header list size fails a read (the guard ends the connection), and
//!   nothing else may: what came out before it is checked as above.
//! - `Mutated`: such a stream with bytes flipped, inserted, removed or cut.
//! - `Raw`: arbitrary bytes, with or without a real preface.
//!
//! For these two: up to the first HEADERS or PUSH_PROMISE frame the output
//! is the input, and a stream with none comes out exactly as it went in.
//!
//! Always: no panic, no hang, and never more than `MAX_HELD` bytes held.

#![no_main]

use httlib_hpack::{Decoder, Encoder};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use piperpc::fuzzing::{run, Run, MAX_HELD};

const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const FRAME_HEADER: usize = 9;

const HEADERS: u8 = 0x1;
const PUSH_PROMISE: u8 = 0x5;
const CONTINUATION: u8 = 0x9;

const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const PADDED: u8 = 0x8;
const PRIORITY: u8 = 0x20;

/// h2's limits on one header block, past which the rewriter passes the
/// stream through (issue 22): frame payload, CONTINUATIONs without
/// END_HEADERS, and the dynamic table size an update may ask for.
const LIMIT_PAYLOAD: usize = 16 * 1024;
const LIMIT_CONTINUATIONS: usize = 5;
const LIMIT_TABLE_SIZE: u32 = 4096;
/// Once the stream passes through, a header block with more payload than
/// this ends the connection (a read fails): twice the header list size.
const GUARD_PAYLOAD: usize = 2 * LIMIT_PAYLOAD;

/// Cases whose stream grows past this are skipped (they would only be slow).
const MAX_INPUT: usize = 512 * 1024;

const NAMES: [&str; 8] = [
    ":authority",
    ":path",
    ":method",
    "content-type",
    "user-agent",
    "te",
    "grpc-timeout",
    "x-meta",
];

const AUTHORITIES: [&str; 16] = [
    "/tmp/x.sock",
    "%2Ftmp%2Fx.sock",
    r"\\.\pipe\piperpc-demo",
    "localhost",
    "example.com:8080",
    "",
    "/tmp/caf\u{e9}.sock",
    "localhost:50051",
    "[::1]:443",
    "unix:/run/app.sock",
    "unix:%2Frun%2Fapp.sock",
    "user@host",
    "a b",
    "/",
    "%",
    "host:99999999",
];

#[derive(Debug, Arbitrary)]
struct Case {
    /// Sizes of the reads the socket answers (0: `Pending`).
    reads: Vec<u16>,
    /// Sizes of the buffers the output is read through.
    buffers: Vec<u16>,
    stream: Stream,
}

#[derive(Debug, Arbitrary)]
enum Stream {
    Client(Vec<Event>),
    Mutated {
        events: Vec<Event>,
        edits: Vec<Edit>,
    },
    Raw {
        preface: bool,
        bytes: Vec<u8>,
    },
}

#[derive(Debug, Arbitrary)]
enum Event {
    Request(Request),
    Frame(OtherFrame),
}

/// A frame that is not part of a header block.
#[derive(Debug, Arbitrary)]
struct OtherFrame {
    kind: u8,
    flags: u8,
    stream: u32,
    payload: Payload,
}

#[derive(Debug, Arbitrary)]
enum Payload {
    Bytes(Vec<u8>),
    Repeat { byte: u8, len: u32 },
}

#[derive(Debug, Arbitrary)]
struct Request {
    size_update: Option<u16>,
    fields: Vec<Field>,
    /// Sizes of the CONTINUATION fragments (from the end of the block).
    splits: Vec<u16>,
    padding: Option<u8>,
    priority: Option<[u8; 5]>,
    end_stream: bool,
}

#[derive(Debug, Arbitrary)]
struct Field {
    name: Name,
    value: Value,
    /// httlib-hpack's encoder flags (Huffman, indexing, best format).
    flags: u8,
}

#[derive(Debug, Arbitrary)]
enum Name {
    Known(u8),
    Custom(Vec<u8>),
}

#[derive(Debug, Arbitrary)]
enum Value {
    Authority(u8),
    Bytes(Vec<u8>),
    Repeat { byte: u8, len: u16 },
}

#[derive(Debug, Arbitrary)]
enum Edit {
    Flip { at: u32, xor: u8 },
    Insert { at: u32, bytes: Vec<u8> },
    Remove { at: u32, len: u16 },
    Truncate { at: u32 },
}

fuzz_target!(|case: Case| {
    let reads: Vec<usize> = case.reads.iter().take(8).map(|&n| size(n)).collect();
    let buffers: Vec<usize> = case.buffers.iter().take(8).map(|&n| size(n)).collect();
    match case.stream {
        Stream::Client(events) => {
            let Some(built) = build(&events) else { return };
            let run = run(&built.input, &reads, &buffers);
            check_held(&run);
            check_client(&built, &run);
        }
        Stream::Mutated { events, edits } => {
            let Some(built) = build(&events) else { return };
            let input = mutate(built.input, &edits);
            let run = run(&input, &reads, &buffers);
            check_held(&run);
            check_raw(&input, &run);
        }
        Stream::Raw { preface, bytes } => {
            let mut input = if preface {
                PREFACE.to_vec()
            } else {
                Vec::new()
            };
            input.extend_from_slice(&bytes);
            let run = run(&input, &reads, &buffers);
            check_held(&run);
            check_raw(&input, &run);
        }
    }
});

/// Mostly small sizes (down to single bytes), sometimes large ones.
fn size(n: u16) -> usize {
    if n & 0x8000 != 0 {
        usize::from(n & 0x7fff) * 4
    } else {
        usize::from(n % 64)
    }
}

fn check_held(run: &Run) {
    assert!(
        run.peak_held <= MAX_HELD,
        "held {} bytes when a read returned, more than MAX_HELD ({MAX_HELD})",
        run.peak_held
    );
}

// ---------------------------------------------------------------------------
// Building a well-formed client stream.

type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// A frame as sent or received.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Frame {
    kind: u8,
    flags: u8,
    stream: u32,
    payload: Vec<u8>,
}

/// What the receiver must see for one header block.
#[derive(Debug)]
struct ExpectBlock {
    stream: u32,
    end_stream: bool,
    priority: Option<[u8; 5]>,
    /// The fields h2 must decode while the rewriter is rewriting.
    fields: Fields,
    /// The block's bytes must change: an `:authority` literal is to be
    /// replaced. (`fields` may differ from what was sent without that,
    /// when an indexed field names a table entry that was replaced.)
    rewrites: bool,
    /// This block is over h2's limits: the rewriter must pass it (and all
    /// after it) through.
    over_limit: bool,
    /// The payload of its frames.
    payload: usize,
}

#[derive(Debug)]
enum Expect {
    Block(ExpectBlock),
    Frame(Frame),
}

struct Built {
    input: Vec<u8>,
    /// What the receiver must see, with where each begins in `input`.
    expected: Vec<(usize, Expect)>,
}

fn build(events: &[Event]) -> Option<Built> {
    let mut encoder = Encoder::default();
    let mut input = PREFACE.to_vec();
    let mut expected = Vec::new();
    let (mut blocks, mut settled) = (0u32, false);
    for event in events.iter().take(64) {
        let offset = input.len();
        match event {
            Event::Frame(f) => {
                let kind = match f.kind {
                    HEADERS | PUSH_PROMISE | CONTINUATION => f.kind | 0x10,
                    kind => kind,
                };
                let payload = match &f.payload {
                    Payload::Bytes(bytes) => bytes.clone(),
                    Payload::Repeat { byte, len } => vec![*byte; *len as usize % 70_000],
                };
                let frame = Frame {
                    kind,
                    flags: f.flags,
                    stream: f.stream,
                    payload,
                };
                write_frame(&mut input, &frame);
                expected.push((offset, Expect::Frame(frame)));
            }
            Event::Request(request) => {
                let stream = 2 * blocks + 1;
                let mut block = Vec::new();
                let mut over_limit = false;
                if let Some(size) = request.size_update {
                    let size = u32::from(size) % 5000;
                    over_limit |= size > LIMIT_TABLE_SIZE;
                    encoder.update_max_dynamic_size(size, &mut block).unwrap();
                }
                let mut fields = Vec::new();
                let (mut rewrites, mut valid_authority) = (false, false);
                for field in request.fields.iter().take(32) {
                    let name = match &field.name {
                        Name::Known(i) => NAMES[usize::from(*i) % NAMES.len()].as_bytes().to_vec(),
                        Name::Custom(name) => name.iter().take(64).copied().collect(),
                    };
                    let value = match &field.value {
                        Value::Authority(i) => AUTHORITIES[usize::from(*i) % AUTHORITIES.len()]
                            .as_bytes()
                            .to_vec(),
                        Value::Bytes(bytes) => bytes.clone(),
                        Value::Repeat { byte, len } => vec![*byte; usize::from(*len) % 20_000],
                    };
                    let start = block.len();
                    encoder
                        .encode(
                            (name.clone(), value.clone(), flags(field.flags)),
                            &mut block,
                        )
                        .expect("httlib-hpack encodes any field");
                    let indexed = block[start] & 0x80 != 0;
                    let seen = if settled {
                        value.clone()
                    } else {
                        expected_value(&name, &value)
                    };
                    rewrites |= seen != value && !indexed;
                    valid_authority |= name == b":authority" && accepted(&value);
                    fields.push((name, seen));
                }
                let (payload, non_final) = header_block(&mut input, stream, &block, request);
                over_limit |= payload > LIMIT_PAYLOAD || non_final > LIMIT_CONTINUATIONS;
                settled |= blocks == 0 && !rewrites && valid_authority;
                blocks += 1;
                expected.push((
                    offset,
                    Expect::Block(ExpectBlock {
                        stream,
                        end_stream: request.end_stream,
                        priority: request.priority,
                        fields,
                        rewrites,
                        over_limit,
                        payload,
                    }),
                ));
            }
        }
        if input.len() > MAX_INPUT {
            return None;
        }
    }
    Some(Built { input, expected })
}

/// httlib-hpack's flags: Huffman name (0x1) and value (0x2), one of
/// incremental indexing (0x4) or never indexed (0x8), best format (0x10).
fn flags(f: u8) -> u8 {
    let indexing = match (f >> 2) & 3 {
        1 => 0x4,
        2 => 0x8,
        _ => 0,
    };
    (f & 0x3) | indexing | (f & 0x10)
}

fn accepted(value: &[u8]) -> bool {
    http::uri::Authority::try_from(value).is_ok()
}

/// What h2 must see for a field sent as (name, value) while the rewriter
/// rewrites: a refused `:authority` with every byte but letters, digits
/// and `-._~` made `-`, when that is accepted.
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

fn write_frame(out: &mut Vec<u8>, frame: &Frame) {
    out.extend_from_slice(&(frame.payload.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(&[frame.kind, frame.flags]);
    out.extend_from_slice(&frame.stream.to_be_bytes());
    out.extend_from_slice(&frame.payload);
}

/// Appends `block` as a HEADERS frame and CONTINUATIONs framed as
/// `request` says; returns the frames' total payload and how many
/// CONTINUATIONs lack END_HEADERS.
fn header_block(out: &mut Vec<u8>, stream: u32, block: &[u8], request: &Request) -> (usize, usize) {
    let mut cuts = Vec::new();
    let mut rest = block;
    for &size in request.splits.iter().take(10).rev() {
        let size = usize::from(size).min(rest.len());
        let (head, tail) = rest.split_at(rest.len() - size);
        cuts.push(tail);
        rest = head;
    }
    cuts.reverse();
    let mut flags = if request.end_stream { END_STREAM } else { 0 };
    if cuts.is_empty() {
        flags |= END_HEADERS;
    }
    let mut payload = Vec::new();
    if let Some(pad) = request.padding {
        flags |= PADDED;
        payload.push(pad);
    }
    if let Some(priority) = request.priority {
        flags |= PRIORITY;
        payload.extend_from_slice(&priority);
    }
    payload.extend_from_slice(rest);
    payload.resize(payload.len() + usize::from(request.padding.unwrap_or(0)), 0);
    let mut total = payload.len();
    write_frame(
        out,
        &Frame {
            kind: HEADERS,
            flags,
            stream,
            payload,
        },
    );
    let last = cuts.len().saturating_sub(1);
    for (i, cut) in cuts.iter().enumerate() {
        total += cut.len();
        let flags = if i == last { END_HEADERS } else { 0 };
        write_frame(
            out,
            &Frame {
                kind: CONTINUATION,
                flags,
                stream,
                payload: cut.to_vec(),
            },
        );
    }
    (total, cuts.len().saturating_sub(1))
}

fn mutate(mut input: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for edit in edits.iter().take(16) {
        let at = |at: u32| at as usize % (input.len() + 1);
        match edit {
            Edit::Flip { at: i, xor } => {
                let i = at(*i);
                if let Some(b) = input.get_mut(i) {
                    *b ^= xor;
                }
            }
            Edit::Insert { at: i, bytes } => {
                let i = at(*i);
                input.splice(i..i, bytes.iter().copied());
            }
            Edit::Remove { at: i, len } => {
                let i = at(*i);
                let end = (i + usize::from(*len)).min(input.len());
                input.drain(i..end);
            }
            Edit::Truncate { at: i } => {
                let i = at(*i);
                input.truncate(i);
            }
        }
    }
    input
}

// ---------------------------------------------------------------------------
// Checking what came out.

/// What a receiver sees, as h2 assembles it.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    Block {
        stream: u32,
        end_stream: bool,
        priority: Option<[u8; 5]>,
        fragment: Vec<u8>,
    },
    Frame(Frame),
}

/// Splits `bytes` (after the preface) into frames and assembles header
/// blocks, each with where it begins and ends; panics on anything a receiver would
/// refuse as framing. A `cut` output (its connection failed) may end
/// anywhere: what is unfinished at its end is left out.
fn assemble(bytes: &[u8], cut: bool) -> Vec<(usize, usize, Seen)> {
    let mut seen = Vec::new();
    let mut open: Option<(usize, Seen)> = None;
    let mut pos = PREFACE.len();
    while pos < bytes.len() {
        let whole = bytes.get(pos..pos + FRAME_HEADER).and_then(|h| {
            let len = usize::from(h[0]) << 16 | usize::from(h[1]) << 8 | usize::from(h[2]);
            Some((h, bytes.get(pos + FRAME_HEADER..pos + FRAME_HEADER + len)?))
        });
        let Some((h, payload)) = whole else {
            assert!(cut, "output ends inside a frame");
            return seen;
        };
        let frame = Frame {
            kind: h[3],
            flags: h[4],
            stream: u32::from_be_bytes([h[5], h[6], h[7], h[8]]),
            payload: payload.to_vec(),
        };
        let len = payload.len();
        let start = pos;
        pos += FRAME_HEADER + len;
        match frame.kind {
            HEADERS => {
                assert!(open.is_none(), "HEADERS inside a header block");
                let mut p = &frame.payload[..];
                let mut pad = 0;
                if frame.flags & PADDED != 0 {
                    pad = usize::from(p[0]);
                    p = &p[1..];
                }
                let mut priority = None;
                if frame.flags & PRIORITY != 0 {
                    priority = Some(p[..5].try_into().unwrap());
                    p = &p[5..];
                }
                let block = Seen::Block {
                    stream: frame.stream,
                    end_stream: frame.flags & END_STREAM != 0,
                    priority,
                    fragment: p[..p.len().checked_sub(pad).expect("padding too long")].to_vec(),
                };
                if frame.flags & END_HEADERS != 0 {
                    seen.push((start, pos, block));
                } else {
                    open = Some((start, block));
                }
            }
            CONTINUATION => {
                let (start, mut block) = open.take().expect("CONTINUATION outside a block");
                let Seen::Block {
                    stream, fragment, ..
                } = &mut block
                else {
                    unreachable!()
                };
                assert_eq!(*stream, frame.stream, "CONTINUATION of another stream");
                fragment.extend_from_slice(&frame.payload);
                if frame.flags & END_HEADERS != 0 {
                    seen.push((start, pos, block));
                } else {
                    open = Some((start, block));
                }
            }
            _ => {
                assert!(open.is_none(), "a frame inside a header block");
                seen.push((start, pos, Seen::Frame(frame)));
            }
        }
    }
    assert!(cut || open.is_none(), "output ends inside a header block");
    seen
}

fn check_client(built: &Built, run: &Run) {
    let (input, output) = (&built.input, &run.output);
    let failed = run.error.is_some();
    let rewrites = built
        .expected
        .iter()
        .any(|(_, e)| matches!(e, Expect::Block(b) if b.rewrites));
    if !rewrites && !failed {
        assert!(output == input, "nothing to change, yet the output differs");
    }
    let n = output.len().min(PREFACE.len());
    assert_eq!(output[..n], PREFACE[..n], "the preface comes first");
    let seen = assemble(output, failed);
    assert!(
        seen.len() <= built.expected.len(),
        "more came out than went in"
    );
    let mut decoder = Decoder::default();
    for (i, (in_start, expect)) in built.expected.iter().enumerate() {
        let Some((out_start, out_end, got)) = seen.get(i) else {
            // Only a failed read cuts the output short.
            assert!(
                failed,
                "{} of {} frames or blocks came out",
                seen.len(),
                built.expected.len()
            );
            check_failure(built, i);
            return;
        };
        let in_end = built.expected.get(i + 1).map_or(input.len(), |(at, _)| *at);
        let as_sent = output[*out_start..*out_end] == input[*in_start..in_end];
        match expect {
            Expect::Frame(frame) => match got {
                Seen::Frame(got) => assert_eq!(got, frame, "frame {i} changed"),
                Seen::Block { .. } => panic!("a header block came out for frame {i}"),
            },
            Expect::Block(block) if block.over_limit => {
                // The rewriter hands this block, and all after it, to h2 as
                // they came, under the guard.
                let rest = &output[*out_start..];
                if failed {
                    assert!(
                        input[*in_start..].starts_with(rest),
                        "from block {i}, over h2's limits, the output is not the input"
                    );
                    check_failure(built, i);
                } else {
                    assert!(
                        rest == &input[*in_start..],
                        "from block {i}, over h2's limits, the output is not the input"
                    );
                    assert!(
                        !big_block_from(built, i),
                        "a block over {GUARD_PAYLOAD} bytes passed through"
                    );
                }
                return;
            }
            Expect::Block(block) => {
                assert!(
                    !(block.rewrites && as_sent),
                    "block {i}, within h2's limits, came out as sent with an \
                     :authority to rewrite"
                );
                let Seen::Block {
                    stream,
                    end_stream,
                    priority,
                    fragment,
                } = got
                else {
                    panic!("a frame came out for header block {i}");
                };
                assert_eq!(
                    (*stream, *end_stream, *priority),
                    (block.stream, block.end_stream, block.priority),
                    "block {i}'s frame fields changed"
                );
                let mut fragment = fragment.clone();
                let mut decoded = Vec::new();
                if let Err(e) = decoder.decode(&mut fragment, &mut decoded) {
                    panic!("block {i} does not decode: {e}");
                }
                let decoded: Fields = decoded.into_iter().map(|(n, v, _)| (n, v)).collect();
                assert!(
                    decoded == block.fields,
                    "block {i} decodes to\n{:?}\ninstead of\n{:?}",
                    printable(&decoded),
                    printable(&block.fields)
                );
            }
        }
    }
    assert!(!failed, "a read failed with every block handled");
    assert_eq!(
        seen.len(),
        built.expected.len(),
        "more came out than went in"
    );
}

/// A block from the `i`th event on has more payload than the guard allows.
fn big_block_from(built: &Built, i: usize) -> bool {
    built.expected[i..]
        .iter()
        .any(|(_, e)| matches!(e, Expect::Block(b) if b.payload > GUARD_PAYLOAD))
}

/// The connection failed with the output checked up to the `i`th event:
/// only the guard may fail it, on a block past its bound.
fn check_failure(built: &Built, i: usize) {
    assert!(
        big_block_from(built, i),
        "a read failed with no block over {GUARD_PAYLOAD} bytes left to pass"
    );
}

fn printable(fields: &Fields) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(n, v)| {
            let s = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(80)]).into_owned();
            (s(n), s(v))
        })
        .collect()
}

/// Where the first HEADERS or PUSH_PROMISE frame begins, walking frames
/// from the end of the preface as the rewriter does.
fn first_block(input: &[u8]) -> Option<usize> {
    let mut pos = PREFACE.len();
    loop {
        let h = input.get(pos..pos + FRAME_HEADER)?;
        if h[3] == HEADERS || h[3] == PUSH_PROMISE {
            return Some(pos);
        }
        let len = usize::from(h[0]) << 16 | usize::from(h[1]) << 8 | usize::from(h[2]);
        pos += FRAME_HEADER + len;
    }
}

fn check_raw(input: &[u8], run: &Run) {
    let output = &run.output;
    match first_block(input) {
        None => {
            assert!(run.error.is_none(), "a read failed with no header block");
            assert!(output == input, "no header block, yet the output differs");
        }
        Some(at) => {
            // A failed read may take with it some of what came before.
            let n = if run.error.is_some() {
                output.len().min(at)
            } else {
                at
            };
            assert!(
                output.len() >= n && output[..n] == input[..n],
                "the output differs before the first header block (at {at})"
            );
        }
    }
}
