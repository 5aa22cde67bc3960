//! Whether the server answered a connection's HTTP/2 handshake, and the
//! connect timeout on that answer.
//!
//! A connection goes to calls as soon as the client's side of the handshake
//! is written, so a new connection's first request leaves with it instead
//! of a round trip later (after the server's SETTINGS), as tonic's does.
//! But a socket can be connected with no live server behind it (see
//! `watch.rs`), so the answer is still awaited, off the calls' path:
//! [`guard`] drives the connection and drops it when the server's first
//! bytes have not come within the connect timeout, and a call that fails on
//! a connection never answered fails with the error connecting would have
//! given ([`Handshake::outcome`]): [`Error::HandshakeTimeout`], or why the
//! server closed it, not a bare broken pipe.
//!
//! Once the server answered, none of this costs a call anything: the calls
//! look here only when they fail, and [`guard`] is then just the driver.

use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{Either, select};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::{Address, Error};

/// How a connection's handshake stands.
#[derive(Debug)]
enum State {
    /// The server has sent nothing yet.
    Waiting,
    /// The server sent its first bytes.
    Answered,
    /// The stream ended, or failed, before the server sent anything.
    Closed(io::Error),
    /// The connect timeout passed first; the connection was dropped.
    TimedOut,
}

impl State {
    fn settled(&self) -> bool {
        !matches!(self, State::Waiting)
    }
}

/// How a connection's handshake ended.
#[derive(Debug)]
pub(super) enum Answer {
    /// The server sent its first bytes.
    Answered,
    /// The stream ended, or failed, before the server sent anything.
    Closed(io::Error),
    /// The server sent nothing within the connect timeout.
    TimedOut,
}

/// One connection's handshake: reported by its stream (`watch.rs`), timed
/// out by [`guard`], awaited by [`Channel::ready`](super::Channel) and by
/// calls that failed on it.
#[derive(Debug)]
pub(super) struct Handshake {
    state: watch::Sender<State>,
    address: Address,
    /// Whether the stream is TLS, for what a close before the answer means.
    tls: bool,
    /// The connect timeout, for the error.
    timeout: Duration,
}

impl Handshake {
    pub(super) fn new(address: Address, tls: bool, timeout: Duration) -> Arc<Handshake> {
        Arc::new(Handshake {
            state: watch::Sender::new(State::Waiting),
            address,
            tls,
            timeout,
        })
    }

    /// The server sent its first bytes (unless the handshake already
    /// ended otherwise).
    pub(super) fn answered(&self) {
        self.settle(State::Answered);
    }

    /// The stream ended or failed before the server sent anything.
    pub(super) fn closed(&self, error: io::Error) {
        self.settle(State::Closed(error));
    }

    /// True if this ended the handshake: the server had not answered.
    fn time_out(&self) -> bool {
        self.settle(State::TimedOut)
    }

    /// Ends the handshake as `state` if it is still waiting: the first
    /// outcome stands (an answer racing the timeout, or the close of a
    /// stream already timed out, changes nothing).
    fn settle(&self, state: State) -> bool {
        self.state.send_if_modified(|current| {
            let waiting = !current.settled();
            if waiting {
                *current = state;
            }
            waiting
        })
    }

    /// How the handshake ended, once it has: within the connect timeout,
    /// which [`guard`] enforces.
    pub(super) async fn settled(&self) -> Answer {
        let mut state = self.state.subscribe();
        match state.wait_for(State::settled).await.as_deref() {
            Ok(State::Answered) => Answer::Answered,
            Ok(State::Closed(error)) => Answer::Closed(super::watch::copy(error)),
            // The sender is `self`, so it cannot be gone while this waits.
            Ok(State::TimedOut | State::Waiting) | Err(_) => Answer::TimedOut,
        }
    }

