//! A deadline for the first bytes of a connection.
//!
//! A client that connects and then sends nothing would hold a connection
//! (and, on Windows, a pipe instance) forever: hyper waits for the HTTP/2
//! preface without a timer. Until the 24-byte preface has arrived, reads
//! race a deadline; when it passes, the read fails with `TimedOut` and the
//! server drops the connection. After that the wrapper costs one branch.
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

use crate::io::forward_write_to_field;

/// Length of the HTTP/2 client preface (`PRI * HTTP/2.0...`).
const PREFACE_LEN: usize = 24;

/// `inner`, whose first [`PREFACE_LEN`] bytes must arrive within a deadline.
#[derive(Debug)]
pub(crate) struct HandshakeDeadline<S> {
    inner: S,
    pending: Option<Pending>,
}

#[derive(Debug)]
struct Pending {
    deadline: Pin<Box<Sleep>>,
    timeout: Duration,
    missing: usize,
}

impl<S> HandshakeDeadline<S> {
    /// `inner` with no deadline yet.
    pub(crate) fn new(inner: S) -> Self {
        HandshakeDeadline {
            inner,
            pending: None,
        }
    }

    /// Starts the clock: the preface must arrive within `timeout` from now.
    pub(crate) fn start(&mut self, timeout: Duration) {
        self.pending = Some(Pending {
            deadline: Box::pin(tokio::time::sleep(timeout)),
            timeout,
            missing: PREFACE_LEN,
        });
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for HandshakeDeadline<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        let read = Pin::new(&mut this.inner).poll_read(cx, buf);
        let Some(pending) = &mut this.pending else {
            return read;
        };
        match read {
            Poll::Ready(Ok(())) => {
                let got = buf.filled().len() - before;
                pending.missing = pending.missing.saturating_sub(got);
                if pending.missing == 0 {
                    this.pending = None;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => match pending.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("no HTTP/2 preface within {:?}", pending.timeout),
                ))),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

forward_write_to_field!([S] HandshakeDeadline<S> where [S: AsyncWrite + Unpin], inner);
