//! The gRPC side of an attack: which call a request names, how a message
//! is framed, and the piperpc demo's methods (what `piperpc serve` runs,
//! and what the tests and the bench attack).
//!
//! Messages are protobuf written by hand (a few varint fields): the
//! attacks need two messages, not a code generator.

use crate::hpack::{self, Block};

/// The authority a well-behaved client names (piperpc's own channel
/// sends it too).
pub const LOCALHOST: &str = "localhost";

/// The demo's unary method: `Echo(EchoRequest) returns (EchoResponse)`.
pub const ECHO: &str = "/piperpc.demo.v1.Echo/Echo";

/// The demo's server-streaming method: `Count(CountRequest) returns
/// (stream CountResponse)`.
pub const COUNT: &str = "/piperpc.demo.v1.Echo/Count";

/// The request line of a call: which method, and which `:authority`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// `/package.Service/Method`.
    pub path: String,
    /// What `:authority` says: a host name, or what stock clients send on
    /// local sockets (the socket's path), which piperpc's listener
    /// rewrites.
    pub authority: String,
}

impl Request {
    /// A call of `path` naming `localhost`.
    pub fn new(path: &str) -> Request {
        Request {
            path: path.to_string(),
            authority: LOCALHOST.to_string(),
        }
    }

    /// The same call naming `authority` instead.
    pub fn authority(mut self, authority: &str) -> Request {
        self.authority = authority.to_string();
        self
    }

    /// Its header block ([`hpack::grpc_request`]).
    pub fn block(&self) -> Block {
        hpack::grpc_request(&self.path, &self.authority)
    }
}

impl Default for Request {
    /// The demo's `Echo`.
    fn default() -> Request {
        Request::new(ECHO)
    }
}

/// `message` as gRPC frames it in DATA: uncompressed flag, 4-byte length.
pub fn message(message: &[u8]) -> Vec<u8> {
    prefixed(message.len() as u32, message)
}

/// A length prefix announcing `announced` bytes, followed by `bytes`
/// (which need not be that long: the point of a lying prefix).
pub fn prefixed(announced: u32, bytes: &[u8]) -> Vec<u8> {
    let mut framed = Vec::with_capacity(5 + bytes.len());
    framed.push(0);
    framed.extend_from_slice(&announced.to_be_bytes());
    framed.extend_from_slice(bytes);
    framed
}

/// The demo's `CountRequest { count, payload_size, interval_ms }`,
/// protobuf-encoded.
pub fn count_request(count: u32, payload_size: u32, interval_ms: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    for (field, value) in [(1, count), (2, payload_size), (3, interval_ms)] {
        if value != 0 {
            bytes.push((field << 3) as u8); // wire type 0: varint
            varint(&mut bytes, value);
        }
    }
    bytes
}

fn varint(bytes: &mut Vec<u8>, mut value: u32) {
    while value >= 0x80 {
        bytes.push(value as u8 | 0x80);
        value >>= 7;
    }
    bytes.push(value as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_request_is_protobuf() {
        // count = 300 is the varint [0xac, 0x02].
        assert_eq!(count_request(300, 0, 1), [0x08, 0xac, 0x02, 0x18, 0x01]);
    }

    #[test]
    fn a_message_is_length_prefixed() {
        assert_eq!(message(b"ab"), [0, 0, 0, 0, 2, b'a', b'b']);
        assert_eq!(prefixed(u32::MAX, b"")[1..], [0xff; 4]);
    }
}
