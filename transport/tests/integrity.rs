//! Integrity levels, elevation and sessions on Windows named pipes, against
//! the real Win32 API: the mandatory label every pipe instance carries, and
//! what the listener learns of a client's token and session, and a peer
//! policy's requirements on them.
//!
//! On Linux these run under Wine (`scripts/test-windows.sh`), which models
//! all of it (measured): it keeps the label ACE on the pipe (its SDDL writer
//! drops label ACEs, so the label is read from the binary SACL), reports
//! token integrity and elevation, and the pipe's session ids.
#![cfg(windows)]

use std::ffi::c_void;
use std::io;
use std::os::windows::io::AsRawHandle;
use std::ptr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use piperpc::{Address, Error, IntegrityLevel, ListenerOptions, PeerPolicy, PipeSecurity, Server};
use tokio::net::windows::named_pipe::{ClientOptions, NamedPipeClient};
use tokio::time::timeout;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, LocalFree};
use windows_sys::Win32::Security::Authorization::{GetSecurityInfo, SE_KERNEL_OBJECT};
use windows_sys::Win32::Security::{
    ACL, GetAce, GetSidSubAuthority, GetSidSubAuthorityCount, GetTokenInformation,
    LABEL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SYSTEM_MANDATORY_LABEL_ACE,
    TOKEN_ELEVATION, TOKEN_INFORMATION_CLASS, TOKEN_MANDATORY_LABEL, TOKEN_QUERY, TokenElevation,
    TokenIntegrityLevel, TokenSessionId,
};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

/// `SYSTEM_MANDATORY_LABEL_ACE_TYPE` and `SYSTEM_MANDATORY_LABEL_NO_WRITE_UP`
/// (winnt.h), written out so the test checks against the documented values.
const SYSTEM_MANDATORY_LABEL_ACE_TYPE: u8 = 0x11;
const SYSTEM_MANDATORY_LABEL_NO_WRITE_UP: u32 = 0x1;

/// How long any one step may take before the test fails instead of hanging.
const STEP: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------
// a. The pipe's mandatory label.

#[tokio::test]
async fn the_default_label_is_medium_no_write_up() {
    assert_label_reads_back(ListenerOptions::new(), IntegrityLevel::Medium).await;
}

#[tokio::test]
async fn low_integrity_clients_are_admitted_only_when_asked() {
    assert_label_reads_back(
        ListenerOptions::new().pipe_min_integrity(IntegrityLevel::Low),
        IntegrityLevel::Low,
    )
    .await;
}

#[tokio::test]
async fn every_preset_carries_the_label() {
    for security in [
        PipeSecurity::CurrentUserAndAdministrators,
        PipeSecurity::AuthenticatedUsers,
    ] {
        assert_label_reads_back(
            ListenerOptions::new().pipe_security(security),
            IntegrityLevel::Medium,
        )
        .await;
    }
}

/// Binds with `options`, and reads the label back through a client of the
/// first instance and of one created after an accept: no-write-up at
/// `level` (`S:(ML;;NW;;;<level>)`).
async fn assert_label_reads_back(options: ListenerOptions, level: IntegrityLevel) {
    let expected = no_write_up(level);
    let name = unique_pipe();
    let mut listener = options
        .pending_instances(1)
        .bind(Address::NamedPipe(name.clone()))
        .unwrap_or_else(|e| panic!("bind {name}: {e}"));
    let first = open_client(&name);
    let label = read_label(&first);
    assert_eq!(label, expected, "first instance");
    let _accepted = timeout(STEP, listener.accept())
        .await
        .expect("accept within 10s")
        .expect("accept the first client");
    let second = open_client(&name);
    assert_eq!(read_label(&second), expected, "next instance");
}

#[tokio::test]
async fn a_label_above_the_servers_own_level_fails_the_bind() {
    let own = own_integrity();
    let above = IntegrityLevel::from_rid(own.rid() + 0x1000);
    let name = unique_pipe();
    let error = ListenerOptions::new()
        .pipe_min_integrity(above)
        .bind(Address::NamedPipe(name))
        .expect_err("a label above our own level");
    let Error::InvalidOption { option, reason, .. } = &error else {
        panic!("expected InvalidOption, got {error:?}");
    };
    assert_eq!(*option, "pipe integrity");
    assert!(
        reason.contains(&own.to_string()) && reason.contains(&above.to_string()),
        "{reason}"
    );
}

