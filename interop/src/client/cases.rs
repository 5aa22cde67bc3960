//! The client-side interop cases (grpc's doc/interop-test-descriptions.md),
//! each asserting what its description says the client asserts.

use std::time::Duration;

use piperpc::Channel;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;
use tonic::codec::CompressionEncoding;
use tonic::metadata::{MetadataMap, MetadataValue};
use tonic::{Code, Request, Status};

use super::ClientArgs;
use super::wire::Wired;
use crate::pb::test_service_client::TestServiceClient;
use crate::pb::unimplemented_service_client::UnimplementedServiceClient;
use crate::pb::{
    BoolValue, EchoStatus, Empty, Payload, ResponseParameters, SimpleRequest,
    StreamingInputCallRequest, StreamingOutputCallRequest, StreamingOutputCallResponse,
};

/// What a case returns: nothing, or why it failed.
pub type Outcome = Result<(), String>;

/// Runs the case `name`.
pub async fn run(name: &str, channel: &Channel, args: &ClientArgs) -> Outcome {
    let client = TestServiceClient::new(channel.clone());
    match name {
        "empty_unary" => empty_unary(client).await,
        "large_unary" => large_unary(client).await,
        "client_compressed_unary" => client_compressed_unary(client).await,
        "server_compressed_unary" => server_compressed_unary(channel).await,
        "client_streaming" => client_streaming(client).await,
        "client_compressed_streaming" => client_compressed_streaming(client, channel).await,
        "server_streaming" => server_streaming(client).await,
        "server_compressed_streaming" => server_compressed_streaming(channel).await,
        "ping_pong" => ping_pong(client).await,
        "empty_stream" => empty_stream(client).await,
        "cancel_after_begin" => cancel_after_begin(client).await,
        "cancel_after_first_response" => cancel_after_first_response(client).await,
        "timeout_on_sleeping_server" => timeout_on_sleeping_server(client).await,
        "custom_metadata" => custom_metadata(client).await,
        "status_code_and_message" => status_code_and_message(client).await,
        "special_status_message" => special_status_message(client).await,
        "unimplemented_method" => unimplemented_method(client).await,
        "unimplemented_service" => unimplemented_service(channel).await,
        "rpc_soak" => super::soak::run(args, Some(channel)).await,
        "channel_soak" => super::soak::run(args, None).await,
        other => Err(format!("no case {other}")),
    }
}

/// `size` bytes of zeros.
pub fn zeros(size: usize) -> Option<Payload> {
    Some(Payload {
        r#type: 0,
        body: vec![0; size],
    })
}

/// A BoolValue set to `value`.
fn boolean(value: bool) -> Option<BoolValue> {
    Some(BoolValue { value })
}

/// The large_unary request: 271828 bytes out, 314159 asked back.
pub fn large_request() -> SimpleRequest {
    SimpleRequest {
        response_size: 314_159,
        payload: zeros(271_828),
        ..SimpleRequest::default()
    }
}

/// An error unless `payload` is `size` bytes of zeros.
pub fn check_payload(payload: Option<&Payload>, size: usize) -> Outcome {
    let body = payload.map_or(&[][..], |p| &p.body[..]);
    if body.len() != size {
        return Err(format!("payload is {} bytes, expected {size}", body.len()));
    }
    if body.iter().any(|&b| b != 0) {
        return Err("payload is not all zeros".into());
    }
    Ok(())
}

/// An error unless the call failed with `code` (and `message`, if given).
fn expect_status<T>(result: Result<T, Status>, code: Code, message: Option<&str>) -> Outcome {
    match result {
        Ok(_) => Err(format!("succeeded; expected {code:?}")),
        Err(status) if status.code() != code => Err(format!(
            "failed with {:?} ({}); expected {code:?}",
            status.code(),
            status.message()
        )),
        Err(status) => match message {
            Some(message) if status.message() != message => Err(format!(
                "message is {:?}; expected {message:?}",
                status.message()
            )),
            _ => Ok(()),
        },
    }
}

fn failed(what: &str, status: Status) -> String {
    format!("{what}: {:?}: {}", status.code(), status.message())
}

fn stream_request(sizes: &[(i32, usize)]) -> Vec<StreamingOutputCallRequest> {
    sizes
        .iter()
        .map(|&(response, request)| StreamingOutputCallRequest {
            response_parameters: vec![ResponseParameters {
                size: response,
                ..ResponseParameters::default()
            }],
            payload: zeros(request),
            ..StreamingOutputCallRequest::default()
        })
        .collect()
}

