//! One call of any method, with JSON, through the server's reflection.
//!
//! The engine is pipecurl's: the method is resolved with its reflection
//! client (v1, then v1alpha), the JSON becomes dynamic messages of the
//! method's input type, and the call goes through tonic's streaming client
//! with pipecurl's dynamic codec, so all four RPC kinds take one path.
//! Unlike the command line, nothing is printed: every response, the status
//! and both kinds of metadata are collected into a [`Reply`].

use std::time::Duration;

use piperpc::{Channel, ChannelBuilder};
use prost_reflect::{DynamicMessage, MethodDescriptor, SerializeOptions};
use serde_json::Value;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::metadata::{MetadataKey, MetadataMap, MetadataValue};
use tonic::{Code, Request, Status};

use super::error::HarnessError;
use super::reply::Reply;
use crate::codec::DynamicCodec;
use crate::schema::Schema;
use crate::schema::reflection::Reflection;

/// How long a call may take, connecting and reflection included, unless
/// told otherwise: a test must never hang on a server that does not
/// answer.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The largest message sent or received.
const MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;
/// Trailer entries that carry the status, not application metadata.
const STATUS_ENTRIES: [&str; 3] = ["grpc-status", "grpc-message", "grpc-status-details-bin"];

/// A call being set up: made by [`TestServer::prepare`](super::TestServer::prepare)
/// or [`Call::new`] (for any gRPC server with reflection), sent with
/// [`send`](Call::send).
///
/// ```no_run
/// # async fn example(server: &pipecurl::harness::TestServer) -> Result<(), pipecurl::harness::HarnessError> {
/// use std::time::Duration;
/// use serde_json::json;
///
/// let reply = server
///     .prepare("piperpc.demo.v1.Echo/Echo")
///     .header("x-tenant", "blue")
///     .timeout(Duration::from_secs(5))
///     .json(json!({"message": "hi", "returnMetadata": true}))
///     .send()
///     .await?
///     .expect_ok();
/// assert_eq!(reply.single()["metadata"]["x-tenant"], "blue");
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Call {
    address: String,
    method: String,
    inputs: Vec<Input>,
    headers: MetadataMap,
    bad_header: Option<String>,
    timeout: Duration,
}

/// A request as given, before the method's kind is known.
#[derive(Debug, Clone)]
enum Input {
    /// [`Call::json`]: an array is a sequence for client-streaming methods.
    Json(Value),
    /// [`Call::message`]: always exactly one message.
    Message(Value),
}

