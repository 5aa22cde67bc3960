//! Watching what the server sends: whether it answered the HTTP/2
//! handshake, and how long it has been silent.
//!
//! hyper's client handshake returns as soon as the client's preface is
//! written; it never waits for the server. But a socket can be connected
//! with no live server behind it: the kernel completes a Unix or TCP
//! connection from the listen backlog while the server is stopped,
//! deadlocked or frozen in a debugger, and a hung server may hold a pipe
//! instance it never serves. Calls on such a connection would wait forever.
//!
//! An HTTP/2 server's first bytes must be its SETTINGS frame, so the first
//! bytes read from the stream mean "a live HTTP/2 peer answered".
//! [`watch`] wraps the stream to report that moment (or the stream's end
//! before it) to the connection's [`Handshake`], which holds the connection
//! to the connect timeout (`handshake.rs`). It reports from within the
//! read or write that saw it, before hyper hears of it, so a call that
//! fails on a connection never answered already finds why.
//!
//! When a keepalive ping goes unanswered, hyper closes the connection and
//! the calls open on it see only "broken pipe". The wrapper also notes when
//! the server last sent anything (or closed the stream), so the error can
//! say what happened: a server that was silent for the whole ping timeout
//! did not answer the ping.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::handshake::Handshake;

/// When the server last sent anything, or closed the stream.
#[derive(Debug)]
pub(super) struct LastRead {
    since: Instant,
    /// Nanoseconds after `since`.
    at: AtomicU64,
}

