//! piperpc's client against a byte-type pipe server, the kind Node's
//! grpc-js, go-winio (by default) and Kestrel create: a plain tonic server
//! on pipe instances made here with `CreateNamedPipeW(PIPE_TYPE_BYTE)`.
//! Asking for message read mode on such a pipe fails with "Invalid
//! parameter" (os error 87), which is why the connector picks the read mode
//! from the pipe's type.
//!
//! On Linux these run under Wine (`scripts/test-windows.sh -p piperpc --test
//! byte_type_pipe`). Where Wine does not model a behaviour, the test prints
//! "skipped under Wine: <reason>" and returns; it never passes silently.
#![cfg(windows)]

mod raw_echo;

use std::io::{self, Write};
use std::os::windows::io::RawHandle;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::windows::named_pipe::{ClientOptions, NamedPipeServer, PipeMode};
use tokio::time::timeout;
use tonic::transport::server::Connected;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use windows_sys::Win32::Foundation::{ERROR_INVALID_PARAMETER, INVALID_HANDLE_VALUE};
use windows_sys::Win32::Storage::FileSystem::{FILE_FLAG_OVERLAPPED, PIPE_ACCESS_DUPLEX};
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleA, GetProcAddress};
use windows_sys::Win32::System::Pipes::{
    CreateNamedPipeW, PIPE_READMODE_BYTE, PIPE_REJECT_REMOTE_CLIENTS, PIPE_TYPE_BYTE,
    PIPE_UNLIMITED_INSTANCES, PIPE_WAIT,
};

use raw_echo::{EchoServer, echo};

const STEP: Duration = Duration::from_secs(20);

fn pipe_name(tag: &str) -> String {
    format!(r"\\.\pipe\piperpc-bytepipe-{tag}-{}", std::process::id())
}

