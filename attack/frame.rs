//! HTTP/2 frames as bytes (RFC 9113, section 4): a 9-byte header (24-bit
//! length, type, flags, 31-bit stream id) and a payload.
//!
//! Everything here encodes exactly what it is told, valid or not: an
//! attack needs frames a well-behaved library would refuse to write (a
//! length above the peer's maximum, a CONTINUATION after nothing, a header
//! block cut anywhere). Nothing checks; the server is the one under test.

use std::fmt;

/// The client connection preface, sent before any frame.
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Length of every frame header.
pub const HEADER_LEN: usize = 9;

/// Largest value of the 24-bit length field.
pub const MAX_LENGTH: u32 = (1 << 24) - 1;

/// Frame types.
pub mod kind {
    /// DATA: message bytes of a stream, flow-controlled.
    pub const DATA: u8 = 0x0;
    /// HEADERS: opens a stream with the first part of a header block.
    pub const HEADERS: u8 = 0x1;
    /// PRIORITY (deprecated by RFC 9113, still parsed).
    pub const PRIORITY: u8 = 0x2;
    /// RST_STREAM: ends one stream with an error code.
    pub const RST_STREAM: u8 = 0x3;
    /// SETTINGS: connection parameters, or the ACK of the peer's.
    pub const SETTINGS: u8 = 0x4;
    /// PUSH_PROMISE (servers only).
    pub const PUSH_PROMISE: u8 = 0x5;
    /// PING: 8 bytes the peer must echo with ACK.
    pub const PING: u8 = 0x6;
    /// GOAWAY: the connection ends, with an error code and debug data.
    pub const GOAWAY: u8 = 0x7;
    /// WINDOW_UPDATE: more flow-control credit.
    pub const WINDOW_UPDATE: u8 = 0x8;
    /// CONTINUATION: more of a header block that HEADERS started.
    pub const CONTINUATION: u8 = 0x9;
}

/// Frame flags (each meaningful only on some types).
pub mod flag {
    /// DATA, HEADERS: the sender's last frame on this stream.
    pub const END_STREAM: u8 = 0x1;
    /// SETTINGS, PING: an acknowledgement.
    pub const ACK: u8 = 0x1;
    /// HEADERS, CONTINUATION: the header block is complete.
    pub const END_HEADERS: u8 = 0x4;
    /// DATA, HEADERS: the payload starts with a pad length.
    pub const PADDED: u8 = 0x8;
    /// HEADERS: the payload starts with a priority.
    pub const PRIORITY: u8 = 0x20;
}

/// SETTINGS identifiers.
pub mod setting {
    /// Size of the HPACK dynamic table the sender's decoder keeps.
    pub const HEADER_TABLE_SIZE: u16 = 0x1;
    /// Whether the server may push (0 or 1).
    pub const ENABLE_PUSH: u16 = 0x2;
    /// Streams the sender lets its peer open at once.
    pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    /// Initial flow-control window of each stream the sender receives on.
    pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
    /// Largest frame payload the sender accepts.
    pub const MAX_FRAME_SIZE: u16 = 0x5;
    /// Largest decoded header list the sender accepts (advisory).
    pub const MAX_HEADER_LIST_SIZE: u16 = 0x6;
}

/// An HTTP/2 error code (RST_STREAM, GOAWAY), named when it is a known one.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Reason(pub u32);

