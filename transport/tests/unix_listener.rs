//! The Unix listener's own guarantees, tested through the crate's API (not
//! only through the demo binary): stale sockets reclaimed and live ones
//! kept, the handshake timeout, and the connection limit.
#![cfg(unix)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use piperpc::{Address, Error, Listener, ListenerOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::time::timeout;

/// Generous: the machine is shared, and a bound only has to show "not
/// forever".
const PATIENCE: Duration = Duration::from_secs(10);

/// A fresh socket path in the temp directory (not the default directory).
fn socket_path() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("piperpc-listener-{}-{n}.sock", std::process::id()))
}

#[tokio::test]
async fn a_stale_socket_file_is_reclaimed() {
    let path = socket_path();
    // A server that died without cleaning up leaves its file behind.
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let listener = Listener::bind(Address::Unix(path.clone())).expect("reclaim the stale file");
    UnixStream::connect(&path)
        .await
        .expect("the new listener answers");
    drop(listener);
    assert!(!path.exists(), "the listener removes its file on drop");
}

#[tokio::test]
async fn a_live_socket_is_never_taken() {
    let path = socket_path();
    let live = Listener::bind(Address::Unix(path.clone())).unwrap();
    let error = Listener::bind(Address::Unix(path.clone())).unwrap_err();
    assert!(matches!(error, Error::AddressInUse { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&path.display().to_string()),
        "{error}"
    );
    // The live server still owns and answers on its file.
    UnixStream::connect(&path).await.expect("still served");
    drop(live);
}

#[tokio::test]
async fn a_file_that_is_not_a_socket_is_left_alone() {
    let path = socket_path();
    std::fs::write(&path, b"precious").unwrap();
    let error = Listener::bind(Address::Unix(path.clone())).unwrap_err();
    assert!(error.to_string().contains("not a socket"), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn the_socket_file_is_owner_only_by_default() {
    use std::os::unix::fs::PermissionsExt;
    let path = socket_path();
    let _listener = Listener::bind(Address::Unix(path.clone())).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let _group = ListenerOptions::new()
        .socket_mode(0o660)
        .bind(Address::Unix(socket_path()))
        .unwrap();
}

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_handshake_timeout() {
    let path = socket_path();
    let mut listener = ListenerOptions::new()
        .handshake_timeout(Some(Duration::from_millis(200)))
        .bind(Address::Unix(path.clone()))
        .unwrap();
    let _client = UnixStream::connect(&path).await.unwrap();
    let mut connection = listener.accept().await.unwrap();
    let mut buf = [0u8; 16];
    let read = timeout(PATIENCE, connection.read(&mut buf))
        .await
        .expect("the handshake deadline ends the read");
    let error = read.expect_err("a silent peer is an error, not a clean end");
    assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
    assert!(error.to_string().contains("no HTTP/2 preface"), "{error}");
}

#[tokio::test]
async fn a_prompt_preface_disarms_the_handshake_timeout() {
    let path = socket_path();
    let mut listener = ListenerOptions::new()
        .handshake_timeout(Some(Duration::from_millis(100)))
        .bind(Address::Unix(path.clone()))
        .unwrap();
    let mut client = UnixStream::connect(&path).await.unwrap();
    client
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .await
        .unwrap();
    let mut connection = listener.accept().await.unwrap();
    let mut preface = [0u8; 24];
    connection.read_exact(&mut preface).await.unwrap();
    // Well past the timeout, the connection is still good.
    tokio::time::sleep(Duration::from_millis(400)).await;
    // An empty SETTINGS frame: the next thing an HTTP/2 client sends.
    let settings = [0, 0, 0, 4, 0, 0, 0, 0, 0];
    client.write_all(&settings).await.unwrap();
    let mut more = [0u8; 9];
    timeout(PATIENCE, connection.read_exact(&mut more))
        .await
        .expect("read within the bound")
        .expect("still open after the preface");
    assert_eq!(more, settings);
}

#[tokio::test]
async fn over_the_connection_limit_a_client_waits_for_a_free_slot() {
    let path = socket_path();
    let mut listener = ListenerOptions::new()
        .max_connections(1)
        .bind(Address::Unix(path.clone()))
        .unwrap();
    let open = listener.open_connections();
    let _first_client = UnixStream::connect(&path).await.unwrap();
    let first = listener.accept().await.unwrap();
    assert_eq!(open.get(), 1);

    // The second client connects (the backlog holds it) but is not accepted.
    let _second_client = UnixStream::connect(&path).await.unwrap();
    let waiting = timeout(Duration::from_millis(300), listener.accept()).await;
    assert!(waiting.is_err(), "accepted past the limit");

    drop(first);
    assert_eq!(open.get(), 0);
    let second = timeout(PATIENCE, listener.accept())
        .await
        .expect("a freed slot admits the waiting client")
        .unwrap();
    assert_eq!(open.get(), 1);
    drop(second);
}
