//! `grpc.testing.TestService`, each method as grpc's interop test
//! descriptions define it (doc/interop-test-descriptions.md, "Server").

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio_stream::{Stream, StreamExt};
use tonic::{Code, Request, Response, Status, Streaming};

use super::wire::CallWire;
use crate::pb::test_service_server::TestService;
use crate::pb::{
    BoolValue, EchoStatus, Empty, Payload, PayloadType, ResponseParameters, SimpleRequest,
    SimpleResponse, StreamingInputCallRequest, StreamingInputCallResponse,
    StreamingOutputCallRequest, StreamingOutputCallResponse,
};

/// The largest payload one response may ask for: the client's default
/// decoding limit, so a request cannot make the server allocate at will.
const MAX_RESPONSE_SIZE: i32 = 4 * 1024 * 1024;

/// What `fill_server_id` fills in.
const SERVER_ID: &str = "piperpc-interop";

type ResponseStream =
    Pin<Box<dyn Stream<Item = Result<StreamingOutputCallResponse, Status>> + Send>>;

/// The interop test service. Stateless.
#[derive(Clone, Copy, Debug, Default)]
pub struct Interop;

/// `size` zero bytes of `kind`, which must be COMPRESSABLE (the only type
/// the messages define).
fn payload(kind: i32, size: i32) -> Result<Payload, Status> {
    if kind != PayloadType::Compressable as i32 {
        return Err(Status::invalid_argument(format!(
            "payload type {kind} is not supported"
        )));
    }
    if !(0..=MAX_RESPONSE_SIZE).contains(&size) {
        return Err(Status::invalid_argument(format!(
            "response size {size} is not within 0..={MAX_RESPONSE_SIZE}"
        )));
    }
    Ok(Payload {
        r#type: kind,
        body: vec![0; size as usize],
    })
}

/// The status the client asked the call to end with, if not OK.
fn echo_status(status: Option<&EchoStatus>) -> Result<(), Status> {
    match status {
        Some(status) if status.code != 0 => Err(Status::new(
            Code::from_i32(status.code),
            status.message.clone(),
        )),
        _ => Ok(()),
    }
}

/// INVALID_ARGUMENT when request message `index` was not compressed as its
/// `expect_compressed` claims (an absent field claims nothing).
fn check_compression(
    wire: Option<&Arc<CallWire>>,
    index: usize,
    expect: Option<&BoolValue>,
) -> Result<(), Status> {
    let Some(expect) = expect else {
        return Ok(());
    };
    let compressed = wire
        .and_then(|wire| wire.request_compressed(index))
        .ok_or_else(|| Status::internal("the request's compression flag was not seen"))?;
    match (expect.value, compressed) {
        (true, false) => Err(Status::invalid_argument(
            "expect_compressed is true but the request was not compressed",
        )),
        (false, true) => Err(Status::invalid_argument(
            "expect_compressed is false but the request was compressed",
        )),
        _ => Ok(()),
    }
}

/// The responses one StreamingOutputCallRequest asks for, each after its
/// `interval_us`, each compressed or not as asked.
fn responses(
    wire: Option<Arc<CallWire>>,
    kind: i32,
    parameters: Vec<ResponseParameters>,
) -> impl Stream<Item = Result<StreamingOutputCallResponse, Status>> {
    async_stream::try_stream! {
        for parameter in parameters {
            if parameter.interval_us > 0 {
                tokio::time::sleep(Duration::from_micros(parameter.interval_us as u64)).await;
            }
            let payload = payload(kind, parameter.size)?;
            if let Some(wire) = &wire {
                wire.plan_response(parameter.compressed.is_some_and(|c| c.value));
            }
            yield StreamingOutputCallResponse { payload: Some(payload) };
        }
    }
}

#[tonic::async_trait]
impl TestService for Interop {
    async fn empty_call(&self, _: Request<Empty>) -> Result<Response<Empty>, Status> {
        Ok(Response::new(Empty {}))
    }

