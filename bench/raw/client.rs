//! One client connection to the raw server.

use std::io;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{HEADER_LEN, Request, platform};

/// An open connection to the raw server, with its buffers.
#[derive(Debug)]
pub struct RawConn {
    stream: platform::ClientStream,
    /// Header and payload of the last echo, sent in one write.
    request: Vec<u8>,
    reply: Vec<u8>,
}

impl RawConn {
    /// Connects to the raw server at `path`.
    pub async fn connect(path: &str) -> io::Result<RawConn> {
        Ok(RawConn {
            stream: platform::connect(path).await?,
            request: Vec::new(),
            reply: Vec::new(),
        })
    }

    /// Sends `size` bytes and reads them back.
    pub async fn round_trip(&mut self, size: usize) -> io::Result<()> {
        if self.request.len() != HEADER_LEN + size {
            let header = Request::Echo { size: size as u32 }.encode();
            self.request = header.to_vec();
            self.request.resize(HEADER_LEN + size, b'x');
            self.reply = vec![0; size];
        }
        self.stream.write_all(&self.request).await?;
        self.stream.read_exact(&mut self.reply).await?;
        Ok(())
    }

    /// Asks for `count` messages of `size` bytes and reads them all;
    /// returns the bytes read.
    pub async fn stream(&mut self, count: u32, size: usize) -> io::Result<u64> {
        let header = Request::Stream {
            count,
            size: size as u32,
        }
        .encode();
        self.stream.write_all(&header).await?;
        self.reply.resize(size, 0);
        let total = u64::from(count) * size as u64;
        let mut read = 0u64;
        while read < total {
            let want = (total - read).min(size as u64) as usize;
            let n = self.stream.read(&mut self.reply[..want]).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            read += n as u64;
        }
        Ok(read)
    }
}
