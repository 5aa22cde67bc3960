//! `RESOURCE_EXHAUSTED` for messages over the size limit, as gRPC specifies.
//!
//! gRPC's status-code table says a message larger than the receiver accepts
//! is `RESOURCE_EXHAUSTED`; tonic reports it as `OUT_OF_RANGE`, which tells
//! clients the request itself was semantically wrong. This layer rewrites
//! exactly that status (matched by code and tonic's message), in response
//! headers (the usual trailers-only error) and in trailers (an error in the
//! middle of a stream), and leaves everything else alone.

mod body;
mod layer;
mod service;

pub use body::FixedTrailers;
pub use layer::ResourceExhaustedLayer;
pub use service::ResourceExhausted;

use http::{HeaderMap, HeaderValue};
use http_body::Frame;

const OUT_OF_RANGE: &str = "11";
const RESOURCE_EXHAUSTED: &str = "8";

/// Rewrites a tonic "message length too large" `OUT_OF_RANGE` in place.
pub(crate) fn fix_status(headers: &mut HeaderMap) {
    let is_out_of_range = headers
        .get("grpc-status")
        .is_some_and(|status| status == OUT_OF_RANGE);
    // Looked at only for OUT_OF_RANGE: every successful call passes here.
    let is_too_large = || {
        headers
            .get("grpc-message")
            .and_then(|message| message.to_str().ok())
            .is_some_and(|message| {
                // grpc-message is percent-encoded on the wire.
                let message = message.replace("%20", " ");
                message.contains("message length too large")
            })
    };
    if is_out_of_range && is_too_large() {
        headers.insert("grpc-status", HeaderValue::from_static(RESOURCE_EXHAUSTED));
    }
}

/// `frame` with [`fix_status`] applied if it is trailers.
pub(crate) fn fix_trailers<D>(frame: Frame<D>) -> Frame<D> {
    match frame.into_trailers() {
        Ok(mut trailers) => {
            fix_status(&mut trailers);
            Frame::trailers(trailers)
        }
        Err(frame) => frame,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(status: &'static str, message: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("grpc-status", HeaderValue::from_static(status));
        headers.insert("grpc-message", HeaderValue::from_static(message));
        headers
    }

    #[test]
    fn rewrites_only_the_size_error() {
        let mut too_large = headers(
            "11",
            "Error,%20decoded%20message%20length%20too%20large:%20found%205%20bytes",
        );
        fix_status(&mut too_large);
        assert_eq!(too_large["grpc-status"], "8");

        let mut other_range = headers("11", "index out of range");
        fix_status(&mut other_range);
        assert_eq!(other_range["grpc-status"], "11");

        let mut other_code = headers("3", "message length too large");
        fix_status(&mut other_code);
        assert_eq!(other_code["grpc-status"], "3");
    }
}
