//! The Windows security of piperpc's named pipes, against the real Win32 API:
//! the DACL every pipe instance carries, a malformed SDDL refused at bind,
//! who a server sees connecting, which server a client verifies it reached,
//! how far a server may impersonate a piperpc client, and anti-squatting.
//!
//! On Linux these run under Wine (`scripts/test-windows.sh`). Where Wine does
//! not model a behaviour, the test detects it, prints
//! "skipped under Wine: <reason>" and returns; it never passes silently.
#![cfg(windows)]

use std::io::{self, Write};
use std::os::windows::io::AsRawHandle;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use piperpc::{
    Address, ChannelBuilder, ConnectInfo, Connector, Error, Listener, ListenerOptions, PeerPolicy,
    PipeSecurity, ServerIdentity,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::windows::named_pipe::{
    ClientOptions, NamedPipeClient, NamedPipeServer, PipeMode, ServerOptions,
};
use tokio::time::timeout;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_PIPE_BUSY, GENERIC_ALL, GENERIC_EXECUTE, GENERIC_READ, GENERIC_WRITE,
    HANDLE, LocalFree,
};
use windows_sys::Win32::Security::Authorization::{
    ConvertSecurityDescriptorToStringSecurityDescriptorW, ConvertSidToStringSidW,
    ConvertStringSidToSidW, GetSecurityInfo, SDDL_REVISION_1, SE_KERNEL_OBJECT,
};
use windows_sys::Win32::Security::{
    ACL, DACL_SECURITY_INFORMATION, GetTokenInformation, PSECURITY_DESCRIPTOR, PSID, RevertToSelf,
    SECURITY_IMPERSONATION_LEVEL, SecurityIdentification, SecurityImpersonation, TOKEN_QUERY,
    TOKEN_USER, TokenImpersonationLevel, TokenUser,
};
use windows_sys::Win32::Storage::FileSystem::{
    FILE_ALL_ACCESS, FILE_CREATE_PIPE_INSTANCE, FILE_GENERIC_EXECUTE, FILE_GENERIC_READ,
    FILE_GENERIC_WRITE, SECURITY_IMPERSONATION,
};
use windows_sys::Win32::System::LibraryLoader::{GetModuleHandleA, GetProcAddress};
use windows_sys::Win32::System::Pipes::ImpersonateNamedPipeClient;
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, GetCurrentThread, OpenProcessToken, OpenThreadToken,
};

/// How long any one step may take before the test fails instead of hanging.
const STEP: Duration = Duration::from_secs(10);

/// What the presets grant clients: read and write of pipe data, without
/// FILE_CREATE_PIPE_INSTANCE (`FILE_GENERIC_READ | FILE_GENERIC_WRITE` less
/// 0x4). Written out here rather than taken from the crate, so the test
/// checks the crate against the documented value.
const CLIENT_ACCESS_MASK: u32 = 0x0012_019b;

/// LocalSystem.
const SYSTEM: &str = "S-1-5-18";

// ---------------------------------------------------------------------------
// a. Every pipe instance carries the DACL its PipeSecurity describes.

#[tokio::test]
async fn current_user_dacl_reads_back_from_every_instance() {
    let me = own_sid();
    assert_every_instance_carries(
        PipeSecurity::CurrentUser,
        &[(SYSTEM, FILE_ALL_ACCESS), (&me, FILE_ALL_ACCESS)],
    )
    .await;
}

#[tokio::test]
async fn current_user_and_administrators_dacl_reads_back_from_every_instance() {
    let me = own_sid();
    assert_every_instance_carries(
        PipeSecurity::CurrentUserAndAdministrators,
        &[
            (SYSTEM, FILE_ALL_ACCESS),
            (&me, FILE_ALL_ACCESS),
            ("S-1-5-32-544", CLIENT_ACCESS_MASK),
        ],
    )
    .await;
}

#[tokio::test]
async fn authenticated_users_dacl_reads_back_from_every_instance() {
    let me = own_sid();
    assert_every_instance_carries(
        PipeSecurity::AuthenticatedUsers,
        &[
            (SYSTEM, FILE_ALL_ACCESS),
            (&me, FILE_ALL_ACCESS),
            ("S-1-5-11", CLIENT_ACCESS_MASK),
        ],
    )
    .await;
}