impl LastRead {
    fn new() -> LastRead {
        LastRead {
            since: Instant::now(),
            at: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let nanos = u64::try_from(self.since.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.at.store(nanos, Ordering::Relaxed);
    }

    /// How long the server has sent nothing.
    pub(super) fn silence(&self) -> Duration {
        let at = Duration::from_nanos(self.at.load(Ordering::Relaxed));
        self.since.elapsed().saturating_sub(at)
    }
}

/// `stream`, reporting its first read to `handshake` and, when
/// `last_read` is asked for, noting every read in the one returned.
pub(super) fn watch<S>(
    stream: S,
    handshake: Arc<Handshake>,
    last_read: bool,
) -> (Watched<S>, Option<Arc<LastRead>>) {
    let last_read = last_read.then(|| Arc::new(LastRead::new()));
    (
        Watched {
            inner: stream,
            first_read: Some(handshake),
            last_read: last_read.clone(),
        },
        last_read,
    )
}

/// A stream that reports its first read, and notes when it last read.
#[derive(Debug)]
pub(super) struct Watched<S> {
    inner: S,
    /// Until the first read, where to report it.
    first_read: Option<Arc<Handshake>>,
    last_read: Option<Arc<LastRead>>,
}

impl<S> Watched<S> {
    fn answered(&mut self) {
        if let Some(handshake) = self.first_read.take() {
            handshake.answered();
        }
    }

    fn closed(&mut self, error: io::Error) {
        if let Some(handshake) = self.first_read.take() {
            handshake.closed(error);
        }
    }
}

impl<S> Drop for Watched<S> {
    /// Dropped before it read anything: hyper gave up on the connection
    /// (say, after a failed write), so the calls waiting on it need not
    /// wait for the connect timeout to learn it.
    fn drop(&mut self) {
        self.closed(io::Error::new(
            io::ErrorKind::ConnectionAborted,
            "the connection closed before the server answered",
        ));
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let (Some(last_read), Poll::Ready(_)) = (&self.last_read, &polled) {
            last_read.touch();
        }
        if self.first_read.is_some() {
            match &polled {
                Poll::Ready(Ok(())) if buf.filled().len() > before => self.answered(),
                Poll::Ready(Ok(())) => self.closed(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection without answering",
                )),
                Poll::Ready(Err(error)) => self.closed(copy(error)),
                Poll::Pending => {}
            }
        }
        polled
    }
}

impl<S: AsyncRead + Unpin> Watched<S> {
    /// A write failed before the server sent anything: the server closed
    /// the connection, perhaps after saying why (a TLS server refusing the
    /// client's certificate sends an alert first). hyper drops the stream
    /// on a failed write without reading, so read here what is left.
    fn write_failed<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if let (Some(_), Poll::Ready(Err(error))) = (&self.first_read, &polled) {
            let mut scratch = [0u8; 64];
            let mut unread = ReadBuf::new(&mut scratch);
            let said = match Pin::new(&mut self.inner).poll_read(cx, &mut unread) {
                Poll::Ready(Err(said)) => said,
                _ => copy(error),
            };
            self.closed(copy(&said));
        }
        polled
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.write_failed(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.write_failed(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.write_failed(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A copy of `error` for the connect to report, while hyper gets the
/// original. A TLS error keeps its type, so the connect can say what it
/// means.
pub(super) fn copy(error: &io::Error) -> io::Error {
    #[cfg(feature = "tls")]
    if let Some(copy) = crate::tls::explain::copy(error) {
        return copy;
    }
    io::Error::new(error.kind(), error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::handshake::Answer;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// `stream` watched, with the handshake it reports to.
    fn watched<S>(
        stream: S,
        last_read: bool,
    ) -> (Watched<S>, Arc<Handshake>, Option<Arc<LastRead>>) {
        // Parsed only, never reached; each platform's own form.
        let text = if cfg!(windows) {
            r"\\.\pipe\nowhere-test"
        } else {
            "unix:/nowhere/test.sock"
        };
        let address = crate::Address::parse(text).expect("an address");
        let handshake = Handshake::new(address, false, Duration::from_secs(1));
        let (stream, last_read) = watch(stream, handshake.clone(), last_read);
        (stream, handshake, last_read)
    }

    #[tokio::test]
    async fn first_bytes_are_reported() {
        let (client, mut server) = tokio::io::duplex(64);
        let (mut client, answered, last_read) = watched(client, true);
        let last_read = last_read.expect("asked for");
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(last_read.silence() >= Duration::from_millis(50));
        server.write_all(b"\0\0\0\x04").await.unwrap();
        let reading = Instant::now();
        let mut buf = [0u8; 4];
        client.read_exact(&mut buf).await.unwrap();
        assert!(matches!(answered.settled().await, Answer::Answered));
        assert!(last_read.silence() <= reading.elapsed());
    }

    #[tokio::test]
    async fn a_close_before_any_byte_is_reported() {
        let (client, server) = tokio::io::duplex(64);
        let (mut client, answered, _) = watched(client, false);
        drop(server);
        let mut buf = [0u8; 4];
        assert_eq!(client.read(&mut buf).await.unwrap(), 0);
        match answered.settled().await {
            Answer::Closed(error) => assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof),
            _ => panic!("an EOF is no answer"),
        }
    }

    /// Writes fail; reads yield `said`, once.
    struct Refusing {
        said: Option<io::Error>,
    }

    impl AsyncRead for Refusing {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Poll::Ready(self.said.take().map_or(Ok(()), Err))
        }
    }

    impl AsyncWrite for Refusing {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    #[tokio::test]
    async fn a_failed_write_reports_what_the_server_said_before_closing() {
        let said = io::Error::new(io::ErrorKind::InvalidData, "refused: no certificate");
        let (mut stream, answered, _) = watched(Refusing { said: Some(said) }, false);
        let written = stream.write_all(b"PRI * HTTP/2.0").await.unwrap_err();
        assert_eq!(
            written.kind(),
            io::ErrorKind::BrokenPipe,
            "the writer sees its own error"
        );
        drop(stream);
        match answered.settled().await {
            Answer::Closed(error) => assert_eq!(error.to_string(), "refused: no certificate"),
            _ => panic!("a refusal is no answer"),
        }
    }

    #[tokio::test]
    async fn a_failed_write_with_nothing_to_read_reports_itself() {
        let (mut stream, answered, _) = watched(Refusing { said: None }, false);
        stream.write_all(b"PRI").await.unwrap_err();
        drop(stream);
        match answered.settled().await {
            Answer::Closed(error) => assert_eq!(error.kind(), io::ErrorKind::BrokenPipe),
            _ => panic!("a refusal is no answer"),
        }
    }

    #[tokio::test]
    async fn a_dropped_stream_is_reported() {
        let (client, _server) = tokio::io::duplex(64);
        let (client, answered, _) = watched(client, false);
        drop(client);
        assert!(matches!(answered.settled().await, Answer::Closed(_)));
    }
}