/// One byte-type instance of `name`, as Node and go-winio create them.
fn byte_type_instance(name: &str) -> io::Result<NamedPipeServer> {
    let wide: Vec<u16> = name.encode_utf16().chain([0]).collect();
    // SAFETY: `wide` is NUL-terminated and outlives the call; no security
    // attributes (the default DACL).
    let handle = unsafe {
        CreateNamedPipeW(
            wide.as_ptr(),
            PIPE_ACCESS_DUPLEX | FILE_FLAG_OVERLAPPED,
            PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS,
            PIPE_UNLIMITED_INSTANCES,
            65536,
            65536,
            0,
            std::ptr::null(),
        )
    };
    if handle == INVALID_HANDLE_VALUE {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a fresh handle that nothing else owns.
    unsafe { NamedPipeServer::from_raw_handle(handle as RawHandle) }
}

/// A connected byte-type instance, as tonic's `serve_with_incoming` wants it.
struct Accepted(NamedPipeServer);

impl Connected for Accepted {
    type ConnectInfo = ();
    fn connect_info(&self) {}
}

impl AsyncRead for Accepted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for Accepted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

/// A plain tonic server (health and a raw echo) on byte-type instances of
/// `name`; the first instance exists when this returns.
fn serve_on_byte_type_pipe(name: &str) -> tokio::task::JoinHandle<()> {
    let first = byte_type_instance(name).expect("create the byte-type pipe");
    let name = name.to_owned();
    let incoming = async_stream::stream! {
        let mut instance = first;
        loop {
            if let Err(e) = instance.connect().await {
                yield Err(e);
                return;
            }
            let next = match byte_type_instance(&name) {
                Ok(next) => next,
                Err(e) => {
                    yield Err(e);
                    return;
                }
            };
            yield Ok::<_, io::Error>(Accepted(std::mem::replace(&mut instance, next)));
        }
    };
    let (_reporter, health) = tonic_health::server::health_reporter();
    tokio::spawn(async move {
        let _ = tonic::transport::Server::builder()
            .add_service(health)
            .add_service(EchoServer::default())
            .serve_with_incoming(incoming)
            .await;
    })
}

/// Wine's ntdll exports `wine_get_version`; Windows' does not.
fn is_wine() -> bool {
    // SAFETY: both calls take NUL-terminated strings and return null on failure.
    unsafe {
        let ntdll = GetModuleHandleA(c"ntdll.dll".as_ptr().cast());
        !ntdll.is_null() && GetProcAddress(ntdll, c"wine_get_version".as_ptr().cast()).is_some()
    }
}

fn skip_under_wine(reason: &str) {
    let _ = writeln!(io::stderr(), "skipped under Wine: {reason}");
}

/// Why the connector must not ask for message mode unconditionally: the
/// OS refuses it on a byte-type pipe, and reports the type to the client.
#[tokio::test]
async fn message_read_mode_is_refused_on_a_byte_type_pipe() {
    let name = pipe_name("refused");
    let _server = byte_type_instance(&name).expect("create the byte-type pipe");
    let refused = ClientOptions::new()
        .pipe_mode(PipeMode::Message)
        .open(&name);
    match refused {
        Err(e) => assert_eq!(
            e.raw_os_error(),
            Some(ERROR_INVALID_PARAMETER as i32),
            "{e}"
        ),
        Ok(_) if is_wine() => {
            skip_under_wine(
                "SetNamedPipeHandleState accepts message read mode on a byte-type pipe",
            );
            return;
        }
        Ok(_) => panic!("message read mode was accepted on a byte-type pipe"),
    }
    let _second = byte_type_instance(&name).expect("a second instance");
    let client = ClientOptions::new().open(&name).expect("open in byte mode");
    assert_eq!(client.info().expect("pipe info").mode, PipeMode::Byte);
}

/// `piperpc::connect` calls a tonic server on byte-type pipes: a health
/// check, 3 MiB each way (many byte-mode reads), and concurrent calls on
/// several connections.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn piperpc_calls_a_tonic_server_on_a_byte_type_pipe() {
    let name = pipe_name("tonic");
    let server = serve_on_byte_type_pipe(&name);

    let channel = timeout(STEP, piperpc::connect(&name))
        .await
        .expect("connect in time")
        .expect("connect to the byte-type pipe");
    let reply = timeout(
        STEP,
        HealthClient::new(channel.clone()).check(HealthCheckRequest::default()),
    )
    .await
    .expect("health check in time")
    .expect("health check");
    assert_eq!(reply.into_inner().status(), ServingStatus::Serving);

    let big = Bytes::from(
        (0..3 * 1024 * 1024)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let (echoed, _) = timeout(STEP, echo(channel.clone(), big.clone(), None, None))
        .await
        .expect("3 MiB echo in time");
    assert_eq!(echoed.expect("3 MiB echo"), big);

    let calls = (0..8).map(|i| async move {
        let channel = piperpc::connect(&pipe_name("tonic"))
            .await
            .expect("another connection");
        let message = Bytes::from(vec![i as u8; 100_000 + i]);
        let (echoed, _) = echo(channel, message.clone(), None, None).await;
        assert_eq!(echoed.expect("echo"), message);
    });
    timeout(STEP, futures_util::future::join_all(calls))
        .await
        .expect("concurrent echoes in time");

    server.abort();
}

/// The checks that come before the read mode still apply on a byte-type
/// pipe: the default trust (same user) admits this server, which runs as
/// us, and a required identity it does not have refuses it.
#[tokio::test]
async fn the_server_identity_is_checked_on_a_byte_type_pipe() {
    let name = pipe_name("identity");
    let server = serve_on_byte_type_pipe(&name);
    let stream = timeout(
        STEP,
        piperpc::Connector::new(name.as_str()).unwrap().connect(),
    )
    .await
    .expect("connect in time")
    .expect("the default trust admits our own server");
    assert_eq!(stream.server_info().peer_pid, Some(std::process::id()));

    let refused = timeout(
        STEP,
        piperpc::Connector::new(name.as_str())
            .unwrap()
            .verify_server(piperpc::ServerIdentity::Sid("S-1-5-18".into()))
            .connect(),
    )
    .await
    .expect("refused in time")
    .expect_err("this server is not LocalSystem");
    assert!(
        matches!(refused, piperpc::Error::WrongServer { .. }),
        "{refused:?}"
    );
    server.abort();
}