#[tokio::test]
async fn custom_sddl_reads_back_from_every_instance() {
    let me = own_sid();
    assert_every_instance_carries(
        PipeSecurity::Sddl(format!("D:P(A;;GA;;;SY)(A;;GA;;;{me})(A;;0x12019b;;;WD)")),
        &[
            (SYSTEM, FILE_ALL_ACCESS),
            (&me, FILE_ALL_ACCESS),
            ("S-1-1-0", CLIENT_ACCESS_MASK),
        ],
    )
    .await;
}

/// Binds a pipe with `security` and reads the DACL back through a client of
/// the first instance and of the one the listener creates after accepting.
///
/// Wine keeps a pipe's security descriptor with its name, which the first
/// instance creates and which lives as long as any instance does (Windows'
/// named-pipe file system, as far as is known, likewise): the second read
/// shows what a client of a later instance is checked against, not that
/// instance's own `SECURITY_ATTRIBUTES`.
async fn assert_every_instance_carries(security: PipeSecurity, expected: &[(&str, u32)]) {
    let me = own_sid();
    let name = unique_pipe();
    let address = Address::NamedPipe(name.clone());
    let mut listener = ListenerOptions::new()
        .pipe_security(security.clone())
        .bind(&address)
        .unwrap_or_else(|e| panic!("bind {name} with {security:?}: {e}"));

    let first = open_client(&name).await;
    assert_dacl(&read_dacl(&first), expected, &me, "first instance");

    // Accepting the first client makes the listener create the next instance;
    // the first one is taken, so the next client gets the new one.
    let _accepted = timeout(STEP, listener.accept())
        .await
        .expect("accept within 10s")
        .expect("accept the first client");
    let second = open_client(&name).await;
    assert_dacl(&read_dacl(&second), expected, &me, "second instance");
}

/// Asserts that `sddl`, read back from a pipe instance, is a protected DACL
/// of exactly the allow ACEs `expected` (SID, access mask), in order, and
/// that nobody but SYSTEM and `owner` may create instances of the pipe.
fn assert_dacl(sddl: &str, expected: &[(&str, u32)], owner: &str, what: &str) {
    assert!(
        !sddl.is_empty() && !sddl.contains("NO_ACCESS_CONTROL"),
        "{what}: the pipe has no DACL, so anyone may open it (read back `{sddl}`)"
    );
    let (flags, aces) = parse_dacl(sddl);
    assert!(
        flags.contains('P'),
        "{what}: DACL `{sddl}` is not protected"
    );
    for ace in &aces {
        assert_eq!(ace.kind, "A", "{what}: `{sddl}` has a non-allow ACE");
        assert_eq!(ace.flags, "", "{what}: `{sddl}` has ACE flags");
        if ace.mask & FILE_CREATE_PIPE_INSTANCE != 0 {
            assert!(
                ace.sid == SYSTEM || ace.sid == owner,
                "{what}: {} may create instances of the pipe (`{sddl}`)",
                ace.sid
            );
        }
    }
    let actual: Vec<String> = aces
        .iter()
        .map(|ace| format!("{}:{:#x}", ace.sid, ace.mask))
        .collect();
    let expected: Vec<String> = expected
        .iter()
        .map(|(sid, mask)| format!("{}:{mask:#x}", canonical_sid(sid)))
        .collect();
    assert_eq!(actual, expected, "{what}: DACL read back as `{sddl}`");
}

/// One ACE of an SDDL DACL: its rights as a named-pipe access mask (generic
/// rights mapped as for files) and its trustee as a full `S-1-...` SID.
#[derive(Debug)]
struct Ace {
    kind: String,
    flags: String,
    mask: u32,
    sid: String,
}

