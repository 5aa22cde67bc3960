//! Telling a lost connection from everything else.

use std::error::Error;

use tonic::{Code, Status};

use super::BoxError;
use crate::Address;

/// `status` as UNAVAILABLE if it reports a lost connection, else unchanged.
pub(super) fn rewrite_status(address: &Address, status: Status) -> Status {
    let lost = matches!(
        status.code(),
        Code::Unknown | Code::Cancelled | Code::Internal
    ) && status.source().is_some_and(is_lost_connection);
    if lost {
        Status::unavailable(format!(
            "connection to {address} lost: {}",
            status.message()
        ))
    } else {
        status
    }
}

/// A transport error as an UNAVAILABLE status if it is a lost connection.
pub(super) fn rewrite_error(address: &Address, error: BoxError) -> BoxError {
    if is_lost_connection(&*error) {
        Box::new(Status::unavailable(format!(
            "connection to {address} lost: {error}"
        )))
    } else {
        error
    }
}

/// True when the chain shows the connection itself failed: an I/O error
/// under h2, a connection hyper saw close, a request hyper dropped because
/// its connection died, or one refused because a keepalive ping went
/// unanswered (hyper's only timeout on a client HTTP/2 connection).
fn is_lost_connection(error: &(dyn Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(h2) = error.downcast_ref::<h2::Error>()
            && h2.is_io()
        {
            return true;
        }
        if let Some(hyper) = error.downcast_ref::<hyper::Error>()
            && (hyper.is_closed()
                || hyper.is_incomplete_message()
                || hyper.is_canceled()
                || hyper.is_timeout())
        {
            return true;
        }
        if let Some(io) = error.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::UnexpectedEof
            )
        {
            return true;
        }
        next = error.source();
    }
    false
}
