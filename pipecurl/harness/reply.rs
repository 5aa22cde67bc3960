//! What a call returned: the responses, the status, and the metadata on
//! either side of them.

use serde_json::Value;
use tonic::Code;
use tonic::metadata::MetadataMap;

/// The outcome of a call that reached the server: every response message
/// as JSON, then the status. A non-OK status is a `Reply` too, with the
/// responses that came before it; check it with [`is_ok`](Reply::is_ok)
/// or [`expect_ok`](Reply::expect_ok).
///
/// Responses are in the proto3 JSON mapping (lowerCamelCase field names,
/// 64-bit integers as strings, bytes as base64), with fields at their
/// default value included, so a test can compare `0` or `""` directly.
///
/// ```no_run
/// # async fn example(server: &pipecurl::harness::TestServer) -> Result<(), pipecurl::harness::HarnessError> {
/// use serde_json::json;
/// use tonic::Code;
///
/// let reply = server
///     .call("piperpc.demo.v1.KeyValue/Get", json!({"key": "absent"}))
///     .await?;
/// assert_eq!(reply.status, Code::NotFound);
/// assert!(reply.status_message.contains("absent"));
/// assert!(reply.messages.is_empty());
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Reply {
    /// Every response message, in order.
    pub messages: Vec<Value>,
    /// The status code the call ended with.
    pub status: Code,
    /// The status message (empty when the server sent none).
    pub status_message: String,
    /// The response headers (empty when the server answered with an error
    /// status alone, a trailers-only response).
    pub headers: MetadataMap,
    /// The trailing metadata, without the `grpc-status`, `grpc-message`
    /// and `grpc-status-details-bin` entries, which are in
    /// [`status`](Reply::status) and [`status_message`](Reply::status_message).
    pub trailers: MetadataMap,
}

impl Reply {
    /// True when the call ended with `OK`.
    pub fn is_ok(&self) -> bool {
        self.status == Code::Ok
    }

    /// This reply, after checking that the call ended with `OK`.
    ///
    /// # Panics
    ///
    /// When it did not, with the status and its message: this is an
    /// assertion for tests.
    #[track_caller]
    pub fn expect_ok(self) -> Reply {
        assert!(
            self.is_ok(),
            "the call ended with {:?}: {:?} (after {} response(s))",
            self.status,
            self.status_message,
            self.messages.len()
        );
        self
    }

    /// The one response of a unary or client-streaming call.
    ///
    /// # Panics
    ///
    /// When there is not exactly one response (a non-OK status usually
    /// means none): this is an assertion for tests.
    #[track_caller]
    pub fn single(&self) -> &Value {
        match self.messages.as_slice() {
            [one] => one,
            other => panic!(
                "expected one response, got {} (status {:?}: {:?})",
                other.len(),
                self.status,
                self.status_message
            ),
        }
    }

    /// The response header `name`, if the server sent it as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The trailer `name`, if the server sent it as text.
    pub fn trailer(&self, name: &str) -> Option<&str> {
        self.trailers
            .get(name)
            .and_then(|value| value.to_str().ok())
    }
}
