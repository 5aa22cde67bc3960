//! Code written for tonic keeps working under `piperpc::Server`, and the
//! other way in (tonic's own server over piperpc's listener) keeps what
//! the listener guarantees: tonic's connect-info types in every request,
//! `serve_with_incoming` on any stream of connections, the HTTP/2
//! settings the server was given, no signal handler behind the
//! application's back.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{PATIENCE, check, health, spawn, unique_address};
use piperpc::{ConnectInfo, Connector, Listener, ListenerOptions, PeerPolicy, Server};
use tonic::service::InterceptorLayer;
use tonic_health::pb::health_client::HealthClient;

fn health_service()
-> tonic_health::pb::health_server::HealthServer<impl tonic_health::pb::health_server::Health> {
    tonic_health::server::health_reporter().1
}

/// One health check through tonic's own channel.
async fn check_over_tonic(
    client: &mut HealthClient<tonic::transport::Channel>,
) -> Result<(), tonic::Status> {
    let request = tonic_health::pb::HealthCheckRequest::default();
    client.check(request).await.map(|_| ())
}

/// What an interceptor (code written for tonic) saw of its last request.
#[derive(Clone, Debug, Default)]
struct Seen {
    remote_addr: Option<SocketAddr>,
    connect_info: Option<ConnectInfo>,
    #[cfg(unix)]
    uds_uid: Option<u32>,
}

