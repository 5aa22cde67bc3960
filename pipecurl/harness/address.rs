//! Fresh local addresses, one per server a test starts, so tests running
//! in parallel (and earlier runs' leftovers) never collide.

use std::sync::atomic::{AtomicU32, Ordering};

/// A local address no other call in this process returns: a named pipe
/// `\\.\pipe\TAG-PID-N` on Windows, a Unix socket
/// `unix:TMPDIR/TAG-PID-N.sock` elsewhere. It is spelled out in full so a
/// failing test's output shows what was used.
///
/// ```
/// let a = pipecurl::harness::fresh_address("kv");
/// let b = pipecurl::harness::fresh_address("kv");
/// assert_ne!(a, b);
/// assert!(a.contains(&format!("kv-{}-", std::process::id())));
/// ```
pub fn fresh_address(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = format!("{tag}-{}-{n}", std::process::id());
    if cfg!(windows) {
        format!(r"\\.\pipe\{name}")
    } else {
        format!("unix:{}/{name}.sock", std::env::temp_dir().display())
    }
}
