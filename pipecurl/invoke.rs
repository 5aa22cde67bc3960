//! One call of a method of any of the four RPC kinds.
//!
//! Every kind goes through tonic's bidi-streaming client call: a unary call
//! is a stream of one message each way. That one path gives `-v` the
//! response headers and trailers apart (tonic's unary helper merges them),
//! prints each response the moment it arrives, and lets requests be sent
//! while responses come back.
//!
//! Three things can end a call: the exchange itself (success or an error
//! status), bad request data read from stdin mid-stream (the call is then
//! cancelled, never half-closed, so the server cannot mistake the cut
//! stream for a complete one), or the `--max-time` deadline. The deadline
//! is also sent as `grpc-timeout`, so the server gives up too.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use piperpc::Channel;
use prost_reflect::{DynamicMessage, MethodDescriptor};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_stream::Stream;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::metadata::MetadataMap;
use tonic::{Code, Request, Status};

use crate::codec::DynamicCodec;
use crate::describe::definition;
use crate::failure::Failure;
use crate::input::{InputError, Parsed};
use crate::output::Printer;
use crate::schema::Symbol;

/// What to call and how.
#[derive(Clone, Debug)]
pub(crate) struct CallSpec {
    /// The method.
    pub method: MethodDescriptor,
    /// Request metadata (`-H`).
    pub headers: MetadataMap,
    /// When the call must be over (`--max-time`).
    pub deadline: Option<Instant>,
    /// Largest message accepted or sent.
    pub max_message_size: usize,
    /// `-v`.
    pub verbose: bool,
}

/// The request messages of a call.
#[derive(Debug)]
pub(crate) enum Requests {
    /// Parsed in full before the call.
    Ready(Vec<DynamicMessage>),
    /// Parsed while the call runs; each is sent as it arrives.
    Live(mpsc::Receiver<Parsed>),
}

type RequestStream = Pin<Box<dyn Stream<Item = DynamicMessage> + Send>>;

/// Makes the call, printing responses as they arrive.
pub(crate) async fn invoke(
    channel: Channel,
    call: &CallSpec,
    requests: Requests,
    printer: &mut Printer,
) -> Result<(), Failure> {
    let sent = Arc::new(AtomicUsize::new(0));
    let (input_failed, input_failure) = oneshot::channel();
    let mut request = Request::new(request_stream(requests, sent.clone(), input_failed));
    *request.metadata_mut() = call.headers.clone();
    if let Some(deadline) = call.deadline {
        request.set_timeout(deadline.saturating_duration_since(Instant::now()));
    }
    if call.verbose {
        let method = definition(&Symbol::Method(call.method.clone()));
        printer.section("Resolved method descriptor:", &method)?;
        printer.metadata("Request metadata to send:", &call.headers)?;
    }

    let mut progress = Progress::default();
    let outcome = tokio::select! {
        outcome = exchange(channel, call, request, printer, &mut progress) => outcome,
        Ok(error) = input_failure => Err(Failure::from(error)),
        () = until(call.deadline) => Err(deadline_exceeded()),
    };
    let outcome = match outcome {
        Err(Failure::Rpc(status)) if past(call.deadline) && status.code() == Code::Cancelled => {
            // tonic reports its own expiry of grpc-timeout as CANCELLED.
            Err(deadline_exceeded())
        }
        other => other,
    };

    if call.verbose {
        match &outcome {
            Ok(trailers) => printer.metadata("Response trailers received:", trailers)?,
            Err(Failure::Rpc(status)) => {
                if !progress.headers_printed {
                    printer.metadata("Response headers received:", &MetadataMap::new())?;
                }
                printer.metadata("Response trailers received:", status.metadata())?;
            }
            Err(_) => {}
        }
        printer.text(&format!(
            "Sent {} and received {}",
            count(sent.load(Ordering::Relaxed), "request"),
            count(progress.received, "response")
        ))?;
    }
    outcome.map(|_trailers| ())
}

/// How far a call got, for `-v`.
#[derive(Default)]
struct Progress {
    headers_printed: bool,
    received: usize,
}

/// The call proper: headers, each response, trailers.
async fn exchange(
    channel: Channel,
    call: &CallSpec,
    request: Request<RequestStream>,
    printer: &mut Printer,
    progress: &mut Progress,
) -> Result<MetadataMap, Failure> {
    let method = &call.method;
    let path = format!("/{}/{}", method.parent_service().full_name(), method.name());
    let path = PathAndQuery::try_from(path.as_str())
        .map_err(|_| Failure::NotFound(format!("\"{path}\" cannot be a gRPC path")))?;
    let mut grpc = tonic::client::Grpc::new(channel)
        .max_decoding_message_size(call.max_message_size)
        .max_encoding_message_size(call.max_message_size);
    grpc.ready().await.map_err(|e| {
        Failure::Rpc(Status::unavailable(format!(
            "the connection is not ready: {e}"
        )))
    })?;
    let response = grpc
        .streaming(request, path, DynamicCodec::new(method.output()))
        .await
        .map_err(Failure::Rpc)?;
    if call.verbose {
        printer.metadata("Response headers received:", response.metadata())?;
        progress.headers_printed = true;
    }
    let mut responses = response.into_inner();
    while let Some(message) = responses.message().await.map_err(Failure::Rpc)? {
        // A fast stream may never leave this loop pending, so the deadline
        // branch of the caller's select would never run: check it here too.
        if past(call.deadline) {
            return Err(deadline_exceeded());
        }
        progress.received += 1;
        if !method.is_server_streaming() && progress.received > 1 {
            return Err(Failure::Rpc(Status::internal(
                "the server sent more than one response to a call that takes one",
            )));
        }
        if call.verbose {
            printer.section("Response contents:", "")?;
        }
        printer.message(&message)?;
    }
    let trailers = responses
        .trailers()
        .await
        .map_err(Failure::Rpc)?
        .unwrap_or_default();
    if !method.is_server_streaming() && progress.received == 0 {
        return Err(Failure::Rpc(Status::internal(
            "the server ended the call without a response message",
        )));
    }
    Ok(trailers)
}

/// The messages to send, counted into `sent`. Bad data read mid-call goes
/// to `input_failed` and the stream then neither yields nor ends, so the
/// request is never half-closed; the caller cancels the call.
fn request_stream(
    requests: Requests,
    sent: Arc<AtomicUsize>,
    input_failed: oneshot::Sender<InputError>,
) -> RequestStream {
    Box::pin(async_stream::stream! {
        match requests {
            Requests::Ready(all) => {
                for message in all {
                    sent.fetch_add(1, Ordering::Relaxed);
                    yield message;
                }
            }
            Requests::Live(mut parsed) => {
                let mut input_failed = Some(input_failed);
                while let Some(next) = parsed.recv().await {
                    match next {
                        Ok(message) => {
                            sent.fetch_add(1, Ordering::Relaxed);
                            yield message;
                        }
                        Err(error) => {
                            if let Some(input_failed) = input_failed.take() {
                                let _ = input_failed.send(error);
                            }
                            std::future::pending::<()>().await;
                        }
                    }
                }
            }
        }
    })
}

/// Sleeps until `deadline`, or forever without one.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

fn past(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|deadline| Instant::now() >= deadline)
}

fn deadline_exceeded() -> Failure {
    Failure::Rpc(Status::deadline_exceeded(
        "the deadline set by --max-time passed",
    ))
}

/// `1 request`, `0 responses`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