/// `D:<flags>(ace)(ace)...`, parsed into the flags and the ACEs.
fn parse_dacl(sddl: &str) -> (String, Vec<Ace>) {
    let body = sddl
        .strip_prefix("D:")
        .unwrap_or_else(|| panic!("`{sddl}` is not a DACL"));
    let (flags, mut rest) = body.split_at(body.find('(').unwrap_or(body.len()));
    let mut aces = Vec::new();
    while !rest.is_empty() {
        let end = rest
            .find(')')
            .unwrap_or_else(|| panic!("unterminated ACE in `{sddl}`"));
        let ace = rest[..end]
            .strip_prefix('(')
            .unwrap_or_else(|| panic!("text between ACEs in `{sddl}`"));
        rest = &rest[end + 1..];
        let fields: Vec<&str> = ace.split(';').collect();
        assert!(fields.len() >= 6, "ACE `{ace}` in `{sddl}` is too short");
        aces.push(Ace {
            kind: fields[0].to_string(),
            flags: fields[1].to_string(),
            mask: rights_mask(fields[2]),
            sid: canonical_sid(fields[5]),
        });
    }
    (flags.to_string(), aces)
}

/// An SDDL rights field (`0x12019b`, `GA`, `FRFW`, ...) as an access mask.
/// Windows may write back `GA` as `FA` and masks as names: both sides of a
/// comparison go through this, with generic rights mapped as for files.
fn rights_mask(rights: &str) -> u32 {
    let raw = if let Some(hex) = rights
        .strip_prefix("0x")
        .or_else(|| rights.strip_prefix("0X"))
    {
        u32::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("bad rights `{rights}`"))
    } else {
        assert!(rights.len().is_multiple_of(2), "bad rights `{rights}`");
        (0..rights.len())
            .step_by(2)
            .map(|i| match &rights[i..i + 2] {
                "GA" => GENERIC_ALL,
                "GR" => GENERIC_READ,
                "GW" => GENERIC_WRITE,
                "GX" => GENERIC_EXECUTE,
                "FA" => FILE_ALL_ACCESS,
                "FR" => FILE_GENERIC_READ,
                "FW" => FILE_GENERIC_WRITE,
                "FX" => FILE_GENERIC_EXECUTE,
                "SD" => 0x0001_0000,
                "RC" => 0x0002_0000,
                "WD" => 0x0004_0000,
                "WO" => 0x0008_0000,
                "CC" => 0x1,
                "DC" => 0x2,
                "LC" => 0x4,
                "SW" => 0x8,
                "RP" => 0x10,
                "WP" => 0x20,
                "DT" => 0x40,
                "LO" => 0x80,
                "CR" => 0x100,
                other => panic!("unknown right `{other}` in `{rights}`"),
            })
            .fold(0, |mask, right| mask | right)
    };
    let mut mask = raw & !(GENERIC_ALL | GENERIC_READ | GENERIC_WRITE | GENERIC_EXECUTE);
    for (generic, specific) in [
        (GENERIC_ALL, FILE_ALL_ACCESS),
        (GENERIC_READ, FILE_GENERIC_READ),
        (GENERIC_WRITE, FILE_GENERIC_WRITE),
        (GENERIC_EXECUTE, FILE_GENERIC_EXECUTE),
    ] {
        if raw & generic != 0 {
            mask |= specific;
        }
    }
    mask
}

/// The DACL of the pipe instance behind `pipe`, as SDDL.
fn read_dacl(pipe: &impl AsRawHandle) -> String {
    let mut dacl: *mut ACL = ptr::null_mut();
    let mut descriptor: PSECURITY_DESCRIPTOR = ptr::null_mut();
    // SAFETY: the handle is live for the call; the out pointers are valid,
    // and `descriptor` receives a LocalAlloc'd copy freed below (`dacl`
    // points into it).
    let status = unsafe {
        GetSecurityInfo(
            pipe.as_raw_handle(),
            SE_KERNEL_OBJECT,
            DACL_SECURITY_INFORMATION,
            ptr::null_mut(),
            ptr::null_mut(),
            &mut dacl,
            ptr::null_mut(),
            &mut descriptor,
        )
    };
    assert_eq!(
        status,
        0,
        "GetSecurityInfo: {}",
        io::Error::from_raw_os_error(status as i32)
    );
    let mut text = ptr::null_mut();
    // SAFETY: `descriptor` is the live descriptor read above; `text`
    // receives a LocalAlloc'd string that take_local_string frees.
    unsafe {
        let ok = ConvertSecurityDescriptorToStringSecurityDescriptorW(
            descriptor,
            SDDL_REVISION_1,
            DACL_SECURITY_INFORMATION,
            &mut text,
            ptr::null_mut(),
        );
        let error = io::Error::last_os_error();
        LocalFree(descriptor);
        assert!(
            ok != 0,
            "ConvertSecurityDescriptorToStringSecurityDescriptorW: {error}"
        );
        take_local_string(text)
    }
}

