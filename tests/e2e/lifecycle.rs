//! Starting, stopping, restarting, and serving several addresses at once.

use std::time::Duration;

use piperpc_demo::proto::demo::{CountRequest, EchoRequest, WatchRequest};
use tonic::Code;

use crate::common::{Server, call_ok, stubs, unique_address};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_while_streams_are_open() {
    let server = Server::start();
    let address = server.address().to_string();
    let mut stubs = stubs(&address).await;
    let request = CountRequest {
        count: 100_000,
        payload_size: 0,
        interval_ms: 20,
    };
    let mut count = stubs.echo.count(request).await.unwrap().into_inner();
    let mut watch = stubs
        .keyvalue
        .watch(WatchRequest::default())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(count.message().await.unwrap().unwrap().number, 1);

    let status = server.stop(Duration::from_secs(30));
    assert!(status.success(), "server exited with {status}");

    // Both streams ended with a proper status, not a broken connection.
    for ended in [drain(&mut count).await, drain(&mut watch).await] {
        assert_eq!(ended.code(), Code::Unavailable, "{ended:?}");
        assert!(ended.message().contains("shutting down"), "{ended:?}");
    }
    #[cfg(unix)]
    assert_socket_removed(&address);
}

async fn drain<T>(stream: &mut tonic::Streaming<T>) -> tonic::Status {
    loop {
        match stream.message().await {
            Ok(Some(_)) => continue,
            Ok(None) => panic!("stream ended with OK during shutdown"),
            Err(status) => return status,
        }
    }
}

#[cfg(unix)]
fn assert_socket_removed(address: &str) {
    let parsed = piperpc::Address::parse(address).unwrap();
    let path = parsed.unix_path().expect("a unix address");
    assert!(!path.exists(), "{} was left behind", path.display());
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_and_removes_the_socket() {
    let server = Server::start();
    let address = server.address().to_string();
    server.terminate();
    let status = server.wait(Duration::from_secs(30));
    assert!(status.success(), "{status}");
    assert_socket_removed(&address);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_reconnects_after_the_server_restarts() {
    let address = unique_address();
    let first = Server::start_on(&[&address], &[]);
    let mut stubs = stubs(&address).await;
    stubs.echo.echo(EchoRequest::default()).await.unwrap();
    assert!(first.stop(Duration::from_secs(30)).success());

    let _second = Server::start_on(&[&address], &[]);
    // The same channel, not rebuilt: the first call after the restart may
    // see the old connection's death; a later one must get through.
    let mut attempts = 0;
    loop {
        attempts += 1;
        match stubs.echo.echo(EchoRequest::default()).await {
            Ok(_) => break,
            Err(status) if attempts < 50 => {
                assert_eq!(status.code(), Code::Unavailable, "{status:?}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(status) => panic!("never reconnected: {status:?}"),
        }
    }
}

#[cfg(unix)]
#[test]
fn a_stale_socket_file_is_reclaimed() {
    let address = unique_address();
    Server::start_on(&[&address], &[]).kill();
    let parsed = piperpc::Address::parse(&address).unwrap();
    assert!(
        parsed.unix_path().unwrap().exists(),
        "SIGKILL leaves the file"
    );
    let server = Server::start_on(&[&address], &[]);
    assert_eq!(call_ok(server.address(), &["echo", "again"]), "again\n");
}

#[test]
fn serves_several_addresses_at_once_including_tcp() {
    let local = unique_address();
    let mut addresses = vec![local.as_str(), "127.0.0.1:0"];
    let abstract_name = format!("unix-abstract:piperpc-test-{}", std::process::id());
    if cfg!(target_os = "linux") {
        addresses.push(&abstract_name);
    }
    let server = Server::start_on(&addresses, &["--allow-any-peer"]);
    assert_eq!(server.addresses.len(), addresses.len());
    assert!(
        server.addresses[1].starts_with("http://127.0.0.1:"),
        "{:?}",
        server.addresses
    );
    assert!(
        !server.addresses[1].ends_with(":0"),
        "the bound port is announced"
    );
    for address in &server.addresses {
        // --plaintext: TCP is TLS unless told otherwise; a no-op locally.
        assert_eq!(
            call_ok(address, &["--plaintext", "echo", address]),
            format!("{address}\n")
        );
    }
}

#[cfg(unix)]
#[test]
fn a_bare_name_lives_in_a_private_directory() {
    use std::os::unix::fs::PermissionsExt;
    let name = format!("piperpc-bare-{}", std::process::id());
    let server = Server::start_on(&[&name], &[]);
    let parsed = piperpc::Address::parse(&name).unwrap();
    let path = parsed.unix_path().unwrap();
    assert_eq!(server.address(), parsed.to_string());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    assert_eq!(call_ok(&name, &["echo", "bare"]), "bare\n");
}
