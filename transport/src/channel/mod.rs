//! A gRPC channel over a local pipe (or TCP).
//!
//! [`Channel`] is what generated clients are built on
//! (`EchoClient::new(channel)`). Compared with tonic's channel it:
//! - sends each call straight on the HTTP/2 connection, without tonic's
//!   queue-and-worker hop (see `connection.rs`), with HTTP/2 settings for
//!   local links ([`crate::http2`]);
//! - holds the server's answer to the HTTP/2 handshake to the connect
//!   timeout (`handshake.rs`) without making the first call wait for it,
//!   and pings a local server that falls silent (keepalive), so a hung
//!   server fails calls with `UNAVAILABLE` instead of hanging them;
//! - fails calls cut off by a broken connection with `UNAVAILABLE`, as gRPC
//!   specifies (tonic says UNKNOWN or CANCELLED), and reconnects on the next
//!   call (`disconnect.rs`);
//! - holds a call to its deadline for the whole call, streams included
//!   (tonic stops timing at the response headers), failing it with
//!   `DEADLINE_EXCEEDED` (see [`crate::deadline`]).

mod body;
mod builder;
mod connection;
mod disconnect;
mod handshake;
mod watch;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

pub use body::ChannelBody;
pub use builder::{ChannelBuilder, connect};

use crate::Address;
use crate::deadline::{self, Timer};
use connection::Connection;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A channel to one address. Cheap to clone (clones share the connection);
/// reconnects by itself after the server restarts. Generated clients take it
/// as they take tonic's own channel.
///
/// # Examples
///
/// ```no_run
/// use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let channel: piperpc::Channel = piperpc::connect("my-app").await?;
/// let mut health = HealthClient::new(channel.clone()); // clones share one connection
/// health.check(HealthCheckRequest::default()).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Channel {
    connection: Arc<Connection>,
    origin: Arc<http::uri::Authority>,
    default_timeout: Option<Duration>,
}

impl Channel {
    pub(crate) fn new(
        connection: Connection,
        default_timeout: Option<Duration>,
        authority: Option<http::uri::Authority>,
    ) -> Channel {
        let origin = authority.unwrap_or_else(|| {
            connection
                .connector()
                .address()
                .endpoint_uri()
                .trim_start_matches("http://")
                .parse()
                .expect("endpoint URIs built by Address have a valid authority")
        });
        Channel {
            connection: Arc::new(connection),
            origin: Arc::new(origin),
            default_timeout,
        }
    }

    /// The address this channel calls.
    pub fn address(&self) -> &Address {
        self.connection.connector().address()
    }

    /// Opens the connection now, unless one is open, and waits for the
    /// server to answer it: connecting eagerly is for failing fast, so a
    /// hung server fails here, not at the first call.
    pub(crate) async fn ready(&self) -> Result<(), crate::Error> {
        self.connection.answered().await.map(drop)
    }
}

impl tower::Service<http::Request<tonic::body::Body>> for Channel {
    type Response = http::Response<ChannelBody>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        // Backpressure comes from HTTP/2 (the server's stream limit), which
        // the call waits for once it has a connection.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: http::Request<tonic::body::Body>) -> Self::Future {
        // The call's own deadline, else the channel's default, which then
        // goes to the server too.
        let headers = request.headers_mut();
        let timeout = match headers
            .get(deadline::GRPC_TIMEOUT)
            .and_then(deadline::parse)
        {
            Some(timeout) => Some(timeout),
            None => self.default_timeout.inspect(|&timeout| {
                headers.insert(deadline::GRPC_TIMEOUT, deadline::encode(timeout));
            }),
        };
        set_origin(&mut request, &self.origin);
        let mut timer = Timer::new(timeout);
        let connection = self.connection.clone();
        Box::pin(async move {
            let sending = async {
                let mut link = connection.link().await.map_err(unavailable)?;
                let mut request = request;
                // A request hyper hands back was never sent: the connection
                // died before it could be (an unanswered keepalive ping, say,
                // that `is_closed` did not show yet). It goes out once more,
                // on a new connection, so the next call after a loss
                // reconnects instead of failing.
                let mut retried = false;
                loop {
                    let (error, unsent) = match link.sender.ready().await {
                        Err(error) => (error, Some(request)),
                        Ok(()) => match link.sender.try_send_request(request).await {
                            Ok(response) => return Ok((response, link.peer)),
                            Err(mut failed) => {
                                let unsent = failed.take_message();
                                (failed.into_error(), unsent)
                            }
                        },
                    };
                    // On a connection its server never answered, the call
                    // fails as connecting did (a hung server, a refusal),
                    // not with hyper's broken pipe, and is not retried: a
                    // new connection would wait the connect timeout again.
                    if let Err(failed) = link.answered().await {
                        connection.discard(&link);
                        return Err(unavailable(failed));
                    }
                    match unsent {
                        Some(unsent) if !retried => {
                            retried = true;
                            request = unsent;
                            connection.discard(&link);
                            link = connection.link().await.map_err(unavailable)?;
                        }
                        _ => return Err(disconnect::rewrite_error(&link.peer, error.into())),
                    }
                }
            };
            match timer.race(sending).await {
                // A server may reset a call whose deadline it saw pass
                // (grpc-go does, with CANCEL) before this end's timer fires:
                // the call failed of its deadline all the same.
                Some(Err(_)) if timer.expired() => Err(deadline_exceeded(&timer, &connection)),
                Some(sent) => {
                    let (response, peer) = sent?;
                    Ok(response
                        .map(|body| ChannelBody::new(tonic::body::Body::new(body), peer, timer)))
                }
                None => Err(deadline_exceeded(&timer, &connection)),
            }
        })
    }
}

fn deadline_exceeded(timer: &Timer, connection: &Connection) -> BoxError {
    Box::new(tonic::Status::deadline_exceeded(format!(
        "deadline of {:?} exceeded calling {}",
        timer.timeout(),
        connection.connector().address()
    )))
}

fn unavailable(error: crate::Error) -> BoxError {
    Box::new(tonic::Status::unavailable(error.to_string()))
}

/// tonic's generated clients send a path only; HTTP/2 wants the scheme and
/// authority too.
fn set_origin(request: &mut http::Request<tonic::body::Body>, origin: &http::uri::Authority) {
    let mut parts = std::mem::take(request.uri_mut()).into_parts();
    parts.scheme = Some(http::uri::Scheme::HTTP);
    parts.authority = Some(origin.clone());
    if parts.path_and_query.is_none() {
        parts.path_and_query = Some(http::uri::PathAndQuery::from_static("/"));
    }
    if let Ok(uri) = http::Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
}
