//! One blocking client connection to the floor server.

use std::io::{self, Read, Write};

use super::platform;
use crate::raw::{HEADER_LEN, Request};

/// An open connection to the floor server, with its buffers.
#[derive(Debug)]
pub struct FloorConn {
    stream: platform::ClientStream,
    /// Header and payload of the last echo, sent in one write.
    request: Vec<u8>,
    reply: Vec<u8>,
}

impl FloorConn {
    /// Connects to the floor server at `path`.
    pub fn connect(path: &str) -> io::Result<FloorConn> {
        Ok(FloorConn {
            stream: platform::connect(path)?,
            request: Vec::new(),
            reply: Vec::new(),
        })
    }

    /// Sends `size` bytes and reads them back, blocking.
    pub fn round_trip(&mut self, size: usize) -> io::Result<()> {
        if self.request.len() != HEADER_LEN + size {
            let header = Request::Echo { size: size as u32 }.encode();
            self.request = header.to_vec();
            self.request.resize(HEADER_LEN + size, b'x');
            self.reply = vec![0; size];
        }
        self.stream.write_all(&self.request)?;
        self.stream.read_exact(&mut self.reply)
    }

    /// Asks for `count` messages of `size` bytes and reads them all,
    /// blocking; returns the bytes read.
    pub fn stream(&mut self, count: u32, size: usize) -> io::Result<u64> {
        let header = Request::Stream {
            count,
            size: size as u32,
        }
        .encode();
        self.stream.write_all(&header)?;
        self.reply.resize(size, 0);
        let total = u64::from(count) * size as u64;
        let mut read = 0u64;
        while read < total {
            let want = (total - read).min(size as u64) as usize;
            let n = self.stream.read(&mut self.reply[..want])?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            read += n as u64;
        }
        Ok(read)
    }
}