// ---------------------------------------------------------------------------
// b. What the listener learns of its client's token and session.

#[tokio::test]
async fn accept_reports_the_clients_session_integrity_and_elevation() {
    let name = unique_pipe();
    let mut listener = ListenerOptions::new()
        .bind(Address::NamedPipe(name.clone()))
        .expect("bind");
    let _client = open_client(&name);
    let accepted = timeout(STEP, listener.accept())
        .await
        .expect("accept within 10s")
        .expect("accept");
    let info = accepted.info();
    // The client is this process: its token is ours, read independently.
    assert_eq!(info.peer_integrity, Some(own_integrity()), "{info:?}");
    assert_eq!(info.peer_elevated, Some(own_elevation()), "{info:?}");
    assert_eq!(info.peer_session_id, Some(own_session()), "{info:?}");
}

#[tokio::test]
async fn a_client_learns_the_servers_session_integrity_and_elevation() {
    let name = unique_pipe();
    let address = Address::NamedPipe(name.clone());
    let _listener = ListenerOptions::new().bind(&address).expect("bind");
    let stream = piperpc::Connector::new(&address)
        .expect("a connector")
        .connect()
        .await
        .expect("connect");
    let info = stream.server_info();
    assert_eq!(info.peer_integrity, Some(own_integrity()), "{info:?}");
    assert_eq!(info.peer_elevated, Some(own_elevation()), "{info:?}");
    assert_eq!(info.peer_session_id, Some(own_session()), "{info:?}");
}

// ---------------------------------------------------------------------------
// c. A peer policy's integrity, elevation and session requirements, on
//    real calls.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_admits_a_client_that_meets_its_token_requirements() {
    let policy = PeerPolicy::same_user()
        .min_integrity(own_integrity())
        .require_server_elevation()
        .require_server_session();
    if let Err(status) = call_with_policy(policy).await {
        panic!("a client of our own token and session was refused: {status:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_policy_refuses_a_client_below_its_minimum_integrity() {
    let own = own_integrity();
    let above = IntegrityLevel::from_rid(own.rid() + 0x1000);
    let refused = call_with_policy(PeerPolicy::same_user().min_integrity(above))
        .await
        .expect_err("a client below the minimum");
    assert_eq!(refused.code(), tonic::Code::PermissionDenied, "{refused:?}");
    assert_eq!(
        refused.message(),
        format!(
            "permission denied: a client at {own} may not call this server, which requires \
             {above} or above"
        )
    );
}

/// Serves the health service with `policy` and calls it once.
async fn call_with_policy(policy: PeerPolicy) -> Result<(), tonic::Status> {
    let name = unique_pipe();
    let (_reporter, health) = tonic_health::server::health_reporter();
    let bound = Server::builder()
        .add_service(health)
        .peer_policy(policy)
        .bind([name.as_str()])
        .expect("bind");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bound.serve_with_shutdown(async {
        let _ = stopped.await;
    }));
    let channel = timeout(STEP, piperpc::connect(name.as_str()))
        .await
        .expect("connect within 10s")
        .expect("connect");
    let result = timeout(
        STEP,
        HealthClient::new(channel).check(HealthCheckRequest::default()),
    )
    .await
    .expect("an answer within 10s")
    .map(drop);
    let _ = stop.send(());
    let _ = timeout(STEP, server).await;
    result
}

// ---------------------------------------------------------------------------
// Helpers.

fn unique_pipe() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(r"\\.\pipe\piperpc-integrity-{}-{n}", std::process::id())
}

fn open_client(name: &str) -> NamedPipeClient {
    ClientOptions::new()
        .open(name)
        .unwrap_or_else(|e| panic!("open {name}: {e}"))
}

/// A mandatory label ACE as the OS keeps it: (ACE type, ACE flags, access
/// policy mask, the label SID's RID).
type LabelAce = (u8, u8, u32, u32);

