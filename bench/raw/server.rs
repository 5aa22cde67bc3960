//! The raw server's process: `piperpc-bench raw-server --listen PATH`.
//!
//! One task per connection, on the same multi-threaded tokio runtime as the
//! gRPC server, answering requests one after another. It prints
//! `listening on PATH` when ready and exits when its standard input closes,
//! as `piperpc serve --stop-on-stdin-eof` does.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use super::{HEADER_LEN, Request, platform};

/// Read buffer per connection: one read takes a whole small request.
const READ_BUFFER: usize = 64 * 1024;

/// Serves raw requests on `path` until standard input closes.
pub fn run(path: &str) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let mut acceptor = platform::bind(path)?;
        println!("listening on {path}");
        crate::role::exit_on_stdin_eof();
        loop {
            let stream = acceptor.accept().await?;
            tokio::spawn(async move {
                if let Err(error) = serve_connection(stream).await {
                    eprintln!("raw-server: connection failed: {error}");
                }
            });
        }
    })
}

/// Answers one connection's requests until the client closes it.
async fn serve_connection<S>(stream: S) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut stream = BufReader::with_capacity(READ_BUFFER, stream);
    let mut payload = Vec::new();
    let mut chunk = Vec::new();
    loop {
        let mut header = [0; HEADER_LEN];
        match stream.read_exact(&mut header).await {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(e),
        }
        match Request::decode(header)? {
            Request::Echo { size } => {
                payload.resize(size as usize, 0);
                stream.read_exact(&mut payload).await?;
                stream.write_all(&payload).await?;
            }
            Request::Stream { count, size } => {
                if chunk.len() != size as usize {
                    chunk = vec![b'x'; size as usize];
                }
                for _ in 0..count {
                    stream.write_all(&chunk).await?;
                }
            }
        }
    }
}
