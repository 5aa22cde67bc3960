//! Compression through piperpc: a service's `accept_compressed` and
//! `send_compressed` (gzip, zstd) behave under `piperpc::Server` and
//! `piperpc::Channel` as under tonic's own server and channel, on a local
//! socket or pipe and on TCP.
//!
//! Each case runs against tonic's `transport::Server` with tonic's
//! `Channel` over TCP first; piperpc's answers must be the same, and what
//! gRPC says they should be.

mod common;
mod raw_echo;

use bytes::Bytes;
use piperpc::server::Server;
use piperpc::{Address, PeerPolicy};
use raw_echo::{EchoServer, Seen, echo};
use tonic::Code;
use tonic::codec::CompressionEncoding::{self, Gzip, Zstd};

/// A message that compresses well, larger than one HTTP/2 frame.
fn message() -> Bytes {
    Bytes::from(b"piperpc compression ".repeat(10_000))
}

/// What one call came to: the status code (or OK with the echo intact),
/// the response's `grpc-encoding`, and its first message's flag.
type Outcome = (Result<(), Code>, Seen);

#[derive(Clone, Copy, Debug)]
struct Case {
    server_accepts: Option<CompressionEncoding>,
    server_sends: Option<CompressionEncoding>,
    client_sends: Option<CompressionEncoding>,
    client_accepts: Option<CompressionEncoding>,
}

impl Case {
    fn server(self) -> EchoServer {
        let mut server = EchoServer::default();
        if let Some(encoding) = self.server_accepts {
            server = server.accept_compressed(encoding);
        }
        if let Some(encoding) = self.server_sends {
            server = server.send_compressed(encoding);
        }
        server
    }
}

/// Every combination that matters, for `encoding`.
fn cases(encoding: CompressionEncoding) -> Vec<(Case, &'static str)> {
    let e = Some(encoding);
    let case = |server_accepts, server_sends, client_sends, client_accepts| Case {
        server_accepts,
        server_sends,
        client_sends,
        client_accepts,
    };
    vec![
        (case(e, None, e, None), "compressed request accepted"),
        (case(None, None, e, None), "compressed request refused"),
        (case(None, e, None, e), "compressed response"),
        (
            case(None, e, None, None),
            "response plain: client accepts none",
        ),
        (case(e, e, e, e), "compressed both ways"),
        (case(None, None, None, None), "plain both ways"),
    ]
}

async fn outcome<S, B>(channel: S, case: Case) -> Outcome
where
    S: tower::Service<http::Request<tonic::body::Body>, Response = http::Response<B>>
        + Send
        + 'static,
    S::Error: Into<tower::BoxError>,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: Into<tower::BoxError>,
{
    let sent = message();
    let (result, seen) = echo(
        channel,
        sent.clone(),
        case.client_sends,
        case.client_accepts,
    )
    .await;
    let result = match result {
        Ok(echoed) => {
            assert_eq!(echoed, sent, "the echo differs");
            Ok(())
        }
        Err(status) => Err(status.code()),
    };
    (result, seen)
}

/// tonic's own server over TCP, called by tonic's own channel.
async fn under_tonic(case: Case) -> Outcome {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(case.server())
            .serve_with_incoming_shutdown(incoming, async {
                let _ = stopped.await;
            }),
    );
    let channel = tonic::transport::Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let outcome = outcome(channel, case).await;
    let _ = stop.send(());
    served.await.unwrap().unwrap();
    outcome
}

/// piperpc's server at `address`, called by piperpc's channel.
async fn under_piperpc(address: Address, case: Case) -> Outcome {
    let bound = Server::builder()
        .peer_policy(PeerPolicy::any())
        .add_service(case.server())
        .bind([address])
        .unwrap();
    let address = bound.local_addresses().remove(0);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(bound.serve_with_shutdown(async {
        let _ = stopped.await;
    }));
    let channel = piperpc::connect(address).await.unwrap();
    let outcome = outcome(channel, case).await;
    let _ = stop.send(());
    served.await.unwrap().unwrap();
    outcome
}

/// What gRPC says the case comes to.
fn expected(case: Case) -> Outcome {
    let refused = case.client_sends.is_some() && case.server_accepts != case.client_sends;
    if refused {
        // tonic answers UNIMPLEMENTED, with grpc-accept-encoding, as
        // gRPC's compression spec asks; trailers-only, so no message.
        return (Err(Code::Unimplemented), Seen::default());
    }
    let compressed = case.server_sends.is_some() && case.server_sends == case.client_accepts;
    let encoding = compressed.then(|| case.server_sends.unwrap().to_string());
    (
        Ok(()),
        Seen {
            encoding,
            compressed: Some(compressed),
        },
    )
}

async fn compare(encoding: CompressionEncoding) {
    for (case, name) in cases(encoding) {
        let reference = under_tonic(case).await;
        assert_eq!(reference, expected(case), "{encoding} {name}: tonic's own");
        let local = under_piperpc(common::unique_address("compression"), case).await;
        assert_eq!(local, reference, "{encoding} {name}: piperpc, local");
        let tcp = under_piperpc(Address::parse("127.0.0.1:0").unwrap(), case).await;
        assert_eq!(tcp, reference, "{encoding} {name}: piperpc, TCP");
    }
}

#[tokio::test]
async fn gzip_behaves_as_under_tonic() {
    compare(Gzip).await;
}

#[tokio::test]
async fn zstd_behaves_as_under_tonic() {
    compare(Zstd).await;
}
