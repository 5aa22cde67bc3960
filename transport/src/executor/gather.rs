//! One write for the frames a connection's parts make in one round.
//!
//! h2 writes whenever its connection is polled with frames queued. A
//! request is made of frames queued at two moments: its HEADERS when the
//! dispatcher hands it to h2, its DATA when the body's pipe is granted
//! send capacity, which h2 does only once the stream is open, in the very
//! poll of the connection that writes the HEADERS. So a unary call's
//! HEADERS went out alone and its DATA in a second write right after: two
//! system calls, and at the server a wake-up and a read for HEADERS that
//! can do nothing without the body.
//!
//! [`Gathering`] holds a small write back once: the attempt is pending and
//! wakes its own task, which to the connection's [`Driver`](super::Driver)
//! only means "go round once more". In that round the other parts add
//! their frames to h2's buffer (the body's pipe its DATA), and the retry
//! writes all of them at once. (h2 may also retry later in the same poll
//! of the connection; then that write gains nothing, and the round costs
//! a few hundred instructions.) There is no timer and no copy: the frames
//! wait in h2's own buffer, for the rest of a poll that was under way
//! anyway. A write of [`GATHERED`] bytes or more goes at once: there is
//! little to gain by adding to it, and under backpressure every partial
//! write would wait a round.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite};

/// Writes at least this large are not held back.
const GATHERED: usize = 16 * 1024;

/// A stream whose small writes wait one round of their task before they
/// are made (see the module's docs). Only worth it inside a
/// [`Driver`](super::Driver): elsewhere the round is a yield to the
/// runtime.
#[derive(Debug)]
pub(crate) struct Gathering<S> {
    inner: S,
    /// The last write attempt waited its round: the next one goes through.
    waited: bool,
}

impl<S> Gathering<S> {
    /// `inner`, writing in rounds. Its first write goes through at once:
    /// it is the HTTP/2 preface, which the handshake writes before the
    /// connection has a driver, and nothing else is ready to join it.
    pub(crate) fn new(inner: S) -> Gathering<S> {
        Gathering {
            inner,
            waited: true,
        }
    }

    /// Makes the write of `len` bytes that `write` does, once it has
    /// waited its round.
    fn gather(
        &mut self,
        cx: &mut Context<'_>,
        len: usize,
        write: impl FnOnce(Pin<&mut S>, &mut Context<'_>) -> Poll<io::Result<usize>>,
    ) -> Poll<io::Result<usize>>
    where
        S: Unpin,
    {
        if !self.waited && len < GATHERED {
            self.waited = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let polled = write(Pin::new(&mut self.inner), cx);
        // A write that made progress (or failed) lets the next one wait
        // again; one the socket refused for now is retried when it is
        // writable, without waiting more.
        if polled.is_ready() {
            self.waited = false;
        }
        polled
    }
}

crate::io::forward_read_to_field!([S] Gathering<S> where [S: AsyncRead + Unpin], inner);

impl<S: AsyncWrite + Unpin> AsyncWrite for Gathering<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut()
            .gather(cx, buf.len(), |inner, cx| inner.poll_write(cx, buf))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let len = bufs.iter().map(|buf| buf.len()).sum();
        self.get_mut()
            .gather(cx, len, |inner, cx| inner.poll_write_vectored(cx, bufs))
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper_util::rt::TokioIo;

    use super::*;
    use crate::executor::{Driver, Spawner};

    /// A stream counting the writes that went through. Not vectored, as
    /// the duplex stream it wraps, so every write comes to `poll_write`.
    struct Counting<S> {
        inner: S,
        writes: Arc<AtomicUsize>,
    }

    crate::io::forward_read_to_field!([S] Counting<S> where [S: AsyncRead + Unpin], inner);

    impl<S: AsyncWrite + Unpin> AsyncWrite for Counting<S> {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
            if polled.is_ready() {
                self.writes.fetch_add(1, Ordering::SeqCst);
            }
            polled
        }

        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.inner).poll_flush(cx)
        }

        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.inner).poll_shutdown(cx)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_with_a_body_goes_out_in_one_write() {
        let (client, server) = tokio::io::duplex(1 << 20);
        let echo =
            hyper::service::service_fn(|request: http::Request<hyper::body::Incoming>| async {
                let body = request.into_body().collect().await?.to_bytes();
                Ok::<_, hyper::Error>(http::Response::new(Full::new(body)))
            });
        tokio::spawn(
            hyper::server::conn::http2::Builder::new(Spawner::spawning())
                .serve_connection(TokioIo::new(server), echo),
        );

        let writes = Arc::new(AtomicUsize::new(0));
        let counted = Counting {
            inner: client,
            writes: writes.clone(),
        };
        let spawner = Spawner::default();
        let (mut sender, connection) = crate::http2::client_builder(
            spawner.clone(),
            &crate::http2::Http2Settings::local(),
            None,
        )
        .handshake::<_, Full<Bytes>>(TokioIo::new(Gathering::new(counted)))
        .await
        .expect("handshake");
        tokio::spawn(Driver::new("test", connection, &spawner));

        let mut call = async |body: &'static [u8]| {
            let request = http::Request::post("http://local/echo")
                .body(Full::new(Bytes::from_static(body)))
                .expect("a valid request");
            let response = sender.send_request(request).await.expect("answered");
            let echoed = response.into_body().collect().await.expect("a body");
            assert_eq!(echoed.to_bytes(), body);
        };
        // The first call also settles the connection (SETTINGS and their
        // acknowledgements).
        call(b"settle").await;
        for _ in 0..20 {
            let before = writes.load(Ordering::SeqCst);
            call(&[7; 64]).await;
            assert_eq!(
                writes.load(Ordering::SeqCst) - before,
                1,
                "HEADERS and DATA in one write"
            );
        }
    }

    #[test]
    fn a_write_waits_one_round_and_asks_for_it() {
        let woken = Arc::new(Woken::default());
        let waker = std::task::Waker::from(woken.clone());
        let mut cx = Context::from_waker(&waker);
        let mut stream = Gathering::new(Vec::new());
        let mut write = |cx: &mut Context<'_>| Pin::new(&mut stream).poll_write(cx, b"frame");
        assert!(
            matches!(write(&mut cx), Poll::Ready(Ok(5))),
            "the preface goes at once"
        );
        assert!(write(&mut cx).is_pending());
        assert_eq!(
            woken.0.load(Ordering::SeqCst),
            1,
            "its task goes round again"
        );
        assert!(matches!(write(&mut cx), Poll::Ready(Ok(5))));
        assert!(
            write(&mut cx).is_pending(),
            "every small write waits its round"
        );

        let large = vec![0; GATHERED];
        let polled = Pin::new(&mut stream).poll_write(&mut cx, &large);
        assert!(
            matches!(polled, Poll::Ready(Ok(n)) if n == GATHERED),
            "a large write goes at once"
        );
    }

    #[derive(Default)]
    struct Woken(AtomicUsize);

    impl std::task::Wake for Woken {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
}
