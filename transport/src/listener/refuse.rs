//! Answering a refused peer without letting it near a service.
//!
//! A peer the policy refuses still gets a proper gRPC answer (every request
//! on its connection fails with `PERMISSION_DENIED` and the reason), so the
//! caller learns why instead of seeing a reset. The answer comes from a tiny
//! HTTP/2 server of its own in a separate task: the connection never reaches
//! the application's services, and it is closed after a short while.
//!
//! A refused peer must not cost much, since it may be an attacker that can
//! reach the socket but is not allowed to call (a socket of mode 660, an
//! abstract socket, TCP with a policy). The decision is made from what the
//! OS says of the peer, before any of its bytes is read; the answer then
//! costs a task and a small HTTP/2 connection, with h2's limits and the
//! rewriter's (which has the same), for [`REFUSED_LINGER`] at most, and at
//! most [`REFUSED_AT_ONCE`] refused peers per listener get one. Past that,
//! a refused connection is closed at once, unanswered.

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::sync::Semaphore;

use super::Connection;
use crate::peer_policy::Refusal;

/// How long a refused peer may keep its connection open.
const REFUSED_LINGER: Duration = Duration::from_secs(5);

/// How many refused peers of one listener are answered at a time.
pub(super) const REFUSED_AT_ONCE: usize = 16;

/// How many calls a refused peer may have open at once on its connection:
/// each is answered at once, so a client that waits for its answers never
/// meets the limit.
const REFUSED_STREAMS: u32 = 8;

/// Places for refused peers' answers, shared by one listener's accepts.
#[derive(Clone, Debug)]
pub(super) struct Refusals(Arc<Semaphore>);

impl Default for Refusals {
    fn default() -> Self {
        Refusals(Arc::new(Semaphore::new(REFUSED_AT_ONCE)))
    }
}

/// Serves `PERMISSION_DENIED: <reason>` on `connection`, in the background,
/// if there is room; closes it at once if not.
pub(super) fn refuse(connection: Connection, reason: Refusal, room: &Refusals) {
    let Ok(place) = room.0.clone().try_acquire_owned() else {
        tracing::debug!(
            peer = ?connection.info(), %reason,
            "connection refused, and closed unanswered: {REFUSED_AT_ONCE} refused peers are being answered"
        );
        return;
    };
    tracing::warn!(peer = ?connection.info(), %reason, "connection refused");
    let message = format!("permission denied: {reason}");
    tokio::spawn(async move {
        let _place = place;
        let service = hyper::service::service_fn(move |_request| {
            let status = tonic::Status::permission_denied(message.clone());
            std::future::ready(Ok::<_, std::convert::Infallible>(
                status.into_http::<tonic::body::Body>(),
            ))
        });
        let serve = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .max_concurrent_streams(REFUSED_STREAMS)
            .serve_connection(TokioIo::new(connection), service);
        // Either the peer hangs up or its time is up; both end the connection.
        let _ = tokio::time::timeout(REFUSED_LINGER, serve).await;
    });
}