    async fn unary_call(
        &self,
        request: Request<SimpleRequest>,
    ) -> Result<Response<SimpleResponse>, Status> {
        let wire = request.extensions().get::<Arc<CallWire>>().cloned();
        let request = request.into_inner();
        check_compression(wire.as_ref(), 0, request.expect_compressed.as_ref())?;
        echo_status(request.response_status.as_ref())?;
        let payload = payload(request.response_type, request.response_size)?;
        let mut response = Response::new(SimpleResponse {
            payload: Some(payload),
            // pick_first_unary checks that every call reached one server.
            server_id: if request.fill_server_id {
                SERVER_ID.to_string()
            } else {
                String::new()
            },
            ..SimpleResponse::default()
        });
        // tonic compresses a response when the client accepts gzip; this
        // one only when asked to.
        if !request.response_compressed.is_some_and(|c| c.value) {
            response.disable_compression();
        }
        Ok(response)
    }

    async fn cacheable_unary_call(
        &self,
        _: Request<SimpleRequest>,
    ) -> Result<Response<SimpleResponse>, Status> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let mut response = Response::new(SimpleResponse {
            payload: Some(Payload {
                r#type: PayloadType::Compressable as i32,
                body: now.to_string().into_bytes(),
            }),
            ..SimpleResponse::default()
        });
        response.metadata_mut().insert(
            "cache-control",
            "max-age=60, public".parse().expect("valid"),
        );
        Ok(response)
    }

    type StreamingOutputCallStream = ResponseStream;

    async fn streaming_output_call(
        &self,
        request: Request<StreamingOutputCallRequest>,
    ) -> Result<Response<ResponseStream>, Status> {
        let wire = request.extensions().get::<Arc<CallWire>>().cloned();
        let request = request.into_inner();
        let status = echo_status(request.response_status.as_ref());
        let sent = responses(wire, request.response_type, request.response_parameters);
        let ended = tokio_stream::iter(status.err().map(Err));
        Ok(Response::new(Box::pin(sent.chain(ended))))
    }

    async fn streaming_input_call(
        &self,
        request: Request<Streaming<StreamingInputCallRequest>>,
    ) -> Result<Response<StreamingInputCallResponse>, Status> {
        let wire = request.extensions().get::<Arc<CallWire>>().cloned();
        let mut messages = request.into_inner();
        let mut total: usize = 0;
        let mut index = 0;
        while let Some(message) = messages.next().await {
            let message = message?;
            check_compression(wire.as_ref(), index, message.expect_compressed.as_ref())?;
            total += message.payload.map_or(0, |p| p.body.len());
            index += 1;
        }
        let aggregated_payload_size = i32::try_from(total)
            .map_err(|_| Status::invalid_argument("payloads larger than 2 GiB in all"))?;
        Ok(Response::new(StreamingInputCallResponse {
            aggregated_payload_size,
        }))
    }

    type FullDuplexCallStream = ResponseStream;

    async fn full_duplex_call(
        &self,
        request: Request<Streaming<StreamingOutputCallRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let wire = request.extensions().get::<Arc<CallWire>>().cloned();
        let mut messages = request.into_inner();
        // Each request answered as it comes; a status to echo ends the call.
        let answers = async_stream::try_stream! {
            while let Some(message) = messages.next().await {
                let message = message?;
                echo_status(message.response_status.as_ref())?;
                let mut sent = Box::pin(responses(
                    wire.clone(),
                    message.response_type,
                    message.response_parameters,
                ));
                while let Some(response) = sent.next().await {
                    yield response?;
                }
            }
        };
        Ok(Response::new(Box::pin(answers)))
    }

    type HalfDuplexCallStream = ResponseStream;

    async fn half_duplex_call(
        &self,
        request: Request<Streaming<StreamingOutputCallRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let wire = request.extensions().get::<Arc<CallWire>>().cloned();
        let mut messages = request.into_inner();
        // Every request first, up to the half-close; then the answers.
        let mut asked = Vec::new();
        while let Some(message) = messages.next().await {
            let message = message?;
            echo_status(message.response_status.as_ref())?;
            asked.push(message);
        }
        let answers = async_stream::try_stream! {
            for message in asked {
                let mut sent = Box::pin(responses(
                    wire.clone(),
                    message.response_type,
                    message.response_parameters,
                ));
                while let Some(response) = sent.next().await {
                    yield response?;
                }
            }
        };
        Ok(Response::new(Box::pin(answers)))
    }

    async fn unimplemented_call(&self, _: Request<Empty>) -> Result<Response<Empty>, Status> {
        Err(Status::unimplemented(
            "grpc.testing.TestService/UnimplementedCall is not implemented, by design",
        ))
    }
}
