//! The floor server's process: `piperpc-bench floor-server --listen PATH`.
//!
//! Accepts on the main thread and answers each connection on a thread of
//! its own, with blocking reads and writes. It prints `listening on PATH`
//! when ready and exits when its standard input closes, as the others do.

use std::io::{self, Read, Write};

use super::platform;
use crate::raw::{HEADER_LEN, Request};

/// Serves floor requests on `path` until standard input closes.
pub fn run(path: &str) -> anyhow::Result<()> {
    let mut acceptor = platform::bind(path)?;
    println!("listening on {path}");
    crate::role::exit_on_stdin_eof();
    loop {
        let stream = acceptor.accept()?;
        std::thread::spawn(move || {
            if let Err(error) = serve_connection(stream) {
                eprintln!("floor-server: connection failed: {error}");
            }
        });
    }
}

/// Answers one connection's requests until the client closes it.
fn serve_connection<S: Read + Write>(mut stream: S) -> io::Result<()> {
    let mut payload = Vec::new();
    let mut chunk = Vec::new();
    loop {
        let mut header = [0; HEADER_LEN];
        match stream.read_exact(&mut header) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(e),
        }
        match Request::decode(header)? {
            Request::Echo { size } => {
                payload.resize(size as usize, 0);
                stream.read_exact(&mut payload)?;
                stream.write_all(&payload)?;
            }
            Request::Stream { count, size } => {
                if chunk.len() != size as usize {
                    chunk = vec![b'x'; size as usize];
                }
                for _ in 0..count {
                    stream.write_all(&chunk)?;
                }
            }
        }
    }
}
