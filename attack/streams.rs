//! Stream exhaustion: open far more streams than the server allows at
//! once, none of them finished. The server announces its limit
//! (SETTINGS_MAX_CONCURRENT_STREAMS; piperpc keeps hyper's 200) and must
//! refuse every stream past it with RST_STREAM REFUSED_STREAM, rather
//! than accept and hold them all.
//!
//! No stream ever finishes here (no END_STREAM, so each accepted call
//! waits for its request body), so the server's limit is exactly what it
//! accepts.

use std::time::Duration;

use crate::answer::Answer;
use crate::conn::Conn;
use crate::frame;
use crate::grpc::Request;

/// Streams opened at once on one connection.
#[derive(Clone, Debug)]
pub struct Exhaustion {
    /// Streams opened (HEADERS without END_STREAM).
    pub streams: usize,
    /// The call each opens.
    pub request: Request,
    /// How long to wait for the server's SETTINGS and its refusals.
    pub within: Duration,
}

impl Default for Exhaustion {
    /// 1000 streams of the demo's `Echo`.
    fn default() -> Exhaustion {
        Exhaustion {
            streams: 1000,
            request: Request::default(),
            within: crate::ANSWER_WITHIN,
        }
    }
}

/// What the server made of them.
#[derive(Clone, Debug)]
pub struct ExhaustionReport {
    /// Streams opened.
    pub opened: usize,
    /// The limit the server announced, if it did.
    pub limit: Option<u32>,
    /// Streams reset with REFUSED_STREAM.
    pub refused: usize,
    /// Streams reset for another reason.
    pub other_resets: usize,
    /// Streams the server kept: opened, not reset.
    pub accepted: usize,
    /// What the server sent.
    pub answer: Answer,
}

/// Opens [`Exhaustion::streams`] streams in one go, waits until all but
/// the announced limit are reset (or the connection ends, or the wait
/// runs out), then makes sure with two PING round trips that no further
/// reset is on its way. The connection is left open.
pub async fn exhaust_streams(conn: &mut Conn, attack: &Exhaustion) -> ExhaustionReport {
    let mut report = ExhaustionReport {
        opened: 0,
        limit: None,
        refused: 0,
        other_resets: 0,
        accepted: 0,
        answer: Answer::default(),
    };
    if conn.start(&[], attack.within).await {
        report.limit = conn.answer().max_concurrent_streams();
        let block = attack.request.block();
        let mut bytes = Vec::new();
        for index in 0..attack.streams {
            let stream = 1 + 2 * index as u32;
            bytes.extend(frame::headers(stream, block.bytes(), true, false));
        }
        if conn.send(&bytes).await {
            report.opened = attack.streams;
            let expected = attack
                .streams
                .saturating_sub(report.limit.map_or(attack.streams, |limit| limit as usize));
            conn.wait_until(attack.within, |answer| {
                answer.resets.len() >= expected || answer.ended()
            })
            .await;
            conn.sync(attack.within).await;
            conn.sync(attack.within).await;
        }
    }
    let answer = conn.answer().clone();
    report.refused = answer.refused();
    report.other_resets = answer.resets.len() - report.refused;
    report.accepted = report.opened - answer.resets.len().min(report.opened);
    report.answer = answer;
    report
}
