//! Graceful drain: when the server stops, streams that are waiting for
//! their next message end with `UNAVAILABLE`.
//!
//! tonic's graceful shutdown stops accepting and waits for open calls, but
//! a watch or a subscription never ends by itself, so a stop would always
//! wait out the whole grace period and then cut such streams off with a
//! reset. Instead, once the drain begins, a response body that is idle
//! (its service has nothing to send right now) ends at once with
//! `UNAVAILABLE` trailers, which tells a gRPC client to reconnect elsewhere
//! or later. A response that is ready (a unary answer, a message being
//! produced) is never cut; calls whose handler is still working keep the
//! grace period.
//!
//! [`Drain`] is the signal; the response body that watches it is
//! [`super::call::CallBody`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use http::HeaderMap;
use tokio::sync::Notify;

/// The drain signal, shared by every response body of a server.
#[derive(Clone, Debug, Default)]
pub(crate) struct Drain {
    state: Arc<DrainState>,
}

#[derive(Debug, Default)]
struct DrainState {
    started: AtomicBool,
    notify: Notify,
}

impl Drain {
    /// Begins the drain, waking every idle stream.
    pub(crate) fn start(&self) {
        self.state.started.store(true, Ordering::Release);
        self.state.notify.notify_waiters();
    }

    fn started(&self) -> bool {
        self.state.started.load(Ordering::Acquire)
    }

    /// Completes once the drain has begun.
    pub(super) async fn wait(self) {
        loop {
            let notified = self.state.notify.notified();
            if self.started() {
                return;
            }
            notified.await;
        }
    }
}

/// The trailers of a stream the drain ended.
pub(super) fn shutting_down_trailers() -> HeaderMap {
    crate::deadline::status_trailers(&tonic::Status::unavailable("the server is shutting down"))
}