/// Reads every response of a stream; their payload sizes.
async fn sizes(
    stream: &mut tonic::Streaming<StreamingOutputCallResponse>,
) -> Result<Vec<usize>, String> {
    let mut sizes = Vec::new();
    while let Some(response) = stream.next().await {
        let response = response.map_err(|s| failed("reading responses", s))?;
        let size = response.payload.as_ref().map_or(0, |p| p.body.len());
        check_payload(response.payload.as_ref(), size)?;
        sizes.push(size);
    }
    Ok(sizes)
}

async fn empty_unary(mut client: TestServiceClient<Channel>) -> Outcome {
    client
        .empty_call(Empty {})
        .await
        .map_err(|s| failed("EmptyCall", s))?;
    Ok(())
}

async fn large_unary(mut client: TestServiceClient<Channel>) -> Outcome {
    let response = client
        .unary_call(large_request())
        .await
        .map_err(|s| failed("UnaryCall", s))?
        .into_inner();
    check_payload(response.payload.as_ref(), 314_159)
}

async fn client_compressed_unary(client: TestServiceClient<Channel>) -> Outcome {
    let claimed = |expect| SimpleRequest {
        expect_compressed: boolean(expect),
        ..large_request()
    };
    // The probe: claimed compressed, sent plain; the server must refuse it.
    let probe = client.clone().unary_call(claimed(true)).await;
    expect_status(probe, Code::InvalidArgument, None)
        .map_err(|why| format!("uncompressed probe claiming compression: {why}"))?;
    let mut gzip = client.clone().send_compressed(CompressionEncoding::Gzip);
    let response = gzip
        .unary_call(claimed(true))
        .await
        .map_err(|s| failed("compressed UnaryCall", s))?;
    check_payload(response.get_ref().payload.as_ref(), 314_159)?;
    let response = client
        .clone()
        .unary_call(claimed(false))
        .await
        .map_err(|s| failed("uncompressed UnaryCall", s))?;
    check_payload(response.get_ref().payload.as_ref(), 314_159)
}

async fn server_compressed_unary(channel: &Channel) -> Outcome {
    for compressed in [true, false] {
        let wired = Wired::new(channel.clone());
        let mut client =
            TestServiceClient::new(wired.clone()).accept_compressed(CompressionEncoding::Gzip);
        let request = SimpleRequest {
            response_compressed: boolean(compressed),
            ..large_request()
        };
        let response = client
            .unary_call(request)
            .await
            .map_err(|s| failed("UnaryCall", s))?;
        check_payload(response.get_ref().payload.as_ref(), 314_159)?;
        let flags = wired.response_flags();
        if flags != [compressed] {
            return Err(format!(
                "response_compressed {compressed}: the response's compressed flags were {flags:?}"
            ));
        }
    }
    Ok(())
}

async fn client_streaming(mut client: TestServiceClient<Channel>) -> Outcome {
    let requests = [27_182, 8, 1_828, 45_904].map(|size| StreamingInputCallRequest {
        payload: zeros(size),
        ..StreamingInputCallRequest::default()
    });
    let response = client
        .streaming_input_call(tokio_stream::iter(requests))
        .await
        .map_err(|s| failed("StreamingInputCall", s))?
        .into_inner();
    match response.aggregated_payload_size {
        74_922 => Ok(()),
        other => Err(format!("aggregated_payload_size {other}, expected 74922")),
    }
}

async fn client_compressed_streaming(
    client: TestServiceClient<Channel>,
    channel: &Channel,
) -> Outcome {
    let message = |expect, size| StreamingInputCallRequest {
        expect_compressed: boolean(expect),
        payload: zeros(size),
    };
    let probe = client
        .clone()
        .streaming_input_call(tokio_stream::iter([message(true, 27_182)]))
        .await;
    expect_status(probe, Code::InvalidArgument, None)
        .map_err(|why| format!("uncompressed probe claiming compression: {why}"))?;
    // The first message gzipped, the second not, on one stream.
    let wired = Wired::new(channel.clone()).compressing(vec![true, false]);
    let mut client = TestServiceClient::new(wired);
    let messages = [message(true, 27_182), message(false, 45_904)];
    let response = client
        .streaming_input_call(tokio_stream::iter(messages))
        .await
        .map_err(|s| failed("StreamingInputCall", s))?
        .into_inner();
    match response.aggregated_payload_size {
        73_086 => Ok(()),
        other => Err(format!("aggregated_payload_size {other}, expected 73086")),
    }
}

async fn server_streaming(mut client: TestServiceClient<Channel>) -> Outcome {
    let request = StreamingOutputCallRequest {
        response_parameters: [31_415, 9, 2_653, 58_979]
            .map(|size| ResponseParameters {
                size,
                ..ResponseParameters::default()
            })
            .to_vec(),
        ..StreamingOutputCallRequest::default()
    };
    let mut stream = client
        .streaming_output_call(request)
        .await
        .map_err(|s| failed("StreamingOutputCall", s))?
        .into_inner();
    let got = sizes(&mut stream).await?;
    if got != [31_415, 9, 2_653, 58_979] {
        return Err(format!("response sizes {got:?}"));
    }
    Ok(())
}

