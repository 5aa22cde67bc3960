//! A gRPC echo service of raw bytes, with tonic's compression settings, and
//! a client that sees the wire: what the compression tests share.
//!
//! The codec passes message bytes through, so a test can send any size
//! without a proto; [`Observed`] records what tonic does not tell a caller:
//! the response's `grpc-encoding` and the compressed flag of its first
//! message.
#![allow(dead_code, unreachable_pub)] // each test file uses its own share

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::{Buf, BufMut, Bytes};
use http::uri::PathAndQuery;
use http_body::{Body as HttpBody, Frame};
use tonic::Status;
use tonic::body::Body;
use tonic::codec::{
    Codec, CompressionEncoding, DecodeBuf, Decoder, EnabledCompressionEncodings, EncodeBuf, Encoder,
};
use tonic::server::NamedService;
use tower::{BoxError, Service};

/// Bytes in, the same bytes out.
#[derive(Clone, Copy, Debug, Default)]
pub struct RawCodec;

impl Codec for RawCodec {
    type Encode = Bytes;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn encode(&mut self, item: Bytes, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put(item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining())))
    }
}

/// The one method's path.
pub const ECHO: &str = "/test.Echo/Echo";

/// `test.Echo/Echo`: answers a message with itself, accepting and sending
/// the encodings it is given, with tonic's default message limits.
#[derive(Clone, Copy, Debug, Default)]
pub struct EchoServer {
    accept: EnabledCompressionEncodings,
    send: EnabledCompressionEncodings,
}

impl EchoServer {
    /// Accepts requests compressed with `encoding`, as a generated
    /// server's `accept_compressed`.
    pub fn accept_compressed(mut self, encoding: CompressionEncoding) -> EchoServer {
        self.accept.enable(encoding);
        self
    }

    /// Compresses responses with `encoding` when the client accepts it, as
    /// a generated server's `send_compressed`.
    pub fn send_compressed(mut self, encoding: CompressionEncoding) -> EchoServer {
        self.send.enable(encoding);
        self
    }
}

impl NamedService for EchoServer {
    const NAME: &'static str = "test.Echo";
}

impl Service<http::Request<Body>> for EchoServer {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<Body>, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let mut grpc = tonic::server::Grpc::new(RawCodec)
            .apply_compression_config(self.accept, self.send)
            .apply_max_message_size_config(None, None);
        Box::pin(async move {
            let echo = tower::service_fn(|request: tonic::Request<Bytes>| async move {
                Ok::<_, Status>(tonic::Response::new(request.into_inner()))
            });
            Ok(grpc.unary(echo, request).await)
        })
    }
}

/// What a client saw of a response beyond its message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    /// The response's `grpc-encoding`, if any.
    pub encoding: Option<String>,
    /// The compressed flag of the first message, if one came.
    pub compressed: Option<bool>,
}

/// A client's service that records [`Seen`] for its calls.
#[derive(Clone, Debug)]
pub struct Observed<S> {
    inner: S,
    seen: Arc<Mutex<Seen>>,
}

impl<S> Observed<S> {
    pub fn new(inner: S) -> Observed<S> {
        Observed {
            inner,
            seen: Arc::default(),
        }
    }

    pub fn seen(&self) -> Seen {
        self.seen.lock().unwrap().clone()
    }
}

impl<S, B> Service<http::Request<Body>> for Observed<S>
where
    S: Service<http::Request<Body>, Response = http::Response<B>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: HttpBody<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    type Response = http::Response<Body>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<http::Response<Body>, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let seen = Arc::clone(&self.seen);
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await.map_err(Into::into)?;
            seen.lock().unwrap().encoding = response
                .headers()
                .get("grpc-encoding")
                .map(|v| v.to_str().unwrap_or("?").to_string());
            Ok(response.map(|body| Body::new(FirstFlag { inner: body, seen })))
        })
    }
}

/// A response body that records its first byte: the first message's flag.
struct FirstFlag<B> {
    inner: B,
    seen: Arc<Mutex<Seen>>,
}

impl<B> HttpBody for FirstFlag<B>
where
    B: HttpBody<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
            && let Some(&flag) = data.first()
        {
            let mut seen = self.seen.lock().unwrap();
            if seen.compressed.is_none() {
                seen.compressed = Some(flag == 1);
            }
        }
        polled.map(|frame| frame.map(|frame| frame.map_err(Into::into)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }
}

/// One echo call of `message` on `channel`, the client sending and
/// accepting the encodings given: the echo (or the status) and what was
/// seen of the response.
pub async fn echo<S, B>(
    channel: S,
    message: Bytes,
    send: Option<CompressionEncoding>,
    accept: Option<CompressionEncoding>,
) -> (Result<Bytes, Status>, Seen)
where
    S: Service<http::Request<Body>, Response = http::Response<B>> + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
    B: HttpBody<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<BoxError>,
{
    let observed = Observed::new(channel);
    let seen = Arc::clone(&observed.seen);
    let mut grpc = tonic::client::Grpc::new(observed);
    if let Some(encoding) = send {
        grpc = grpc.send_compressed(encoding);
    }
    if let Some(encoding) = accept {
        grpc = grpc.accept_compressed(encoding);
    }
    let result = async {
        grpc.ready()
            .await
            .map_err(|e| Status::unavailable(e.to_string()))?;
        grpc.unary(
            tonic::Request::new(message),
            PathAndQuery::from_static(ECHO),
            RawCodec,
        )
        .await
        .map(tonic::Response::into_inner)
    }
    .await;
    let seen = seen.lock().unwrap().clone();
    (result, seen)
}