// ---------------------------------------------------------------------------
// b. A malformed SDDL fails the bind, naming it.

#[tokio::test]
async fn a_malformed_sddl_fails_the_bind_and_names_it() {
    for sddl in ["D:P(A;;GA;;;SY", "D:P(A;;GA;;;S-1-5-NOT-A-SID)", "not SDDL"] {
        let name = unique_pipe();
        let address = Address::NamedPipe(name.clone());
        let error = ListenerOptions::new()
            .pipe_security(PipeSecurity::Sddl(sddl.to_string()))
            .bind(&address)
            .expect_err(&format!("`{sddl}` is not a security descriptor"));
        assert!(
            matches!(error, Error::InvalidOption { .. }),
            "`{sddl}`: expected InvalidOption, got {error:?}"
        );
        assert!(
            error.to_string().contains(sddl),
            "the error `{error}` does not name `{sddl}`"
        );
        // Refused before any instance was created.
        let missing = Connector::new(address)
            .unwrap()
            .connect()
            .await
            .expect_err("nothing serves the pipe");
        assert!(
            matches!(missing, Error::NotListening { .. }),
            "`{sddl}`: a pipe instance exists after a failed bind: {missing:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// c. A server learns the pid and user SID of whoever connects.

#[tokio::test]
async fn accept_reports_the_clients_pid_and_sid() {
    let name = unique_pipe();
    let address = Address::NamedPipe(name.clone());
    let mut listener = Listener::bind(&address).expect("bind the pipe");
    let _client = timeout(STEP, Connector::new(address).unwrap().connect())
        .await
        .expect("connect within 10s")
        .expect("connect");
    let connection = timeout(STEP, listener.accept())
        .await
        .expect("accept within 10s")
        .expect("accept");
    let info = connection.info();
    assert_eq!(info.peer_pid, Some(std::process::id()), "{info:?}");
    assert_eq!(info.peer_sid, Some(own_sid()), "{info:?}");
    assert_eq!(info.peer_uid, None, "{info:?}");
    assert!(info.is_local(), "{info:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_service_sees_the_callers_pid_and_sid() {
    let name = unique_pipe();
    let listener = ListenerOptions::new()
        .peer_policy(PeerPolicy::same_user())
        .bind(Address::NamedPipe(name.clone()))
        .expect("bind the pipe");
    let seen: Arc<Mutex<Vec<Option<ConnectInfo>>>> = Arc::default();
    let record = Arc::clone(&seen);
    let (_reporter, health) = tonic_health::server::health_reporter();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .layer(tower::util::MapRequestLayer::new(
                move |request: http::Request<tonic::body::Body>| {
                    let info = request.extensions().get::<ConnectInfo>().cloned();
                    record.lock().unwrap().push(info);
                    request
                },
            ))
            .add_service(health)
            .serve_with_incoming(listener.into_incoming()),
    );

    let channel = timeout(STEP, piperpc::connect(&name))
        .await
        .expect("connect within 10s")
        .expect("connect");
    timeout(
        STEP,
        HealthClient::new(channel).check(HealthCheckRequest::default()),
    )
    .await
    .expect("health check within 10s")
    .expect("PeerPolicy::same_user admits this process's own user");
    server.abort();

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let info = seen[0]
        .as_ref()
        .expect("ConnectInfo in the request's extensions");
    assert_eq!(info.peer_pid, Some(std::process::id()), "{info:?}");
    assert_eq!(info.peer_sid, Some(own_sid()), "{info:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_for_another_user_refuses_us_by_sid() {
    let name = unique_pipe();
    let listener = ListenerOptions::new()
        .peer_policy(PeerPolicy::nobody().allow_sid(SYSTEM))
        .bind(Address::NamedPipe(name.clone()))
        .expect("bind the pipe");
    let (_reporter, health) = tonic_health::server::health_reporter();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(health)
            .serve_with_incoming(listener.into_incoming()),
    );

    let channel = timeout(STEP, piperpc::connect(&name))
        .await
        .expect("connect within 10s")
        .expect("connect");
    let status = timeout(
        STEP,
        HealthClient::new(channel).check(HealthCheckRequest::default()),
    )
    .await
    .expect("answer within 10s")
    .expect_err("only SYSTEM may call");
    server.abort();

    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
    let me = own_sid();
    assert!(
        status.message().contains(&me),
        "the refusal `{}` does not name our SID {me}",
        status.message()
    );
}

// ---------------------------------------------------------------------------
// d. A client learns, and can require, who the server is.

#[tokio::test]
async fn server_info_reports_the_servers_pid_and_sid() {
    let name = unique_pipe();
    let address = Address::NamedPipe(name.clone());
    let _listener = Listener::bind(&address).expect("bind the pipe");
    let stream = timeout(STEP, Connector::new(address).unwrap().connect())
        .await
        .expect("connect within 10s")
        .expect("connect");
    let info = stream.server_info();
    assert_eq!(info.peer_pid, Some(std::process::id()), "{info:?}");
    assert_eq!(info.peer_sid, Some(own_sid()), "{info:?}");
    assert_eq!(info.peer_uid, None, "{info:?}");
    assert_eq!(info.peer_addr, None, "{info:?}");
}

/// With no `verify_server`, a client checks the server anyway: our own
/// user passes. (The decision for service accounts and strangers is unit
/// tested in `connector::server_identity`, fed the identities this same
/// read returns; Wine runs one user.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_check_admits_a_server_of_our_own_user() {
    let address = Address::NamedPipe(unique_pipe());
    let listener = Listener::bind(&address).expect("bind the pipe");
    let (_reporter, health) = tonic_health::server::health_reporter();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(health)
            .serve_with_incoming(listener.into_incoming()),
    );
    assert_eq!(ServerIdentity::default(), ServerIdentity::SameUserOrSystem);
    let channel = timeout(STEP, ChannelBuilder::new(address).unwrap().connect())
        .await
        .expect("connect within 10s")
        .expect("the default admits our own user");
    timeout(
        STEP,
        HealthClient::new(channel).check(HealthCheckRequest::default()),
    )
    .await
    .expect("health check within 10s")
    .expect("health check");
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_server_admits_a_server_of_our_own_user() {
    let name = unique_pipe();
    let address = Address::NamedPipe(name.clone());
    let listener = Listener::bind(&address).expect("bind the pipe");
    let (_reporter, health) = tonic_health::server::health_reporter();
    let server = tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(health)
            .serve_with_incoming(listener.into_incoming()),
    );

    let channel = timeout(
        STEP,
        ChannelBuilder::new(address.clone())
            .unwrap()
            .verify_server(ServerIdentity::SameUser)
            .connect(),
    )
    .await
    .expect("connect within 10s")
    .expect("the server runs as our own user");
    timeout(
        STEP,
        HealthClient::new(channel).check(HealthCheckRequest::default()),
    )
    .await
    .expect("health check within 10s")
    .expect("health check");

    // Our SID spelled out works too, in any case.
    let sid = own_sid().to_ascii_lowercase();
    timeout(
        STEP,
        Connector::new(address)
            .unwrap()
            .verify_server(ServerIdentity::Sid(sid))
            .connect(),
    )
    .await
    .expect("connect within 10s")
    .expect("the server runs as our SID");
    server.abort();
}

#[tokio::test]
async fn verify_server_refuses_another_sid_before_sending_anything() {
    let name = unique_pipe();
    let server = ServerOptions::new()
        .pipe_mode(PipeMode::Message)
        .first_pipe_instance(true)
        .create(&name)
        .expect("create the pipe");
    // Whatever the client sends before it hangs up.
    let received = tokio::spawn(async move {
        let mut server = server;
        server.connect().await.expect("a client connects");
        let mut received = Vec::new();
        let mut buffer = [0u8; 4096];
        while let Ok(n @ 1..) = server.read(&mut buffer).await {
            received.extend_from_slice(&buffer[..n]);
        }
        received
    });

    let error = timeout(
        STEP,
        ChannelBuilder::new(Address::NamedPipe(name.clone()))
            .unwrap()
            .verify_server(ServerIdentity::Sid(SYSTEM.to_string()))
            .connect(),
    )
    .await
    .expect("connect within 10s")
    .expect_err("this server does not run as SYSTEM");

    let me = own_sid();
    let Error::WrongServer {
        expected, actual, ..
    } = &error
    else {
        panic!("expected WrongServer, got {error:?}");
    };
    assert!(expected.contains(SYSTEM), "expected: {expected}");
    assert!(actual.contains(&me), "actual: {actual}");
    let text = error.to_string();
    assert!(
        text.contains(SYSTEM) && text.contains(&me),
        "`{text}` does not name both {SYSTEM} and {me}"
    );

    let received = timeout(STEP, received)
        .await
        .expect("the client hangs up within 10s")
        .expect("the server task");
    assert!(
        received.is_empty(),
        "the client sent {} bytes to a server it refused",
        received.len()
    );
}

// ---------------------------------------------------------------------------
// e. A server may identify a piperpc client, never impersonate it.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_can_identify_a_piperpc_client_but_not_impersonate_it() {
    let name = unique_pipe();
    let server = raw_server(&name);
    let mut client = timeout(
        STEP,
        Connector::new(Address::NamedPipe(name)).unwrap().connect(),
    )
    .await
    .expect("connect within 10s")
    .expect("connect");
    let piperpc = impersonation_level(server, &mut client).await;

    // The probe tells levels apart: a client that allows impersonation gets
    // impersonated (without it, the check above would prove nothing).
    let name = unique_pipe();
    let server = raw_server(&name);
    let mut client = ClientOptions::new()
        .pipe_mode(PipeMode::Message)
        .security_qos_flags(SECURITY_IMPERSONATION)
        .open(&name)
        .expect("open the pipe");
    let control = impersonation_level(server, &mut client).await;

    if is_wine() && (piperpc != Ok(SecurityIdentification) || control != Ok(SecurityImpersonation))
    {
        skip_under_wine(&format!(
            "impersonation levels are not modelled (Wine's ImpersonateNamedPipeClient \
             impersonates the server itself, whatever the client's SECURITY_SQOS flags): \
             measured {} for a piperpc client, {} for a SECURITY_IMPERSONATION client",
            describe_level(&piperpc),
            describe_level(&control)
        ));
        return;
    }
    assert_eq!(
        piperpc,
        Ok(SecurityIdentification),
        "a server can go beyond identifying a piperpc client: {}",
        describe_level(&piperpc)
    );
    assert_eq!(
        control,
        Ok(SecurityImpersonation),
        "control client: {}",
        describe_level(&control)
    );
}