async fn server_compressed_streaming(channel: &Channel) -> Outcome {
    let wired = Wired::new(channel.clone());
    let mut client =
        TestServiceClient::new(wired.clone()).accept_compressed(CompressionEncoding::Gzip);
    let request = StreamingOutputCallRequest {
        response_parameters: vec![
            ResponseParameters {
                size: 31_415,
                compressed: boolean(true),
                ..ResponseParameters::default()
            },
            ResponseParameters {
                size: 92_653,
                compressed: boolean(false),
                ..ResponseParameters::default()
            },
        ],
        ..StreamingOutputCallRequest::default()
    };
    let mut stream = client
        .streaming_output_call(request)
        .await
        .map_err(|s| failed("StreamingOutputCall", s))?
        .into_inner();
    let got = sizes(&mut stream).await?;
    if got != [31_415, 92_653] {
        return Err(format!("response sizes {got:?}"));
    }
    let flags = wired.response_flags();
    if flags != [true, false] {
        return Err(format!(
            "compressed flags {flags:?}, expected [true, false]"
        ));
    }
    Ok(())
}

async fn ping_pong(mut client: TestServiceClient<Channel>) -> Outcome {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    let mut requests =
        stream_request(&[(31_415, 27_182), (9, 8), (2_653, 1_828), (58_979, 45_904)]).into_iter();
    let expected: Vec<usize> = [31_415, 9, 2_653, 58_979].to_vec();
    // The first request goes before the call is awaited: tonic returns
    // once the response headers are in, and a server may send them only
    // with its first response (grpc C++'s does).
    let first = requests.next().ok_or("no request")?;
    sender
        .send(first)
        .await
        .map_err(|_| "the request stream closed early")?;
    let mut stream = client
        .full_duplex_call(ReceiverStream::new(receiver))
        .await
        .map_err(|s| failed("FullDuplexCall", s))?
        .into_inner();
    for size in expected {
        let response = stream
            .message()
            .await
            .map_err(|s| failed("reading a response", s))?
            .ok_or("the response stream ended early")?;
        check_payload(response.payload.as_ref(), size)?;
        if let Some(request) = requests.next() {
            sender
                .send(request)
                .await
                .map_err(|_| "the request stream closed early")?;
        }
    }
    drop(sender);
    match stream.message().await {
        Ok(None) => Ok(()),
        Ok(Some(_)) => Err("a fifth response".into()),
        Err(status) => Err(failed("at the end", status)),
    }
}

async fn empty_stream(mut client: TestServiceClient<Channel>) -> Outcome {
    let mut stream = client
        .full_duplex_call(tokio_stream::empty())
        .await
        .map_err(|s| failed("FullDuplexCall", s))?
        .into_inner();
    let got = sizes(&mut stream).await?;
    if !got.is_empty() {
        return Err(format!("{} responses, expected none", got.len()));
    }
    Ok(())
}