impl Reason {
    /// Graceful shutdown, or no error.
    pub const NO_ERROR: Reason = Reason(0x0);
    /// A protocol error not covered by a more specific code.
    pub const PROTOCOL_ERROR: Reason = Reason(0x1);
    /// An unexpected internal error.
    pub const INTERNAL_ERROR: Reason = Reason(0x2);
    /// Flow control was violated.
    pub const FLOW_CONTROL_ERROR: Reason = Reason(0x3);
    /// SETTINGS were not acknowledged in time.
    pub const SETTINGS_TIMEOUT: Reason = Reason(0x4);
    /// A frame came on a half-closed stream.
    pub const STREAM_CLOSED: Reason = Reason(0x5);
    /// A frame had an invalid size.
    pub const FRAME_SIZE_ERROR: Reason = Reason(0x6);
    /// The stream was refused before any processing.
    pub const REFUSED_STREAM: Reason = Reason(0x7);
    /// The stream is no longer needed.
    pub const CANCEL: Reason = Reason(0x8);
    /// The HPACK state could not be kept.
    pub const COMPRESSION_ERROR: Reason = Reason(0x9);
    /// A CONNECT tunnel failed.
    pub const CONNECT_ERROR: Reason = Reason(0xa);
    /// The peer behaves in a way that could be abuse.
    pub const ENHANCE_YOUR_CALM: Reason = Reason(0xb);
    /// The transport does not meet security requirements.
    pub const INADEQUATE_SECURITY: Reason = Reason(0xc);
    /// HTTP/1.1 is required.
    pub const HTTP_1_1_REQUIRED: Reason = Reason(0xd);

    /// The code's name in RFC 9113, if it has one.
    pub fn name(self) -> Option<&'static str> {
        const NAMES: [&str; 14] = [
            "NO_ERROR",
            "PROTOCOL_ERROR",
            "INTERNAL_ERROR",
            "FLOW_CONTROL_ERROR",
            "SETTINGS_TIMEOUT",
            "STREAM_CLOSED",
            "FRAME_SIZE_ERROR",
            "REFUSED_STREAM",
            "CANCEL",
            "COMPRESSION_ERROR",
            "CONNECT_ERROR",
            "ENHANCE_YOUR_CALM",
            "INADEQUATE_SECURITY",
            "HTTP_1_1_REQUIRED",
        ];
        NAMES.get(self.0 as usize).copied()
    }
}

impl fmt::Debug for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "Reason({:#x})", self.0),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// A frame header as it is on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Head {
    /// Payload length (24 bits on the wire; larger values are cut).
    pub length: u32,
    /// Frame type ([`kind`]).
    pub kind: u8,
    /// Flags ([`flag`]).
    pub flags: u8,
    /// Stream id (31 bits; the reserved bit is sent as 0).
    pub stream: u32,
}

impl Head {
    /// The 9 bytes of this header.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let length = self.length.to_be_bytes();
        let stream = (self.stream & 0x7fff_ffff).to_be_bytes();
        [
            length[1], length[2], length[3], self.kind, self.flags, stream[0], stream[1],
            stream[2], stream[3],
        ]
    }

    /// The header in `bytes`.
    pub fn parse(bytes: &[u8; HEADER_LEN]) -> Head {
        Head {
            length: u32::from_be_bytes([0, bytes[0], bytes[1], bytes[2]]),
            kind: bytes[3],
            flags: bytes[4],
            stream: u32::from_be_bytes([bytes[5], bytes[6], bytes[7], bytes[8]]) & 0x7fff_ffff,
        }
    }

    /// Whether `flag` is set.
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag == flag
    }
}

/// A whole frame: header and payload, its length taken from the payload.
pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let head = Head {
        length: payload.len() as u32,
        kind,
        flags,
        stream,
    };
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(&head.encode());
    bytes.extend_from_slice(payload);
    bytes
}

/// A SETTINGS frame carrying `values` (identifier, value).
pub fn settings(values: &[(u16, u32)]) -> Vec<u8> {
    let mut payload = Vec::with_capacity(values.len() * 6);
    for (id, value) in values {
        payload.extend_from_slice(&id.to_be_bytes());
        payload.extend_from_slice(&value.to_be_bytes());
    }
    frame(kind::SETTINGS, 0, 0, &payload)
}

/// The acknowledgement of the peer's SETTINGS.
pub fn settings_ack() -> Vec<u8> {
    frame(kind::SETTINGS, flag::ACK, 0, &[])
}