/// One message-mode instance of `name`, created directly (not by Listener),
/// so the test holds the raw server handle.
fn raw_server(name: &str) -> NamedPipeServer {
    ServerOptions::new()
        .pipe_mode(PipeMode::Message)
        .first_pipe_instance(true)
        .create(name)
        .expect("create the pipe")
}

/// Connects `server`, has `client` write to it, reads that (the server must
/// read before it may impersonate), and returns the level at which the
/// server then impersonates the client.
async fn impersonation_level<C>(
    mut server: NamedPipeServer,
    client: &mut C,
) -> Result<SECURITY_IMPERSONATION_LEVEL, String>
where
    C: tokio::io::AsyncWrite + Unpin,
{
    timeout(STEP, server.connect())
        .await
        .expect("connect within 10s")
        .expect("the client connects");
    client.write_all(b"who am I").await.expect("client write");
    let mut buffer = [0u8; 64];
    let n = timeout(STEP, server.read(&mut buffer))
        .await
        .expect("read within 10s")
        .expect("server read");
    assert_eq!(&buffer[..n], b"who am I");
    // Impersonation is per thread: it starts and ends on one blocking thread,
    // never across an await. The handle stays open: `server` outlives it.
    let handle = server.as_raw_handle() as usize;
    tokio::task::spawn_blocking(move || probe_impersonation(handle as HANDLE))
        .await
        .expect("the probe thread")
}

