//! A raw HTTP/2 client sends what stock gRPC clients send over local
//! transports: the socket path or pipe name as `:authority`. A server built
//! on the framework's listener answers it (h2 alone would reset the
//! request); a TCP listener leaves the stream alone, and a request that is
//! malformed for other reasons is still refused.
//!
//! Runs on Unix (a `unix:` socket) and, under Wine, on Windows (a named
//! pipe named `\\.\pipe\NAME`, sent as such).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use piperpc::{Address, Listener};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const DATA: u8 = 0x0;
const HEADERS: u8 = 0x1;
const RST_STREAM: u8 = 0x3;
const SETTINGS: u8 = 0x4;
const GOAWAY: u8 = 0x7;
const END_STREAM: u8 = 0x1;
const END_HEADERS: u8 = 0x4;
const ACK: u8 = 0x1;

/// The reply to a health check: a gRPC frame holding `status: SERVING`.
const SERVING: &[u8] = &[0, 0, 0, 0, 2, 0x08, 0x01];

fn unique_name() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("piperpc-authority-{}-{n}", std::process::id())
}

fn frame(out: &mut Vec<u8>, kind: u8, flags: u8, stream: u32, payload: &[u8]) {
    out.extend_from_slice(&(payload.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(&[kind, flags]);
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
}

fn string(out: &mut Vec<u8>, s: &[u8]) {
    assert!(s.len() < 127, "one-byte lengths only");
    out.push(s.len() as u8);
    out.extend_from_slice(s);
}

/// A health check request header block, as gRPC C-core encodes one:
/// `:path`, `:authority` and `content-type` literals with incremental
/// indexing (so they land in the dynamic table), `te` without indexing.
fn first_block(authority: &[u8]) -> Vec<u8> {
    let mut field = vec![0x41]; // :authority (static 1), incremental indexing
    string(&mut field, authority);
    request_block(&field)
}

/// A health check request with `authority_field` as its `:authority`.
fn request_block(authority_field: &[u8]) -> Vec<u8> {
    let mut b = vec![0x83, 0x86]; // :method POST, :scheme http
    b.push(0x44); // :path (static 4), incremental indexing
    string(&mut b, b"/grpc.health.v1.Health/Check");
    b.extend_from_slice(authority_field);
    b.push(0x5f); // content-type (static 31), incremental indexing
    string(&mut b, b"application/grpc");
    b.extend([0x00, 0x02]); // te, literal name, without indexing
    b.extend_from_slice(b"te");
    string(&mut b, b"trailers");
    b
}

/// The same request once more, by index into the dynamic table:
/// content-type is 62, `:authority` 63, `:path` 64.
fn second_block() -> Vec<u8> {
    let mut b = vec![0x83, 0x86, 0xc0, 0xbf, 0xbe, 0x00, 0x02];
    b.extend_from_slice(b"te");
    string(&mut b, b"trailers");
    b
}

/// How the server answered one stream.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Answer {
    /// Response data, then trailers.
    Replied(Vec<u8>),
    /// RST_STREAM with this error code.
    Reset(u32),
}

/// Sends one request per header block (streams 1, 3, ...) on `stream` and
/// reads until every one is answered.
async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    blocks: &[Vec<u8>],
) -> Vec<Answer> {
    let mut out = PREFACE.to_vec();
    frame(&mut out, SETTINGS, 0, 0, &[]);
    for (i, block) in blocks.iter().enumerate() {
        let id = 2 * i as u32 + 1;
        frame(&mut out, HEADERS, END_HEADERS, id, block);
        frame(&mut out, DATA, END_STREAM, id, &[0, 0, 0, 0, 0]);
    }
    stream.write_all(&out).await.expect("send the requests");

    let mut data: Vec<Vec<u8>> = vec![Vec::new(); blocks.len()];
    let mut answers: Vec<Option<Answer>> = (0..blocks.len()).map(|_| None).collect();
    let mut headers_seen = vec![false; blocks.len()];
    while answers.iter().any(Option::is_none) {
        let mut header = [0u8; 9];
        stream
            .read_exact(&mut header)
            .await
            .expect("a frame header");
        let len =
            usize::from(header[0]) << 16 | usize::from(header[1]) << 8 | usize::from(header[2]);
        let (kind, flags) = (header[3], header[4]);
        let id = u32::from_be_bytes(header[5..9].try_into().unwrap()) & 0x7fff_ffff;
        let mut payload = vec![0u8; len];
        stream
            .read_exact(&mut payload)
            .await
            .expect("a frame payload");
        match kind {
            SETTINGS if flags & ACK == 0 => {
                let mut ack = Vec::new();
                frame(&mut ack, SETTINGS, ACK, 0, &[]);
                stream.write_all(&ack).await.expect("send SETTINGS ACK");
            }
            GOAWAY => panic!("the server closed the connection: GOAWAY {payload:?}"),
            _ if id == 0 || id % 2 == 0 => {}
            _ => {
                let i = (id as usize - 1) / 2;
                match kind {
                    DATA => data[i].extend_from_slice(&payload),
                    RST_STREAM => {
                        let code = u32::from_be_bytes(payload[..4].try_into().unwrap());
                        answers[i] = Some(Answer::Reset(code));
                    }
                    // Response headers first, then trailers that end the stream.
                    HEADERS if headers_seen[i] || flags & END_STREAM != 0 => {
                        answers[i] = Some(Answer::Replied(std::mem::take(&mut data[i])));
                    }
                    HEADERS => headers_seen[i] = true,
                    _ => {}
                }
            }
        }
    }
    answers.into_iter().map(Option::unwrap).collect()
}