    /// `Ok` once the server answered; else the error connecting failed
    /// with.
    pub(super) async fn outcome(&self) -> Result<(), Error> {
        match self.settled().await {
            Answer::Answered => Ok(()),
            Answer::Closed(source) => Err(refused(&self.address, self.tls, source)),
            Answer::TimedOut => Err(Error::HandshakeTimeout {
                address: self.address.clone(),
                timeout: self.timeout,
            }),
        }
    }
}

/// Drives `driver` (the connection's task), dropping it if the server has
/// not answered by `deadline`: that closes the stream, and every call
/// waiting on it fails. A hung server gets no GOAWAY to ignore.
pub(super) async fn guard(
    handshake: Arc<Handshake>,
    deadline: Instant,
    driver: impl Future<Output = ()>,
) {
    let mut driver = pin!(driver);
    let mut state = handshake.state.subscribe();
    let settled = pin!(tokio::time::timeout_at(deadline, async move {
        let _ = state.wait_for(State::settled).await;
    }));
    match select(driver.as_mut(), settled).await {
        Either::Left(((), _)) => {}
        Either::Right((Err(_), _)) if handshake.time_out() => {}
        // Answered (or closed, which the driver ends on by itself): from
        // here on only the connection runs.
        Either::Right(_) => driver.await,
    }
}

/// The server closed the connection before answering the HTTP/2 handshake.
/// Over TLS 1.3 that is where a server refusing the client's certificate
/// says so, with an alert; a server that hangs up without one most likely
/// refused it too.
fn refused(address: &Address, tls: bool, source: io::Error) -> Error {
    #[cfg(feature = "tls")]
    if tls {
        return crate::tls::explain::refused_after_handshake(address, source);
    }
    #[cfg(not(feature = "tls"))]
    let _ = tls; // Without the feature no stream is TLS.
    Error::io(address, "start HTTP/2 with", source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handshake() -> Arc<Handshake> {
        // Parsed only, never reached; each platform's own form.
        let text = if cfg!(windows) {
            r"\\.\pipe\nowhere-test"
        } else {
            "unix:/nowhere/test.sock"
        };
        let address = Address::parse(text).expect("an address");
        Handshake::new(address, false, Duration::from_secs(1))
    }

    #[tokio::test]
    async fn the_first_outcome_stands() {
        let answered = handshake();
        answered.answered();
        assert!(
            !answered.time_out(),
            "an answered handshake cannot time out"
        );
        answered.closed(io::ErrorKind::BrokenPipe.into());
        assert!(answered.outcome().await.is_ok());

        let timed_out = handshake();
        assert!(timed_out.time_out());
        timed_out.closed(io::ErrorKind::ConnectionAborted.into());
        let error = timed_out.outcome().await.unwrap_err();
        assert!(matches!(error, Error::HandshakeTimeout { .. }), "{error:?}");
    }

    #[tokio::test]
    async fn the_guard_drops_a_connection_never_answered_at_the_deadline() {
        let handshake = handshake();
        let dropped = Arc::new(());
        let held = dropped.clone();
        let driver = async move {
            let _held = held;
            std::future::pending::<()>().await;
        };
        // Already passed: the guard gives up at its first poll.
        guard(handshake.clone(), Instant::now(), driver).await;
        assert_eq!(Arc::strong_count(&dropped), 1, "the driver was dropped");
        assert!(matches!(handshake.settled().await, Answer::TimedOut));
    }

    #[tokio::test]
    async fn the_guard_keeps_driving_an_answered_connection_past_the_deadline() {
        let handshake = handshake();
        let answering = handshake.clone();
        let (done, finished) = tokio::sync::oneshot::channel();
        let driver = async move {
            answering.answered();
            tokio::time::sleep(Duration::from_millis(10)).await;
            let _ = done.send(());
        };
        guard(handshake.clone(), Instant::now(), driver).await;
        assert!(finished.await.is_ok(), "the driver ran to its end");
        assert!(matches!(handshake.settled().await, Answer::Answered));
    }
}
