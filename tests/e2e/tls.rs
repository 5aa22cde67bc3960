//! TLS and mutual TLS on TCP: `piperpc serve --tls-cert/--client-ca`
//! called by `piperpc call`, with certificates made by a throwaway CA at
//! test time. Refusals must be clear and quick, never a hang.

use std::path::PathBuf;
use std::process::Output;
use std::time::Duration;

use pipecurl::harness::tls::{Leaf, TestCa};

use crate::common::{Server, call};

const WORKER: &str = "spiffe://example.org/worker";

/// A CA, a server certificate for 127.0.0.1 and localhost, and client
/// certificates of every kind the tests need, as files.
struct Pki {
    ca: TestCa,
    ca_pem: PathBuf,
    server: (PathBuf, PathBuf),
    worker: (PathBuf, PathBuf),
    admin: (PathBuf, PathBuf),
    stranger: (PathBuf, PathBuf),
    expired: (PathBuf, PathBuf),
    _other_ca: TestCa,
}

impl Pki {
    fn new() -> Pki {
        let ca = TestCa::new("piperpc test CA");
        let other_ca = TestCa::new("someone else's CA");
        let dir = ca.dir().to_path_buf();
        let worker = Leaf::client("worker").san(WORKER).san("worker.example.org");
        Pki {
            ca_pem: ca.write("ca"),
            server: ca
                .issue(&Leaf::server(["localhost", "127.0.0.1"]))
                .write(&dir, "server"),
            worker: ca.issue(&worker).write(&dir, "worker"),
            admin: ca
                .issue(&Leaf::client("admin").san("spiffe://example.org/admin"))
                .write(&dir, "admin"),
            stranger: other_ca.issue(&worker).write(&dir, "stranger"),
            expired: ca.issue(&worker.clone().expired()).write(&dir, "expired"),
            ca,
            _other_ca: other_ca,
        }
    }

    fn path(path: &std::path::Path) -> &str {
        path.to_str().expect("a UTF-8 temp path")
    }

    /// `serve` flags for mutual TLS admitting the worker's SAN.
    fn mutual_tls(&self) -> Vec<&str> {
        vec![
            "--tls-cert",
            Pki::path(&self.server.0),
            "--tls-key",
            Pki::path(&self.server.1),
            "--client-ca",
            Pki::path(&self.ca_pem),
            "--allow-san",
            WORKER,
        ]
    }