impl Call {
    /// A call of `method` (`package.Service/Method` or
    /// `package.Service.Method`) on the server at `address` (any form
    /// piperpc parses), with no request yet, no metadata and a 60 s
    /// timeout.
    pub fn new(address: impl Into<String>, method: impl Into<String>) -> Call {
        Call {
            address: address.into(),
            method: method.into(),
            inputs: Vec::new(),
            headers: MetadataMap::new(),
            bad_header: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Adds `request`: one message, or for a client- or bidi-streaming
    /// method, each element of a JSON array (anything else is one
    /// message). Without any request, a unary or server-streaming method is
    /// sent one empty message and a client-streaming one none.
    pub fn json(mut self, request: Value) -> Call {
        self.inputs.push(Input::Json(request));
        self
    }

    /// Adds exactly one request message, even if it is an array (which
    /// then fails as the method's input type is a message).
    pub fn message(mut self, request: Value) -> Call {
        self.inputs.push(Input::Message(request));
        self
    }

    /// Adds the request metadata entry `name: value`; a name ending in
    /// `-bin` takes `value`'s bytes as binary metadata. An invalid name or
    /// value is reported by [`send`](Call::send).
    pub fn header(mut self, name: &str, value: &str) -> Call {
        let added = if name.ends_with("-bin") {
            MetadataKey::from_bytes(name.as_bytes())
                .map(|key| {
                    self.headers
                        .append_bin(key, MetadataValue::from_bytes(value.as_bytes()));
                })
                .map_err(|_| ())
        } else {
            match (
                MetadataKey::from_bytes(name.as_bytes()),
                MetadataValue::try_from(value),
            ) {
                (Ok(key), Ok(value)) => {
                    self.headers.append(key, value);
                    Ok(())
                }
                _ => Err(()),
            }
        };
        if added.is_err() && self.bad_header.is_none() {
            self.bad_header = Some(format!("\"{name}: {value}\" is not valid gRPC metadata"));
        }
        self
    }

    /// Bounds the whole call (connecting, reflection, the call itself) to
    /// `timeout` rather than 60 s; it is sent to the server as the call's
    /// deadline too.
    pub fn timeout(mut self, timeout: Duration) -> Call {
        self.timeout = timeout;
        self
    }

    /// Connects, resolves the method by the server's reflection, sends the
    /// requests and collects every response and the status.
    ///
    /// The call runs on a thread and runtime of its own, which end with it,
    /// so its connection is closed by the time this returns (a server
    /// stopped next has no connection left to wait for) and it works the
    /// same from any runtime, a current-thread one included.
    ///
    /// # Errors
    ///
    /// Only for harness failures: [`HarnessError::Connect`] when the
    /// address cannot be connected to, [`HarnessError::Method`] when the
    /// server has no reflection or no such method (or a header was
    /// invalid), [`HarnessError::Request`] when the JSON does not fit the
    /// method's input type, [`HarnessError::TimedOut`] when the timeout
    /// passes before the server has answered (a deadline the server
    /// answers is a `DEADLINE_EXCEEDED` reply), [`HarnessError::Runtime`]
    /// when the call's thread cannot start. A call that ends with a non-OK
    /// status is an `Ok` [`Reply`].
    pub async fn send(self) -> Result<Reply, HarnessError> {
        let (sender, receiver) = tokio::sync::oneshot::channel();
        self.spawn(move |result| {
            let _ = sender.send(result);
        })?;
        receiver.await.unwrap_or_else(|_| Err(lost()))
    }

    /// [`send`](Call::send) for a test without an async runtime: blocks
    /// until the call is over.
    ///
    /// # Errors
    ///
    /// As [`send`](Call::send).
    pub fn send_blocking(self) -> Result<Reply, HarnessError> {
        let (sender, receiver) = std::sync::mpsc::channel();
        self.spawn(move |result| {
            let _ = sender.send(result);
        })?;
        receiver.recv().unwrap_or_else(|_| Err(lost()))
    }

    /// Runs the call on a new thread with its own runtime and hands the
    /// result to `done`.
    fn spawn(
        self,
        done: impl FnOnce(Result<Reply, HarnessError>) + Send + 'static,
    ) -> Result<(), HarnessError> {
        std::thread::Builder::new()
            .name("pipecurl-harness-call".into())
            .spawn(move || {
                let (method, timeout) = (self.method.clone(), self.timeout);
                let result = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(HarnessError::Runtime)
                    .and_then(|runtime| {
                        runtime.block_on(async {
                            tokio::time::timeout(timeout, self.run())
                                .await
                                .unwrap_or(Err(HarnessError::TimedOut { method, timeout }))
                        })
                    });
                done(result);
            })
            .map(drop)
            .map_err(HarnessError::Runtime)
    }

    async fn run(self) -> Result<Reply, HarnessError> {
        let started = tokio::time::Instant::now();
        if let Some(reason) = self.bad_header.clone() {
            return Err(self.method_error(reason));
        }
        let channel = self.connect().await?;
        let mut schema = Schema::Reflection(Box::new(Reflection::new(
            channel.clone(),
            self.headers.clone(),
            MAX_MESSAGE_SIZE,
        )));
        let method = schema
            .method(&self.method)
            .await
            .map_err(|failure| self.method_error(failure.to_string()))?;
        let requests = self.requests(&method)?;
        let mut request = Request::new(tokio_stream::iter(requests));
        *request.metadata_mut() = self.headers.clone();
        request.set_timeout(self.timeout.saturating_sub(started.elapsed()));
        exchange(channel, &method, request)
            .await
            .map_err(|reason| self.method_error(reason))
    }

    async fn connect(&self) -> Result<Channel, HarnessError> {
        let connect_error = |source| HarnessError::Connect {
            address: self.address.clone(),
            source,
        };
        ChannelBuilder::new(self.address.as_str())
            .map_err(connect_error)?
            .connect()
            .await
            .map_err(connect_error)
    }

    /// The request messages, by the rules of [`Call::json`].
    fn requests(&self, method: &MethodDescriptor) -> Result<Vec<DynamicMessage>, HarnessError> {
        let mut values = Vec::new();
        for input in &self.inputs {
            match input {
                Input::Json(Value::Array(all)) if method.is_client_streaming() => {
                    values.extend(all.iter().cloned());
                }
                Input::Json(one) | Input::Message(one) => values.push(one.clone()),
            }
        }
        if !method.is_client_streaming() {
            if values.len() > 1 {
                return Err(self.request_error(format!(
                    "the method takes one request message, but {} were given",
                    values.len()
                )));
            }
            if values.is_empty() {
                values.push(Value::Object(serde_json::Map::new()));
            }
        }
        values
            .into_iter()
            .enumerate()
            .map(|(n, value)| {
                DynamicMessage::deserialize(method.input(), value).map_err(|e| {
                    self.request_error(format!(
                        "request {} is not a {}: {e}",
                        n + 1,
                        method.input().full_name()
                    ))
                })
            })
            .collect()
    }

    fn method_error(&self, reason: String) -> HarnessError {
        HarnessError::Method {
            method: self.method.clone(),
            reason,
        }
    }

    fn request_error(&self, reason: String) -> HarnessError {
        HarnessError::Request {
            method: self.method.clone(),
            reason,
        }
    }
}

/// The call proper; Err only when the connection is not ready to take a
/// call or a response cannot be turned into JSON.
async fn exchange(
    channel: Channel,
    method: &MethodDescriptor,
    request: Request<tokio_stream::Iter<std::vec::IntoIter<DynamicMessage>>>,
) -> Result<Reply, String> {
    let path = format!("/{}/{}", method.parent_service().full_name(), method.name());
    let path = PathAndQuery::try_from(path.as_str())
        .map_err(|_| format!("\"{path}\" cannot be a gRPC path"))?;
    let mut grpc = tonic::client::Grpc::new(channel)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE);
    grpc.ready()
        .await
        .map_err(|e| format!("the connection is not ready: {e}"))?;
    let response = match grpc
        .streaming(request, path, DynamicCodec::new(method.output()))
        .await
    {
        Ok(response) => response,
        Err(status) => return Ok(failed(Vec::new(), MetadataMap::new(), &status)),
    };
    let headers = response.metadata().clone();
    let mut responses = response.into_inner();
    let mut messages = Vec::new();
    loop {
        match responses.message().await {
            Ok(Some(message)) => messages.push(to_json(&message)?),
            Ok(None) => break,
            Err(status) => return Ok(failed(messages, headers, &status)),
        }
    }
    match responses.trailers().await {
        Ok(trailers) => Ok(Reply {
            messages,
            status: Code::Ok,
            status_message: String::new(),
            headers,
            trailers: without_status(trailers.unwrap_or_default()),
        }),
        Err(status) => Ok(failed(messages, headers, &status)),
    }
}

/// A reply that ended with `status`.
fn failed(messages: Vec<Value>, headers: MetadataMap, status: &Status) -> Reply {
    Reply {
        messages,
        status: status.code(),
        status_message: status.message().to_string(),
        headers,
        trailers: without_status(status.metadata().clone()),
    }
}

/// The call's thread ended without a result: it panicked.
fn lost() -> HarnessError {
    HarnessError::Runtime(std::io::Error::other(
        "the call's thread ended without a result",
    ))
}

fn without_status(mut trailers: MetadataMap) -> MetadataMap {
    for name in STATUS_ENTRIES {
        trailers.remove(name);
    }
    trailers
}

fn to_json(message: &DynamicMessage) -> Result<Value, String> {
    let options = SerializeOptions::new().skip_default_fields(false);
    message
        .serialize_with_options(serde_json::value::Serializer, &options)
        .map_err(|e| format!("a response cannot be written as JSON: {e}"))
}
