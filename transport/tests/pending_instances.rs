//! A Windows listener keeps `pending_instances` pipe instances waiting, so
//! that many clients get in before anything is accepted, and the next one
//! finds the pipe busy. On Linux these run under Wine
//! (`scripts/test-windows.sh`).
#![cfg(windows)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use piperpc::{Address, DEFAULT_PENDING_INSTANCES, ListenerOptions};
use tokio::net::windows::named_pipe::{ClientOptions, NamedPipeClient};
use windows_sys::Win32::Foundation::ERROR_PIPE_BUSY;

fn unique_pipe() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(r"\\.\pipe\piperpc-pending-{}-{n}", std::process::id())
}

/// Opens clients until the pipe is busy; returns them.
fn open_until_busy(name: &str, limit: usize) -> Vec<NamedPipeClient> {
    let mut clients = Vec::new();
    while clients.len() <= limit {
        match ClientOptions::new().open(name) {
            Ok(client) => clients.push(client),
            Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY as i32) => break,
            Err(e) => panic!("open {name}: {e}"),
        }
    }
    clients
}

#[tokio::test]
async fn the_default_keeps_several_instances_waiting() {
    let name = unique_pipe();
    let _listener = ListenerOptions::new()
        .bind(Address::NamedPipe(name.clone()))
        .expect("bind");
    const { assert!(DEFAULT_PENDING_INSTANCES > 1) };
    let clients = open_until_busy(&name, DEFAULT_PENDING_INSTANCES);
    assert_eq!(
        clients.len(),
        DEFAULT_PENDING_INSTANCES,
        "clients that got in before any accept"
    );
}

#[tokio::test]
async fn pending_instances_sets_how_many_wait_and_accepting_refills_them() {
    let name = unique_pipe();
    let mut listener = ListenerOptions::new()
        .pending_instances(3)
        .bind(Address::NamedPipe(name.clone()))
        .expect("bind");
    let mut clients = open_until_busy(&name, 3);
    assert_eq!(clients.len(), 3, "clients that got in before any accept");

    // Each accept takes one waiting client and replaces its instance, so
    // exactly one more client gets in after each.
    for round in 0..3 {
        tokio::time::timeout(Duration::from_secs(10), listener.accept())
            .await
            .expect("accept within 10s")
            .expect("accept a waiting client");
        let more = open_until_busy(&name, 3);
        assert_eq!(more.len(), 1, "round {round}: one instance replaced");
        clients.extend(more);
    }
}