async fn cancel_after_begin(mut client: TestServiceClient<Channel>) -> Outcome {
    // A request stream that sends nothing, then the cancel.
    let mut request = Request::new(tokio_stream::pending::<StreamingInputCallRequest>());
    let cancel = request.cancellation_handle();
    let call = tokio::spawn(async move { client.streaming_input_call(request).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    cancel.cancel();
    let result = call.await.map_err(|e| e.to_string())?;
    expect_status(result, Code::Cancelled, None)
}

async fn cancel_after_first_response(mut client: TestServiceClient<Channel>) -> Outcome {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    let mut request = Request::new(ReceiverStream::new(receiver));
    let cancel = request.cancellation_handle();
    // Sent before the call is awaited, as in ping_pong.
    let first = stream_request(&[(31_415, 27_182)]).remove(0);
    sender
        .send(first)
        .await
        .map_err(|_| "the request stream closed early")?;
    let mut stream = client
        .full_duplex_call(request)
        .await
        .map_err(|s| failed("FullDuplexCall", s))?
        .into_inner();
    let response = stream
        .message()
        .await
        .map_err(|s| failed("reading the response", s))?
        .ok_or("no response")?;
    check_payload(response.payload.as_ref(), 31_415)?;
    cancel.cancel();
    let after = stream.message().await;
    drop(sender);
    expect_status(after, Code::Cancelled, None)
}

async fn timeout_on_sleeping_server(mut client: TestServiceClient<Channel>) -> Outcome {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    let mut request = Request::new(ReceiverStream::new(receiver));
    request.set_timeout(Duration::from_millis(1));
    let message = StreamingOutputCallRequest {
        payload: zeros(27_182),
        ..StreamingOutputCallRequest::default()
    };
    // Queued before the call starts; the stream stays open after it.
    sender
        .send(message)
        .await
        .map_err(|_| "the request stream closed early")?;
    let result = match client.full_duplex_call(request).await {
        Ok(response) => response.into_inner().message().await.map(|_| ()),
        Err(status) => Err(status),
    };
    drop(sender);
    expect_status(result, Code::DeadlineExceeded, None)
}

/// The metadata custom_metadata sends and expects back.
fn echo_metadata(metadata: &mut MetadataMap) {
    metadata.insert(
        "x-grpc-test-echo-initial",
        MetadataValue::from_static("test_initial_metadata_value"),
    );
    metadata.insert_bin(
        "x-grpc-test-echo-trailing-bin",
        MetadataValue::from_bytes(&[0xab, 0xab, 0xab]),
    );
}

fn check_echo(initial: &MetadataMap, trailing: &MetadataMap, call: &str) -> Outcome {
    let value = initial.get("x-grpc-test-echo-initial");
    if value.is_none_or(|v| v != "test_initial_metadata_value") {
        return Err(format!(
            "{call}: initial metadata x-grpc-test-echo-initial is {value:?}"
        ));
    }
    let value = trailing
        .get_bin("x-grpc-test-echo-trailing-bin")
        .map(|v| v.to_bytes());
    match value {
        Some(Ok(bytes)) if bytes[..] == [0xab, 0xab, 0xab] => Ok(()),
        other => Err(format!(
            "{call}: trailing metadata x-grpc-test-echo-trailing-bin is {other:?}"
        )),
    }
}

async fn custom_metadata(mut client: TestServiceClient<Channel>) -> Outcome {
    let mut request = Request::new(large_request());
    echo_metadata(request.metadata_mut());
    let response = client
        .unary_call(request)
        .await
        .map_err(|s| failed("UnaryCall", s))?;
    check_payload(response.get_ref().payload.as_ref(), 314_159)?;
    // A unary call's trailers are merged into its response metadata.
    check_echo(response.metadata(), response.metadata(), "UnaryCall")?;

    let requests = stream_request(&[(314_159, 271_828)]);
    let mut request = Request::new(tokio_stream::iter(requests));
    echo_metadata(request.metadata_mut());
    let response = client
        .full_duplex_call(request)
        .await
        .map_err(|s| failed("FullDuplexCall", s))?;
    let initial = response.metadata().clone();
    let mut stream = response.into_inner();
    let got = sizes(&mut stream).await?;
    if got != [314_159] {
        return Err(format!("FullDuplexCall response sizes {got:?}"));
    }
    let trailing = stream
        .trailers()
        .await
        .map_err(|s| failed("FullDuplexCall trailers", s))?
        .unwrap_or_default();
    check_echo(&initial, &trailing, "FullDuplexCall")
}

/// UnaryCall and FullDuplexCall echo `message` as the status of code 2.
async fn echo_status(
    mut client: TestServiceClient<Channel>,
    message: &str,
    duplex: bool,
) -> Outcome {
    let status = || {
        Some(EchoStatus {
            code: 2,
            message: message.to_string(),
        })
    };
    let request = SimpleRequest {
        response_status: status(),
        ..SimpleRequest::default()
    };
    let result = client.unary_call(request).await;
    expect_status(result, Code::Unknown, Some(message))
        .map_err(|why| format!("UnaryCall: {why}"))?;
    if !duplex {
        return Ok(());
    }
    let request = StreamingOutputCallRequest {
        response_status: status(),
        ..StreamingOutputCallRequest::default()
    };
    let result = match client.full_duplex_call(tokio_stream::iter([request])).await {
        Ok(response) => response.into_inner().message().await.map(|_| ()),
        Err(status) => Err(status),
    };
    expect_status(result, Code::Unknown, Some(message))
        .map_err(|why| format!("FullDuplexCall: {why}"))
}

async fn status_code_and_message(client: TestServiceClient<Channel>) -> Outcome {
    echo_status(client, "test status message", true).await
}

async fn special_status_message(client: TestServiceClient<Channel>) -> Outcome {
    let message = "\t\ntest with whitespace\r\nand Unicode BMP \u{263A} and non-BMP \u{1F608}\t\n";
    echo_status(client, message, false).await
}

async fn unimplemented_method(mut client: TestServiceClient<Channel>) -> Outcome {
    let result = client.unimplemented_call(Empty {}).await;
    expect_status(result, Code::Unimplemented, None)
}

async fn unimplemented_service(channel: &Channel) -> Outcome {
    let result = UnimplementedServiceClient::new(channel.clone())
        .unimplemented_call(Empty {})
        .await;
    expect_status(result, Code::Unimplemented, None)
}
