//! A zero flow-control window: the client says it can take no data
//! (SETTINGS_INITIAL_WINDOW_SIZE 0) and asks for a server stream that
//! produces as fast as it can. The server may send nothing, so what its
//! handlers produce must wait somewhere; a bounded server lets them wait
//! (backpressure up to the handler), an unbounded one buffers the stream's
//! output in memory for as long as the client keeps the window shut.
//!
//! Measure the server while the streams are stalled, then drop the
//! connection.

use std::time::Duration;

use crate::answer::Answer;
use crate::conn::{Conn, Synced};
use crate::frame::{self, setting};
use crate::grpc::{self, COUNT, Request};

/// Server streams opened behind a zero window.
#[derive(Clone, Debug)]
pub struct ZeroWindow {
    /// Streams opened on the connection.
    pub streams: usize,
    /// The server-streaming call each opens.
    pub request: Request,
    /// Its request message (protobuf, unframed).
    pub message: Vec<u8>,
    /// How long to wait for the server's SETTINGS and responses.
    pub within: Duration,
}

impl Default for ZeroWindow {
    /// 20 of the demo's `Count` streams, each asking for 100,000 messages
    /// of 64 KiB with no pause: 6.4 GB each, if the server buffered it.
    fn default() -> ZeroWindow {
        ZeroWindow {
            streams: 20,
            request: Request::new(COUNT),
            message: grpc::count_request(100_000, 64 * 1024, 0),
            within: crate::ANSWER_WITHIN,
        }
    }
}

/// What the streams got.
#[derive(Clone, Debug)]
pub struct ZeroWindowReport {
    /// Streams opened.
    pub streams: usize,
    /// Streams whose response headers came (the calls are running).
    pub responses: usize,
    /// DATA payload bytes the server sent: 0, if it respects the window.
    pub data_bytes: u64,
    /// What the server sent.
    pub answer: Answer,
}

/// Opens the streams with the window shut, waits for their response
/// headers (the handlers run) and a PING round trip, and returns with the
/// connection still open.
pub async fn zero_window(conn: &mut Conn, attack: &ZeroWindow) -> ZeroWindowReport {
    let mut report = ZeroWindowReport {
        streams: 0,
        responses: 0,
        data_bytes: 0,
        answer: Answer::default(),
    };
    if conn
        .start(&[(setting::INITIAL_WINDOW_SIZE, 0)], attack.within)
        .await
    {
        let block = attack.request.block();
        let body = grpc::message(&attack.message);
        let mut bytes = Vec::new();
        for index in 0..attack.streams {
            let stream = 1 + 2 * index as u32;
            bytes.extend(frame::headers(stream, block.bytes(), true, false));
            bytes.extend(frame::data(stream, &body, true));
        }
        if conn.send(&bytes).await {
            report.streams = attack.streams;
            let streams = attack.streams;
            conn.wait_until(attack.within, |answer| {
                answer.responses.len() >= streams || answer.ended()
            })
            .await;
            if conn.sync(attack.within).await == Synced::Acked {
                conn.drain().await;
            }
        }
    }
    let answer = conn.answer().clone();
    report.responses = answer.responses.len();
    report.data_bytes = answer.data_bytes;
    report.answer = answer;
    report
}