fn noting(
    seen: Arc<Mutex<Option<Seen>>>,
) -> InterceptorLayer<impl tonic::service::Interceptor + Clone> {
    InterceptorLayer::new(move |request: tonic::Request<()>| {
        let noted = Seen {
            remote_addr: request.remote_addr(),
            connect_info: request.extensions().get::<ConnectInfo>().cloned(),
            #[cfg(unix)]
            uds_uid: request
                .extensions()
                .get::<tonic::transport::server::UdsConnectInfo>()
                .and_then(|info| info.peer_cred)
                .map(|cred| cred.uid()),
        };
        *seen.lock().unwrap() = Some(noted);
        Ok(request)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_addr_is_the_peers_address_on_tcp() {
    let seen = Arc::new(Mutex::new(None));
    let bound = Server::builder()
        .peer_policy(PeerPolicy::any())
        .layer(noting(seen.clone()))
        .add_service(health_service())
        .bind(["127.0.0.1:0"])
        .unwrap();
    let address = bound.local_addresses()[0].to_string();
    spawn(bound);
    check(&mut health(&address).await).await.unwrap();
    let seen = seen.lock().unwrap().clone().expect("the interceptor ran");
    let remote = seen
        .remote_addr
        .expect("request.remote_addr() is set on TCP");
    assert!(remote.ip().is_loopback(), "{remote}");
    assert_eq!(seen.connect_info.unwrap().peer_addr, Some(remote));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tonics_unix_socket_connect_info_is_there_too() {
    let seen = Arc::new(Mutex::new(None));
    let address = unique_address("uds-info");
    let bound = Server::builder()
        .layer(noting(seen.clone()))
        .add_service(health_service())
        .bind([&address])
        .unwrap();
    spawn(bound);
    check(&mut health(&address.to_string()).await)
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone().expect("the interceptor ran");
    let uid = unsafe { libc::geteuid() };
    assert_eq!(
        seen.uds_uid,
        Some(uid),
        "UdsConnectInfo carries the peer's credentials"
    );
    let info = seen.connect_info.expect("piperpc's ConnectInfo");
    assert_eq!(info.peer_uid, Some(uid));
    assert_eq!(info.peer_pid, Some(std::process::id()));
    assert_eq!(seen.remote_addr, None, "no TCP address on a Unix socket");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_incoming_serves_in_memory_streams() {
    let (client_end, server_end) = tokio::io::duplex(64 * 1024);
    let incoming = futures_util::stream::iter([Ok::<_, std::io::Error>(server_end)]);
    tokio::spawn(
        Server::builder()
            .add_service(health_service())
            .serve_with_incoming(incoming),
    );
    let mut client_end = Some(client_end);
    let channel = tonic::transport::Endpoint::from_static("http://in-memory")
        .connect_with_connector(tower::service_fn(move |_| {
            let stream = client_end
                .take()
                .ok_or_else(|| std::io::Error::other("used"));
            async move { stream.map(hyper_util::rt::TokioIo::new) }
        }))
        .await
        .unwrap();
    check_over_tonic(&mut HealthClient::new(channel))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_with_incoming_keeps_what_piperpcs_listener_knows() {
    let seen = Arc::new(Mutex::new(None));
    let address = unique_address("incoming");
    let listener = Listener::bind(&address).unwrap();
    tokio::spawn(
        Server::builder()
            .layer(noting(seen.clone()))
            .add_service(health_service())
            .serve_with_incoming(listener.into_incoming()),
    );
    check(&mut health(&address.to_string()).await)
        .await
        .unwrap();
    let seen = seen.lock().unwrap().clone().expect("the interceptor ran");
    let info = seen.connect_info.expect("piperpc's ConnectInfo");
    assert_eq!(info.peer_pid, Some(std::process::id()));
}

/// tonic's own server and `Endpoint`, over piperpc's listener and
/// connector: the path for an application that keeps tonic's server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tonics_own_server_over_piperpcs_listener_keeps_its_guarantees() {
    let address = unique_address("tonic-own");
    let refusing = unique_address("tonic-own-refusing");
    for (at, policy) in [
        (&address, PeerPolicy::same_user()),
        (&refusing, PeerPolicy::nobody()),
    ] {
        let listener = ListenerOptions::new().peer_policy(policy).bind(at).unwrap();
        let seen = Arc::new(Mutex::new(None));
        let serving = tonic::transport::Server::builder()
            .layer(noting(seen.clone()))
            .add_service(health_service())
            .serve_with_incoming(listener.into_incoming());
        tokio::spawn(serving);
    }
    let connect = |at: &piperpc::Address| {
        let connector = Connector::new(at.clone()).unwrap();
        async move {
            tonic::transport::Endpoint::from_static("http://localhost")
                .connect_with_connector(connector)
                .await
                .unwrap()
        }
    };
    let mut admitted = HealthClient::new(connect(&address).await);
    check_over_tonic(&mut admitted).await.unwrap();
    let mut refused = HealthClient::new(connect(&refusing).await);
    let status = check_over_tonic(&mut refused).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
}

/// piperpc's tower layers on tonic's own server, stacked either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn piperpcs_layers_stack_on_tonics_server_in_either_order() {
    use piperpc::deadline::DeadlineLayer;
    use piperpc::message_limit::ResourceExhaustedLayer;
    let outer_deadline = unique_address("layers-deadline-outside");
    let outer_limit = unique_address("layers-limit-outside");
    let listener = Listener::bind(&outer_deadline).unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .layer(DeadlineLayer::new())
            .layer(ResourceExhaustedLayer::new())
            .add_service(health_service())
            .serve_with_incoming(listener.into_incoming()),
    );
    let listener = Listener::bind(&outer_limit).unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .layer(ResourceExhaustedLayer::new())
            .layer(DeadlineLayer::new())
            .add_service(health_service())
            .serve_with_incoming(listener.into_incoming()),
    );
    for address in [outer_deadline, outer_limit] {
        check(&mut health(&address.to_string()).await)
            .await
            .unwrap();
    }
}

/// The SETTINGS a server sends first, read by hand: (identifier, value).
async fn server_settings(address: &str) -> Vec<(u16, u32)> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = Connector::new(address).unwrap().connect().await.unwrap();
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .unwrap();
    let mut header = [0u8; 9];
    tokio::time::timeout(PATIENCE, stream.read_exact(&mut header))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(header[3], 4, "the server speaks first with SETTINGS");
    let len = usize::from(header[0]) << 16 | usize::from(header[1]) << 8 | usize::from(header[2]);
    let mut payload = vec![0u8; len];
    stream.read_exact(&mut payload).await.unwrap();
    payload
        .chunks(6)
        .map(|s| {
            (
                u16::from_be_bytes([s[0], s[1]]),
                u32::from_be_bytes([s[2], s[3], s[4], s[5]]),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http2_settings_given_are_the_ones_advertised() {
    const MAX_CONCURRENT_STREAMS: u16 = 0x3;
    const INITIAL_WINDOW_SIZE: u16 = 0x4;
    const MAX_FRAME_SIZE: u16 = 0x5;
    const MAX_HEADER_LIST_SIZE: u16 = 0x6;
    let defaults = unique_address("settings-default");
    let tuned = unique_address("settings-tuned");
    spawn(
        Server::builder()
            .add_service(health_service())
            .bind([&defaults])
            .unwrap(),
    );
    spawn(
        Server::builder()
            .max_concurrent_streams(7)
            .initial_stream_window_size(100_000)
            .max_frame_size(32_768)
            .http2_max_header_list_size(40_000)
            .add_service(health_service())
            .bind([&tuned])
            .unwrap(),
    );
    let settings = server_settings(&defaults.to_string()).await;
    assert!(
        settings.contains(&(MAX_CONCURRENT_STREAMS, 200)),
        "{settings:?}"
    );
    assert!(settings.contains(&(INITIAL_WINDOW_SIZE, piperpc::http2::STREAM_WINDOW)));
    assert!(settings.contains(&(MAX_FRAME_SIZE, piperpc::http2::MAX_FRAME_SIZE)));
    assert!(settings.contains(&(MAX_HEADER_LIST_SIZE, 16 * 1024)));
    let settings = server_settings(&tuned.to_string()).await;
    for expected in [
        (MAX_CONCURRENT_STREAMS, 7),
        (INITIAL_WINDOW_SIZE, 100_000),
        (MAX_FRAME_SIZE, 32_768),
        (MAX_HEADER_LIST_SIZE, 40_000),
    ] {
        assert!(settings.contains(&expected), "{expected:?} in {settings:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_past_its_maximum_age_is_closed_and_the_channel_reconnects() {
    let address = unique_address("max-age");
    let bound = Server::builder()
        .max_connection_age(Duration::from_millis(300))
        .add_service(health_service())
        .bind([&address])
        .unwrap();
    let open = bound.open_connections().remove(0);
    spawn(bound);
    let mut client = health(&address.to_string()).await;
    check(&mut client).await.unwrap();
    tokio::time::timeout(PATIENCE, async {
        while open.get() > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the server closes a connection past its maximum age");
    check(&mut client).await.unwrap();
}

/// Run as a child process by the test below: serves until killed, after
/// saying it is serving.
#[cfg(unix)]
#[tokio::test]
#[ignore = "a child process of the test below"]
async fn serve_child() {
    let address = std::env::var("PIPERPC_TEST_CHILD_ADDRESS").unwrap();
    let bound = Server::builder()
        .add_service(health_service())
        .bind([address.as_str()])
        .unwrap();
    bound.announce().unwrap();
    bound.serve().await.unwrap();
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serving_installs_no_signal_handler() {
    use std::io::BufRead;
    use std::os::unix::process::ExitStatusExt;
    let address = unique_address("signals").to_string();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "serve_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("PIPERPC_TEST_CHILD_ADDRESS", &address)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let ready = stdout
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains("listening on"));
    assert!(ready, "the child never served");
    // Served, so its runtime and the library's serving code are all up.
    check(&mut health(&address).await).await.unwrap();
    let pid = i32::try_from(child.id()).unwrap();
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let deadline = std::time::Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("SIGTERM did not end the server: a handler caught it");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        status.signal(),
        Some(libc::SIGTERM),
        "SIGTERM's default action ended the process: no handler was installed ({status})"
    );
}
