//! Input that is not HTTP/2 or not gRPC: random bytes after the preface,
//! a frame header announcing more than the server's maximum frame size,
//! and a gRPC message whose length prefix announces 4 GiB.
//!
//! The first two are connection errors the server must answer by closing
//! (after a GOAWAY, ideally), without reading the announced length. The
//! third is valid HTTP/2: the server must refuse the message by its
//! prefix (`RESOURCE_EXHAUSTED`), not wait for, or allocate, 4 GiB.

use std::time::Duration;

use crate::answer::Answer;
use crate::conn::{Conn, Synced};
use crate::frame::{self, MAX_LENGTH};
use crate::grpc::{self, Request};

/// Deterministic noise (xorshift), so a failure can be replayed.
pub fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// The preface and SETTINGS, then `len` bytes of noise from `seed`; waits
/// up to `within` for the server to end the connection.
pub async fn noise_after_preface(
    conn: &mut Conn,
    seed: u64,
    len: usize,
    within: Duration,
) -> Answer {
    if conn.start(&[], within).await {
        conn.send(&noise(seed, len)).await;
        conn.wait_closed(within).await;
    }
    conn.answer().clone()
}

/// After a complete handshake (SETTINGS exchanged both ways, so the
/// server's own maximum frame size applies), a DATA frame header
/// announcing 16 MiB - 1 bytes on stream 1 and 1 KiB of it; waits up to
/// `within` for the server to end the connection.
pub async fn oversized_frame(conn: &mut Conn, within: Duration) -> Answer {
    if conn.start(&[], within).await && conn.sync(within).await == Synced::Acked {
        let head = frame::Head {
            length: MAX_LENGTH,
            kind: frame::kind::DATA,
            flags: 0,
            stream: 1,
        };
        let mut bytes = head.encode().to_vec();
        bytes.extend_from_slice(&[0; 1024]);
        conn.send(&bytes).await;
        conn.wait_closed(within).await;
    }
    conn.answer().clone()
}

/// What a lying length prefix got.
#[derive(Clone, Debug)]
pub struct LengthPrefixReport {
    /// The length announced.
    pub announced: u32,
    /// The call's `grpc-status`, if it was answered.
    pub grpc_status: Option<u32>,
    /// What the server sent.
    pub answer: Answer,
}

/// A call of `request` whose only message announces `announced` bytes
/// and brings 1 KiB of them; the stream stays open (no END_STREAM).
/// Waits up to `within` for the call to end.
pub async fn lying_length_prefix(
    conn: &mut Conn,
    announced: u32,
    request: &Request,
    within: Duration,
) -> LengthPrefixReport {
    if conn.start(&[], within).await {
        let mut bytes = frame::headers(1, request.block().bytes(), true, false);
        bytes.extend(frame::data(
            1,
            &grpc::prefixed(announced, &[0; 1024]),
            false,
        ));
        if conn.send(&bytes).await {
            conn.wait_until(within, |answer| answer.stream_done(1))
                .await;
        }
    }
    let answer = conn.answer().clone();
    LengthPrefixReport {
        announced,
        grpc_status: answer.grpc_status(1),
        answer,
    }
}