/// Serves tonic's health service on `listener`, in the background.
fn serve(listener: Listener) -> tokio::task::JoinHandle<()> {
    let (_reporter, health) = tonic_health::server::health_reporter();
    tokio::spawn(async move {
        let _ = tonic::transport::Server::builder()
            .add_service(health)
            .serve_with_incoming(listener.into_incoming())
            .await;
    })
}

async fn within<T>(what: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(30), what)
        .await
        .expect("answered within 30s")
}

/// Binds a local address and connects a raw client to it; the authority a
/// stock client would send is returned with the stream.
#[cfg(unix)]
async fn local() -> (tokio::task::JoinHandle<()>, tokio::net::UnixStream, String) {
    let path = std::env::temp_dir().join(format!("{}.sock", unique_name()));
    let listener = Listener::bind(Address::Unix(path.clone())).expect("bind the socket");
    let server = serve(listener);
    let stream = tokio::net::UnixStream::connect(&path)
        .await
        .expect("connect");
    (server, stream, path.display().to_string())
}

#[cfg(windows)]
async fn local() -> (
    tokio::task::JoinHandle<()>,
    tokio::net::windows::named_pipe::NamedPipeClient,
    String,
) {
    let name = format!(r"\\.\pipe\{}", unique_name());
    let listener = Listener::bind(Address::NamedPipe(name.clone())).expect("bind the pipe");
    let server = serve(listener);
    let stream = tokio::net::windows::named_pipe::ClientOptions::new()
        .open(&name)
        .expect("open the pipe");
    (server, stream, name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_like_authority_is_answered_on_a_local_transport() {
    let (server, stream, authority) = local().await;
    let blocks = [first_block(authority.as_bytes()), second_block()];
    let answers = within(exchange(stream, &blocks)).await;
    let replied = Answer::Replied(SERVING.to_vec());
    assert_eq!(answers, [replied.clone(), replied], "authority {authority}");
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_percent_encoded_path_authority_is_answered_on_a_local_transport() {
    let (server, stream, authority) = local().await;
    let encoded = authority.replace('/', "%2F").replace('\\', "%5C");
    let answers = within(exchange(stream, &[first_block(encoded.as_bytes())])).await;
    assert_eq!(
        answers,
        [Answer::Replied(SERVING.to_vec())],
        "authority {encoded}"
    );
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_still_refused_on_a_local_transport() {
    let (server, stream, _) = local().await;
    // An empty `:authority` (static entry 1 as it is): no same-length
    // authority exists, so h2 refuses it as before, with PROTOCOL_ERROR.
    let answers = within(exchange(stream, &[request_block(&[0x81])])).await;
    assert_eq!(answers, [Answer::Reset(1)]);
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_connections_are_left_as_they_come() {
    let listener = Listener::bind(Address::parse("127.0.0.1:0").unwrap()).expect("bind TCP");
    let Address::Tcp(address) = listener.local_address().clone() else {
        panic!("a TCP address");
    };
    let server = serve(listener);
    let stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let answers = within(exchange(stream, &[first_block(b"/tmp/x.sock")])).await;
    assert_eq!(answers, [Answer::Reset(1)], "h2's own verdict on TCP");
    server.abort();
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abstract_socket_address_as_authority_is_answered() {
    use piperpc::{Connector, ListenerOptions, PeerPolicy};
    let written = format!("unix-abstract:{}", unique_name());
    let address = Address::parse(&written).unwrap();
    let listener = ListenerOptions::new()
        .peer_policy(PeerPolicy::same_user())
        .bind(&address)
        .expect("bind the abstract socket");
    let server = serve(listener);
    let stream = Connector::new(address)
        .unwrap()
        .connect()
        .await
        .expect("connect");
    // The socket's address as the OS spells it: a NUL, then the name. (h2
    // happens to accept `unix-abstract:NAME` itself: a colon, then a port
    // it does not check.)
    let name = written.trim_start_matches("unix-abstract:");
    let authority = format!("\0{name}");
    let answers = within(exchange(stream, &[first_block(authority.as_bytes())])).await;
    assert_eq!(
        answers,
        [Answer::Replied(SERVING.to_vec())],
        "authority {authority:?}"
    );
    server.abort();
}