/// Impersonates the client of `pipe` on this thread, reads the level from
/// the thread's token, and reverts.
fn probe_impersonation(pipe: HANDLE) -> Result<SECURITY_IMPERSONATION_LEVEL, String> {
    // SAFETY: `pipe` is a live, connected server handle (see the caller).
    if unsafe { ImpersonateNamedPipeClient(pipe) } == 0 {
        return Err(format!(
            "ImpersonateNamedPipeClient failed: {}",
            io::Error::last_os_error()
        ));
    }
    let level = thread_impersonation_level();
    // SAFETY: ends the impersonation started above, on the same thread.
    let reverted = unsafe { RevertToSelf() } != 0;
    assert!(reverted, "RevertToSelf: {}", io::Error::last_os_error());
    level
}

/// The impersonation level of this thread's token.
fn thread_impersonation_level() -> Result<SECURITY_IMPERSONATION_LEVEL, String> {
    let mut token: HANDLE = ptr::null_mut();
    // SAFETY: the pseudo-handle of the current thread needs no closing;
    // `token` is a valid place for the result, closed below.
    if unsafe { OpenThreadToken(GetCurrentThread(), TOKEN_QUERY, 1, &mut token) } == 0 {
        return Err(format!(
            "OpenThreadToken failed: {}",
            io::Error::last_os_error()
        ));
    }
    let mut level: SECURITY_IMPERSONATION_LEVEL = -1;
    let mut returned = 0u32;
    // SAFETY: `level` has room for the SECURITY_IMPERSONATION_LEVEL asked for.
    let ok = unsafe {
        GetTokenInformation(
            token,
            TokenImpersonationLevel,
            (&raw mut level).cast(),
            size_of::<SECURITY_IMPERSONATION_LEVEL>() as u32,
            &mut returned,
        )
    };
    let error = io::Error::last_os_error();
    // SAFETY: `token` was opened above and is not used again.
    unsafe { CloseHandle(token) };
    if ok == 0 {
        return Err(format!(
            "GetTokenInformation(TokenImpersonationLevel) failed: {error}"
        ));
    }
    Ok(level)
}