/// A PING with `payload`, or its ACK.
pub fn ping(payload: [u8; 8], ack: bool) -> Vec<u8> {
    frame(kind::PING, if ack { flag::ACK } else { 0 }, 0, &payload)
}

/// RST_STREAM of `stream` with `reason`.
pub fn rst_stream(stream: u32, reason: Reason) -> Vec<u8> {
    frame(kind::RST_STREAM, 0, stream, &reason.0.to_be_bytes())
}

/// WINDOW_UPDATE of `stream` (0: the connection) by `increment`.
pub fn window_update(stream: u32, increment: u32) -> Vec<u8> {
    frame(kind::WINDOW_UPDATE, 0, stream, &increment.to_be_bytes())
}

/// HEADERS on `stream` carrying `block` (or the first part of it).
pub fn headers(stream: u32, block: &[u8], end_headers: bool, end_stream: bool) -> Vec<u8> {
    let mut flags = 0;
    if end_headers {
        flags |= flag::END_HEADERS;
    }
    if end_stream {
        flags |= flag::END_STREAM;
    }
    frame(kind::HEADERS, flags, stream, block)
}

/// CONTINUATION on `stream` carrying more of a header block.
pub fn continuation(stream: u32, block: &[u8], end_headers: bool) -> Vec<u8> {
    let flags = if end_headers { flag::END_HEADERS } else { 0 };
    frame(kind::CONTINUATION, flags, stream, block)
}

/// DATA on `stream`.
pub fn data(stream: u32, payload: &[u8], end_stream: bool) -> Vec<u8> {
    let flags = if end_stream { flag::END_STREAM } else { 0 };
    frame(kind::DATA, flags, stream, payload)
}

/// A header block cut into a HEADERS frame and CONTINUATIONs of at most
/// `max_payload` bytes each; END_HEADERS on the last one only if
/// `end_headers`.
pub fn header_block(
    stream: u32,
    block: &[u8],
    max_payload: usize,
    end_headers: bool,
    end_stream: bool,
) -> Vec<u8> {
    let max_payload = max_payload.max(1);
    let mut chunks = block.chunks(max_payload).peekable();
    let first = chunks.next().unwrap_or(&[]);
    let mut bytes = headers(
        stream,
        first,
        end_headers && chunks.peek().is_none(),
        end_stream,
    );
    while let Some(chunk) = chunks.next() {
        let last = chunks.peek().is_none();
        bytes.extend(continuation(stream, chunk, end_headers && last));
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_round_trips_and_drops_the_reserved_bit() {
        let head = Head {
            length: 0x01_02_03,
            kind: kind::CONTINUATION,
            flags: flag::END_HEADERS,
            stream: 0x8000_0005,
        };
        let bytes = head.encode();
        assert_eq!(bytes, [1, 2, 3, 9, 4, 0, 0, 0, 5]);
        assert_eq!(Head::parse(&bytes), Head { stream: 5, ..head });
    }

    #[test]
    fn a_block_is_cut_with_end_headers_on_the_last_frame_only() {
        let bytes = header_block(1, &[7; 5], 2, true, true);
        // HEADERS(2) + CONTINUATION(2) + CONTINUATION(1).
        assert_eq!(bytes.len(), 3 * HEADER_LEN + 5);
        assert_eq!(bytes[3..5], [kind::HEADERS, flag::END_STREAM]);
        assert_eq!(bytes[11 + 3..11 + 5], [kind::CONTINUATION, 0]);
        assert_eq!(
            bytes[22 + 3..22 + 5],
            [kind::CONTINUATION, flag::END_HEADERS]
        );
    }

    #[test]
    fn reasons_are_named() {
        assert_eq!(Reason::ENHANCE_YOUR_CALM.to_string(), "ENHANCE_YOUR_CALM");
        assert_eq!(Reason(0x42).to_string(), "Reason(0x42)");
    }
}
