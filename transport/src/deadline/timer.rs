use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::time::Sleep;

/// An optional deadline that can be polled from inside a body.
#[derive(Debug)]
pub(crate) struct Timer {
    sleep: Option<Pin<Box<Sleep>>>,
    timeout: Duration,
}

impl Timer {
    /// A deadline `timeout` from now, or none.
    pub(crate) fn new(timeout: Option<Duration>) -> Timer {
        Timer {
            sleep: timeout.map(|t| Box::pin(tokio::time::sleep(t))),
            timeout: timeout.unwrap_or_default(),
        }
    }

    /// Ready once the deadline has passed (never, without one).
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match &mut self.sleep {
            Some(sleep) => sleep.as_mut().poll(cx),
            None => Poll::Pending,
        }
    }

    /// Whether the deadline has passed, polled or not (never, without
    /// one): an error that comes after it is the deadline's.
    pub(crate) fn expired(&self) -> bool {
        self.sleep
            .as_ref()
            .is_some_and(|sleep| tokio::time::Instant::now() >= sleep.deadline())
    }

    /// Runs `future` until it completes (`Some`) or the deadline passes
    /// (`None`), whichever comes first; the future is polled first.
    pub(crate) async fn race<F: Future>(&mut self, future: F) -> Option<F::Output> {
        let mut future = std::pin::pin!(future);
        std::future::poll_fn(|cx| {
            if let Poll::Ready(output) = future.as_mut().poll(cx) {
                return Poll::Ready(Some(output));
            }
            self.poll_expired(cx).map(|()| None)
        })
        .await
    }

    /// Forgets the deadline (once the call is over).
    pub(crate) fn clear(&mut self) {
        self.sleep = None;
    }

    /// The timeout this deadline was set with.
    pub(crate) fn timeout(&self) -> Duration {
        self.timeout
    }
}