fn describe_level(level: &Result<SECURITY_IMPERSONATION_LEVEL, String>) -> String {
    match level {
        Ok(0) => "SecurityAnonymous (0)".to_string(),
        Ok(1) => "SecurityIdentification (1)".to_string(),
        Ok(2) => "SecurityImpersonation (2)".to_string(),
        Ok(3) => "SecurityDelegation (3)".to_string(),
        Ok(other) => format!("level {other}"),
        Err(error) => error.clone(),
    }
}

// ---------------------------------------------------------------------------
// f. A name a live server holds cannot be bound again.

#[tokio::test]
async fn binding_a_served_name_fails_with_address_in_use() {
    let name = unique_pipe();
    let address = Address::NamedPipe(name.clone());
    let _first = Listener::bind(&address).expect("bind the pipe");
    match Listener::bind(&address) {
        Err(error @ Error::AddressInUse { .. }) => {
            assert!(error.to_string().contains(&name), "{error}");
        }
        Ok(_) if is_wine() => {
            skip_under_wine("FILE_FLAG_FIRST_PIPE_INSTANCE is not enforced");
        }
        Ok(_) => panic!("a second server bound {name} while the first serves it"),
        Err(error) => panic!("expected AddressInUse, got {error:?}"),
    }
}

// ---------------------------------------------------------------------------
// Helpers.

/// A pipe name no other test (or earlier run) uses.
fn unique_pipe() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(r"\\.\pipe\piperpc-security-test-{}-{n}", std::process::id())
}

/// Opens `name` as a plain client, waiting out a busy pipe.
async fn open_client(name: &str) -> NamedPipeClient {
    let deadline = Instant::now() + STEP;
    loop {
        match ClientOptions::new().pipe_mode(PipeMode::Message).open(name) {
            Ok(client) => return client,
            Err(e)
                if e.raw_os_error() == Some(ERROR_PIPE_BUSY as i32)
                    && Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(e) => panic!("open {name}: {e}"),
        }
    }
}