/// The no-write-up label at `level`, as a pipe should carry it.
fn no_write_up(level: IntegrityLevel) -> Vec<LabelAce> {
    vec![(
        SYSTEM_MANDATORY_LABEL_ACE_TYPE,
        0,
        SYSTEM_MANDATORY_LABEL_NO_WRITE_UP,
        level.rid(),
    )]
}

/// The mandatory label ACEs of the pipe behind `pipe`, read from the binary
/// SACL that `GetSecurityInfo(LABEL_SECURITY_INFORMATION)` returns (not
/// through SDDL: Wine's SDDL writer does not know label ACEs).
fn read_label(pipe: &impl AsRawHandle) -> Vec<LabelAce> {
    let mut sacl: *mut ACL = ptr::null_mut();
    let mut descriptor: PSECURITY_DESCRIPTOR = ptr::null_mut();
    // SAFETY: the handle is live for the call; `descriptor` receives a
    // LocalAlloc'd copy freed below, into which `sacl` points.
    let status = unsafe {
        GetSecurityInfo(
            pipe.as_raw_handle(),
            SE_KERNEL_OBJECT,
            LABEL_SECURITY_INFORMATION,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            &mut sacl,
            &mut descriptor,
        )
    };
    assert_eq!(
        status,
        0,
        "GetSecurityInfo(LABEL_SECURITY_INFORMATION): {}",
        io::Error::from_raw_os_error(status as i32)
    );
    let mut aces = Vec::new();
    // SAFETY: `sacl` is null or an ACL inside `descriptor`, which lives until
    // freed at the end; each ACE GetAce hands out lies within it, and a
    // label ACE's SID starts at its SidStart field.
    unsafe {
        if !sacl.is_null() {
            for index in 0..u32::from((*sacl).AceCount) {
                let mut ace: *mut c_void = ptr::null_mut();
                assert!(GetAce(sacl, index, &mut ace) != 0, "GetAce({index})");
                let label = &*(ace as *const SYSTEM_MANDATORY_LABEL_ACE);
                let sid: PSID = (&raw const label.SidStart).cast_mut().cast();
                let count = *GetSidSubAuthorityCount(sid);
                let rid = *GetSidSubAuthority(sid, u32::from(count) - 1);
                aces.push((label.Header.AceType, label.Header.AceFlags, label.Mask, rid));
            }
        }
        LocalFree(descriptor);
    }
    aces
}

/// One `GetTokenInformation` class of this process's token.
fn own_token_info(class: TOKEN_INFORMATION_CLASS) -> Vec<u64> {
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
    unsafe { GetTokenInformation(token, class, ptr::null_mut(), 0, &mut needed) };
    // u64s keep the buffer aligned for every TOKEN_* structure.
    let mut buffer = vec![0u64; (needed as usize).div_ceil(8).max(1)];
    // SAFETY: `buffer` has at least the `needed` bytes asked for.
    let ok = unsafe {
        GetTokenInformation(
            token,
            class,
            buffer.as_mut_ptr().cast(),
            needed,
            &mut needed,
        )
    };
    let error = io::Error::last_os_error();
    // SAFETY: `token` was opened above and is not used again.
    unsafe { CloseHandle(token) };
    assert!(ok != 0, "GetTokenInformation({class}): {error}");
    buffer
}

fn own_integrity() -> IntegrityLevel {
    let buffer = own_token_info(TokenIntegrityLevel);
    // SAFETY: the buffer holds a TOKEN_MANDATORY_LABEL whose SID points
    // into it.
    let rid = unsafe {
        let label = &*(buffer.as_ptr() as *const TOKEN_MANDATORY_LABEL);
        let count = *GetSidSubAuthorityCount(label.Label.Sid);
        *GetSidSubAuthority(label.Label.Sid, u32::from(count) - 1)
    };
    IntegrityLevel::from_rid(rid)
}

fn own_elevation() -> bool {
    let buffer = own_token_info(TokenElevation);
    // SAFETY: the buffer holds a TOKEN_ELEVATION.
    unsafe { (*(buffer.as_ptr() as *const TOKEN_ELEVATION)).TokenIsElevated != 0 }
}

fn own_session() -> u32 {
    own_token_info(TokenSessionId)[0] as u32
}