    /// `call` flags presenting `identity`, trusting the CA.
    fn client<'a>(&'a self, identity: &'a (PathBuf, PathBuf)) -> Vec<&'a str> {
        vec![
            "--cacert",
            Pki::path(&self.ca_pem),
            "--cert",
            Pki::path(&identity.0),
            "--key",
            Pki::path(&identity.1),
        ]
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn call_with(address: &str, flags: &[&str], call_args: &[&str]) -> Output {
    call(address, &[flags, call_args].concat())
}

fn assert_refused(output: &Output, code: Option<i32>, needle: &str) {
    assert_eq!(output.status.code(), code, "{}", stderr(output));
    assert!(stderr(output).contains(needle), "{}", stderr(output));
}

#[test]
fn mutual_tls_admits_an_allowed_san_and_refuses_another() {
    let pki = Pki::new();
    let server = Server::start_on(&["127.0.0.1:0"], &pki.mutual_tls());
    assert!(
        server.address().starts_with("https://127.0.0.1:"),
        "a TLS address is announced as https: {}",
        server.address()
    );
    let admitted = call_with(server.address(), &pki.client(&pki.worker), &["echo", "hi"]);
    assert!(admitted.status.success(), "{}", stderr(&admitted));
    assert_eq!(String::from_utf8_lossy(&admitted.stdout), "hi\n");

    let refused = call_with(server.address(), &pki.client(&pki.admin), &["echo", "x"]);
    assert_refused(
        &refused,
        Some(64 + tonic::Code::PermissionDenied as i32),
        "`CN=admin` (SANs URI:spiffe://example.org/admin) is not allowed",
    );
    server.stop(Duration::from_secs(30));
}

#[test]
fn certificates_from_another_ca_or_expired_fail_the_handshake_clearly() {
    let pki = Pki::new();
    let server = Server::start_on(&["127.0.0.1:0"], &pki.mutual_tls());
    let stranger = call_with(server.address(), &pki.client(&pki.stranger), &["echo", "x"]);
    assert_refused(
        &stranger,
        Some(1),
        "does not trust the CA of this client's certificate",
    );
    let expired = call_with(server.address(), &pki.client(&pki.expired), &["echo", "x"]);
    assert_refused(&expired, Some(1), "found this client's certificate expired");
    let anonymous = call_with(
        server.address(),
        &["--cacert", Pki::path(&pki.ca_pem)],
        &["echo", "x"],
    );
    assert_refused(&anonymous, Some(1), "requires a client certificate");
    // The server's certificate is checked too: a client trusting another CA
    // refuses it.
    let other_ca = pki._other_ca.write("other-ca");
    let untrusted = call_with(
        server.address(),
        &["--cacert", Pki::path(&other_ca)],
        &["echo", "x"],
    );
    assert_refused(&untrusted, Some(1), "is not signed by a trusted CA");
    server.stop(Duration::from_secs(30));
}

#[test]
fn an_expired_server_certificate_is_refused_by_the_client() {
    let pki = Pki::new();
    let expired = pki
        .ca
        .issue(&Leaf::server(["127.0.0.1"]).expired())
        .write(pki.ca.dir(), "expired-server");
    let server = Server::start_on(
        &["127.0.0.1:0"],
        &[
            "--tls-cert",
            Pki::path(&expired.0),
            "--tls-key",
            Pki::path(&expired.1),
            "--allow-any-peer",
        ],
    );
    let output = call_with(
        server.address(),
        &["--cacert", Pki::path(&pki.ca_pem)],
        &["echo", "x"],
    );
    assert_refused(&output, Some(1), "the server's certificate has expired");
    server.stop(Duration::from_secs(30));
}

#[test]
fn plaintext_and_tls_mismatches_each_get_a_clear_error() {
    let pki = Pki::new();
    let tls = Server::start_on(&["127.0.0.1:0"], &pki.mutual_tls());
    let plaintext_client = call_with(tls.address(), &["--plaintext"], &["echo", "x"]);
    assert_refused(
        &plaintext_client,
        Some(64 + tonic::Code::PermissionDenied as i32),
        "this address serves TLS only",
    );
    tls.stop(Duration::from_secs(30));

    let plain = Server::start_on(&["127.0.0.1:0"], &["--allow-any-peer"]);
    let tls_client = call_with(
        plain.address(),
        &["--cacert", Pki::path(&pki.ca_pem)],
        &["echo", "x"],
    );
    assert_refused(&tls_client, Some(1), "it serves plaintext");
    plain.stop(Duration::from_secs(30));
}

#[test]
fn server_only_tls_serves_anyone_only_when_told_to() {
    let pki = Pki::new();
    let (cert, key) = (Pki::path(&pki.server.0), Pki::path(&pki.server.1));
    let refused = serve_fails(&["--tls-cert", cert, "--tls-key", key]);
    assert!(refused.contains("without client certificates"), "{refused}");

    let server = Server::start_on(
        &["127.0.0.1:0"],
        &["--tls-cert", cert, "--tls-key", key, "--allow-any-peer"],
    );
    let output = call_with(
        server.address(),
        &[
            "--cacert",
            Pki::path(&pki.ca_pem),
            "--servername",
            "localhost",
        ],
        &["echo", "encrypted"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let insecure = call_with(server.address(), &["--insecure"], &["echo", "any"]);
    assert!(insecure.status.success(), "{}", stderr(&insecure));
    server.stop(Duration::from_secs(30));
}

#[test]
fn serve_refuses_tcp_setups_that_would_refuse_every_caller() {
    let pki = Pki::new();
    let (cert, key) = (Pki::path(&pki.server.0), Pki::path(&pki.server.1));
    let ca = Pki::path(&pki.ca_pem);
    let no_san = serve_fails(&["--tls-cert", cert, "--tls-key", key, "--client-ca", ca]);
    assert!(no_san.contains("no --allow-san"), "{no_san}");
    let san_without_ca = serve_fails(&["--tls-cert", cert, "--tls-key", key, "--allow-san", "x"]);
    assert!(
        san_without_ca.contains("only --client-ca"),
        "{san_without_ca}"
    );
    let not_pem = serve_fails(&["--tls-cert", ca, "--tls-key", cert, "--allow-any-peer"]);
    assert!(
        not_pem.contains("server.pem: no PEM private key"),
        "{not_pem}"
    );
}

/// `serve --listen 127.0.0.1:0 FLAGS` must exit at once with an error;
/// returns its stderr.
fn serve_fails(flags: &[&str]) -> String {
    crate::common::serve_fails(&[&["--listen", "127.0.0.1:0"], flags].concat())
}

/// In one process, through the framework's API: the server's `ConnectInfo`
/// carries the client's verified certificate, and the client's carries the
/// server's.
#[tokio::test]
async fn connect_info_carries_the_verified_certificate_on_both_ends() {
    use piperpc::tls::{ClientTls, ServerTls};
    use piperpc::{Connector, ListenerOptions, PeerPolicy, SubjectAltName};

    let ca = TestCa::new("piperpc test CA");
    let server = ca.issue(&Leaf::server(["localhost"]));
    let worker = ca.issue(&Leaf::client("worker").san(WORKER).san("10.1.2.3"));
    let tls = ServerTls::from_pem(&server.cert_pem, &server.key_pem)
        .and_then(|tls| tls.client_ca(ca.pem()))
        .expect("server TLS");
    assert!(tls.requires_client_certificates());
    let mut listener = ListenerOptions::new()
        .tls(tls)
        .peer_policy(PeerPolicy::nobody().allow_san(WORKER))
        .bind("127.0.0.1:0")
        .expect("bind");
    let client_tls = ClientTls::new()
        .ca_certificate(ca.pem())
        .and_then(|tls| tls.identity(&worker.cert_pem, &worker.key_pem))
        .expect("client TLS")
        .server_name("localhost");
    let connector = Connector::new(listener.local_address())
        .expect("address")
        .tls(client_tls);

    let (accepted, connected) = tokio::join!(listener.accept(), connector.connect());
    let accepted = accepted.expect("accept");
    let connected = connected.expect("connect");

    let client = accepted
        .info()
        .peer_certificate
        .clone()
        .expect("client certificate");
    assert_eq!(client.subject, "CN=worker");
    assert_eq!(
        client.sans,
        vec![
            SubjectAltName::Uri(WORKER.to_string()),
            SubjectAltName::Ip("10.1.2.3".parse().unwrap()),
        ]
    );
    assert!(!accepted.info().is_local());
    let server = connected
        .server_info()
        .peer_certificate
        .expect("server certificate");
    assert_eq!(server.subject, "CN=localhost");
    assert_eq!(
        server.sans,
        vec![SubjectAltName::Dns("localhost".to_string())]
    );
}

#[test]
fn a_client_stalled_in_its_handshake_holds_up_no_one() {
    use std::io::Write;

    let pki = Pki::new();
    let mut flags = pki.mutual_tls();
    flags.extend(["--handshake-timeout", "60"]);
    let server = Server::start_on(&["127.0.0.1:0"], &flags);
    let host_port = server.address().trim_start_matches("https://");
    // Opens a TLS record and never finishes it, for longer than the call
    // below takes.
    let mut stalled = std::net::TcpStream::connect(host_port).expect("connect");
    stalled.write_all(&[0x16, 0x03, 0x01]).expect("write");
    let admitted = call_with(server.address(), &pki.client(&pki.worker), &["echo", "hi"]);
    assert!(admitted.status.success(), "{}", stderr(&admitted));
    drop(stalled);
    server.stop(Duration::from_secs(30));
}

/// TLS 1.3 tells a client that its missing certificate was refused only
/// after the client has finished its handshake and started writing; the
/// refusal must still reach it every time, never "connection closed" or a
/// reset that lost the server's alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_client_certificate_is_named_on_every_attempt() {
    use piperpc::tls::ClientTls;

    let pki = Pki::new();
    let server = Server::start_on(&["127.0.0.1:0"], &pki.mutual_tls());
    let anonymous = ClientTls::new()
        .ca_certificate(pki.ca.pem())
        .expect("client TLS");
    let mut unclear = Vec::new();
    for _ in 0..100 {
        let error = piperpc::ChannelBuilder::new(server.address())
            .expect("address")
            .tls(anonymous.clone())
            .connect()
            .await
            .expect_err("refused without a certificate");
        assert_eq!(error.kind(), piperpc::ErrorKind::Tls, "{error:?}");
        // What rustls (or the OS) said stays reachable, not only as text.
        assert!(std::error::Error::source(&error).is_some(), "{error:?}");
        let error = error.to_string();
        if !error.contains("requires a client certificate") {
            unclear.push(error);
        }
    }
    assert!(
        unclear.is_empty(),
        "{} unclear: {unclear:#?}",
        unclear.len()
    );
    server.stop(Duration::from_secs(30));
}

/// A lazily connected channel sends its first call without waiting for
/// the server's side of the HTTP/2 handshake; when the server then refuses
/// the missing certificate, the call must still say so, not "broken pipe".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_call_without_a_client_certificate_names_the_refusal() {
    use piperpc::tls::ClientTls;
    use piperpc_demo::client::Stubs;
    use piperpc_demo::proto::demo::EchoRequest;

    let pki = Pki::new();
    let server = Server::start_on(&["127.0.0.1:0"], &pki.mutual_tls());
    let anonymous = ClientTls::new()
        .ca_certificate(pki.ca.pem())
        .expect("client TLS");
    let mut unclear = Vec::new();
    for _ in 0..20 {
        let channel = piperpc::ChannelBuilder::new(server.address())
            .expect("address")
            .tls(anonymous.clone())
            .connect_lazy();
        let mut stubs = Stubs::new(channel, crate::common::MAX_MESSAGE);
        let status = stubs
            .echo
            .echo(EchoRequest::default())
            .await
            .expect_err("refused without a certificate");
        assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
        if !status.message().contains("requires a client certificate") {
            unclear.push(status.message().to_string());
        }
    }
    assert!(
        unclear.is_empty(),
        "{} unclear: {unclear:#?}",
        unclear.len()
    );
    server.stop(Duration::from_secs(30));
}

/// Code written for tonic reads the caller's certificates with
/// `request.peer_certs()` and its address with `remote_addr()`: under
/// piperpc's `Server` over mutual TLS both are there, beside
/// `ConnectInfo`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tonics_peer_certs_and_remote_addr_work_over_tls() {
    use std::sync::{Arc, Mutex};

    use piperpc::tls::{ClientTls, ServerTls};
    use piperpc::{ChannelBuilder, PeerPolicy, Server};
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;

    let ca = TestCa::new("piperpc test CA");
    let server = ca.issue(&Leaf::server(["localhost"]));
    let worker = ca.issue(&Leaf::client("worker").san(WORKER));
    let tls = ServerTls::from_pem(&server.cert_pem, &server.key_pem)
        .and_then(|tls| tls.client_ca(ca.pem()))
        .expect("server TLS");
    type Seen = (Option<usize>, Option<std::net::SocketAddr>, bool);
    let seen: Arc<Mutex<Option<Seen>>> = Arc::default();
    let noting = {
        let seen = seen.clone();
        tonic::service::InterceptorLayer::new(move |request: tonic::Request<()>| {
            *seen.lock().unwrap() = Some((
                request.peer_certs().map(|certs| certs.len()),
                request.remote_addr(),
                request.extensions().get::<piperpc::ConnectInfo>().is_some(),
            ));
            Ok(request)
        })
    };
    let (_reporter, health) = tonic_health::server::health_reporter();
    let bound = Server::builder()
        .tls(tls)
        .peer_policy(PeerPolicy::nobody().allow_san(WORKER))
        .layer(noting)
        .add_service(health)
        .bind(["127.0.0.1:0"])
        .expect("bind");
    let address = bound.local_addresses()[0].to_string();
    tokio::spawn(bound.serve());
    let client_tls = ClientTls::new()
        .ca_certificate(ca.pem())
        .and_then(|tls| tls.identity(&worker.cert_pem, &worker.key_pem))
        .expect("client TLS")
        .server_name("localhost");
    let channel = ChannelBuilder::new(address.as_str())
        .unwrap()
        .tls(client_tls)
        .connect()
        .await
        .expect("connect");
    HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await
        .expect("an admitted call");
    let (certs, remote, connect_info) = seen.lock().unwrap().expect("the interceptor ran");
    assert_eq!(certs, Some(1), "peer_certs() has the client's certificate");
    assert!(remote.expect("remote_addr() over TLS").ip().is_loopback());
    assert!(connect_info, "piperpc's ConnectInfo beside tonic's");
}
