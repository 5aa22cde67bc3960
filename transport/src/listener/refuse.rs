//! Answering a refused peer without letting it near a service.
//!
//! A peer the policy refuses still gets a proper gRPC answer (every request
//! on its connection fails with `PERMISSION_DENIED` and the reason), so the
//! caller learns why instead of seeing a reset. The answer comes from a tiny
//! HTTP/2 server of its own in a separate task: the connection never reaches
//! the application's services, and it is closed after a short while.

use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};

use super::Connection;
use crate::peer_policy::Refusal;

/// How long a refused peer may keep its connection open.
const REFUSED_LINGER: Duration = Duration::from_secs(5);

/// Serves `PERMISSION_DENIED: <reason>` on `connection`, in the background.
pub(super) fn refuse(connection: Connection, reason: Refusal) {
    tracing::warn!(peer = ?connection.info(), %reason, "connection refused");
    let message = format!("permission denied: {reason}");
    tokio::spawn(async move {
        let service = hyper::service::service_fn(move |_request| {
            let status = tonic::Status::permission_denied(message.clone());
            std::future::ready(Ok::<_, std::convert::Infallible>(
                status.into_http::<tonic::body::Body>(),
            ))
        });
        let serve = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
            .timer(TokioTimer::new())
            .serve_connection(TokioIo::new(connection), service);
        // Either the peer hangs up or its time is up; both end the connection.
        let _ = tokio::time::timeout(REFUSED_LINGER, serve).await;
    });
}