/// Wine's ntdll exports `wine_get_version`; Windows' does not.
fn is_wine() -> bool {
    // SAFETY: both calls take NUL-terminated strings and return null on failure.
    unsafe {
        let ntdll = GetModuleHandleA(c"ntdll.dll".as_ptr().cast());
        !ntdll.is_null() && GetProcAddress(ntdll, c"wine_get_version".as_ptr().cast()).is_some()
    }
}

/// Reports the running test as skipped because Wine lacks what it checks.
/// Written to the process's stderr directly, past the test harness's output
/// capture, so a skip always shows.
fn skip_under_wine(reason: &str) {
    let _ = writeln!(io::stderr(), "skipped under Wine: {reason}");
}

/// The user SID this process runs as, read from its token.
fn own_sid() -> String {
    let mut token: HANDLE = ptr::null_mut();
    // SAFETY: the pseudo-handle of the current process needs no closing;
    // `token` is closed below.
    let opened = unsafe { OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) };
    assert!(
        opened != 0,
        "OpenProcessToken: {}",
        io::Error::last_os_error()
    );
    let mut needed = 0u32;
    // SAFETY: a size query: no buffer is written.
    unsafe { GetTokenInformation(token, TokenUser, ptr::null_mut(), 0, &mut needed) };
    // u64s keep the buffer aligned for TOKEN_USER.
    let mut buffer = vec![0u64; (needed as usize).div_ceil(8)];
    // SAFETY: `buffer` has the `needed` bytes the size query asked for.
    let ok = unsafe {
        GetTokenInformation(
            token,
            TokenUser,
            buffer.as_mut_ptr().cast(),
            needed,
            &mut needed,
        )
    };
    let error = io::Error::last_os_error();
    // SAFETY: `token` was opened above and is not used again.
    unsafe { CloseHandle(token) };
    assert!(ok != 0, "GetTokenInformation(TokenUser): {error}");
    // SAFETY: the buffer now holds a TOKEN_USER whose SID points into it.
    unsafe {
        let user = &*(buffer.as_ptr() as *const TOKEN_USER);
        sid_to_string(user.User.Sid)
    }
}

/// `sid` (`S-1-...` or an SDDL alias such as `SY`, `WD`, `BA`) as a full
/// `S-1-...` string, so SIDs compare however Windows chose to write them.
fn canonical_sid(sid: &str) -> String {
    let wide: Vec<u16> = sid.encode_utf16().chain(Some(0)).collect();
    let mut binary: PSID = ptr::null_mut();
    // SAFETY: `wide` is NUL-terminated; `binary` receives a LocalAlloc'd SID
    // freed below.
    let ok = unsafe { ConvertStringSidToSidW(wide.as_ptr(), &mut binary) };
    assert!(
        ok != 0,
        "ConvertStringSidToSidW(`{sid}`): {}",
        io::Error::last_os_error()
    );
    // SAFETY: `binary` is the SID just made, freed once after use.
    unsafe {
        let text = sid_to_string(binary);
        LocalFree(binary);
        text
    }
}

/// # Safety
/// `sid` must point at a valid SID.
unsafe fn sid_to_string(sid: PSID) -> String {
    let mut text = ptr::null_mut();
    // SAFETY: `sid` is valid (the caller's promise); `text` receives a
    // LocalAlloc'd string that take_local_string frees.
    unsafe {
        let ok = ConvertSidToStringSidW(sid, &mut text);
        assert!(
            ok != 0,
            "ConvertSidToStringSidW: {}",
            io::Error::last_os_error()
        );
        take_local_string(text)
    }
}

/// Copies a NUL-terminated UTF-16 string the OS allocated with `LocalAlloc`,
/// then frees it.
///
/// # Safety
/// `text` must be such a string, not used afterwards.
unsafe fn take_local_string(text: *mut u16) -> String {
    // SAFETY: the string is NUL-terminated and readable up to the NUL.
    unsafe {
        let len = (0..).take_while(|&i| *text.add(i) != 0).count();
        let copy = String::from_utf16_lossy(std::slice::from_raw_parts(text, len));
        LocalFree(text.cast());
        copy
    }
}
