//! The raw floor: the same payloads over the same kind of local socket, with
//! no gRPC, HTTP/2 or protobuf at all.
//!
//! The protocol is the least any protocol must do to move these bytes, so
//! what gRPC costs on top of the OS shows as the distance to it. A request
//! is a 12-byte header (operation, count, size: little-endian `u32`s), and
//! for an echo the `size` bytes of payload after it:
//!
//! - echo: the server sends the payload back;
//! - stream: the server writes `count` messages of `size` bytes.
//!
//! Replies carry no framing: the client knows how many bytes to expect.
//! The server ([`server`]) is a separate process, as the gRPC one is, on a
//! Unix domain socket or a message-mode named pipe ([`client`] for the other
//! end).

pub mod client;
pub mod server;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

use std::io;

#[cfg(unix)]
use unix as platform;
#[cfg(windows)]
use windows as platform;

/// Bytes in a request header.
pub const HEADER_LEN: usize = 12;

/// The largest message either side agrees to handle.
const MAX_SIZE: u32 = 64 * 1024 * 1024;

const ECHO: u32 = 1;
const STREAM: u32 = 2;

/// One request to the raw server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// Send back the `size` bytes that follow the header.
    Echo {
        /// Payload bytes.
        size: u32,
    },
    /// Write `count` messages of `size` bytes.
    Stream {
        /// Messages to write.
        count: u32,
        /// Bytes in each.
        size: u32,
    },
}

impl Request {
    /// The header on the wire.
    pub fn encode(self) -> [u8; HEADER_LEN] {
        let (op, count, size) = match self {
            Request::Echo { size } => (ECHO, 1, size),
            Request::Stream { count, size } => (STREAM, count, size),
        };
        let mut header = [0; HEADER_LEN];
        header[0..4].copy_from_slice(&op.to_le_bytes());
        header[4..8].copy_from_slice(&count.to_le_bytes());
        header[8..12].copy_from_slice(&size.to_le_bytes());
        header
    }

    /// Reads a header; an unknown operation or an oversized message is
    /// `InvalidData`.
    pub fn decode(header: [u8; HEADER_LEN]) -> io::Result<Request> {
        let word = |i: usize| u32::from_le_bytes(header[i..i + 4].try_into().expect("4 bytes"));
        let (op, count, size) = (word(0), word(4), word(8));
        if size > MAX_SIZE {
            return Err(invalid(format!(
                "message of {size} bytes; at most {MAX_SIZE}"
            )));
        }
        match op {
            ECHO => Ok(Request::Echo { size }),
            STREAM => Ok(Request::Stream { count, size }),
            _ => Err(invalid(format!("unknown operation {op}"))),
        }
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip() {
        for request in [
            Request::Echo { size: 64 },
            Request::Stream {
                count: 256,
                size: 65536,
            },
        ] {
            assert_eq!(Request::decode(request.encode()).unwrap(), request);
        }
    }

    #[test]
    fn bad_headers_are_refused() {
        let mut header = Request::Echo { size: 1 }.encode();
        header[0] = 9;
        assert!(Request::decode(header).is_err());
        let huge = Request::Echo { size: MAX_SIZE + 1 }.encode();
        assert!(Request::decode(huge).is_err());
    }
}
