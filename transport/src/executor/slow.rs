//! Noticing a call that holds its thread.
//!
//! A handler that computes for long without awaiting holds its worker
//! thread: by default every other call of its connection waits, since they
//! share its task; and `piperpc-bench spawn-calls` found that on tokio the
//! other connections usually wait too, whatever
//! [`Server::spawn_calls`](crate::Server::spawn_calls) says, because the
//! idle workers sleep until woken and the busy one is the one that would
//! have read the sockets (BENCHMARKS.md, "`spawn_calls`"). Nothing fails,
//! calls are just late, so the server says so: it times each poll of a
//! connection's task (and of each call's task, with `spawn_calls`), and a
//! poll of [`SLOW_POLL`] or more is logged as a warning naming the remedy.
//!
//! The cost is two clock reads a poll, tens of nanoseconds against the
//! tens of microseconds of the shortest call. At most one warning each
//! [`WARN_EVERY`], process-wide, with the count of those left out, so a
//! server whose every call computes does not flood its log.

use std::fmt::Debug;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A poll this long is a handler holding its thread: no legitimate part
/// of serving a call takes a thread for a tenth of a second.
pub(crate) const SLOW_POLL: Duration = Duration::from_millis(100);

/// The least time between two warnings.
const WARN_EVERY: Duration = Duration::from_secs(10);

/// When the last warning was logged.
static LAST_WARNING: Mutex<Option<Instant>> = Mutex::new(None);

/// Slow polls since the last warning, not logged.
static LEFT_OUT: AtomicU64 = AtomicU64::new(0);

/// Logs a warning if a poll of `task` (of a connection with `peer`, where
/// known) that started at `start` took [`SLOW_POLL`] or more, unless one
/// was logged less than [`WARN_EVERY`] ago. Returns whether the poll was
/// slow.
pub(crate) fn check(start: Instant, task: &str, peer: Option<&dyn Debug>) -> bool {
    let took = start.elapsed();
    if took < SLOW_POLL {
        return false;
    }
    let now = Instant::now();
    let mut last = LAST_WARNING.lock().unwrap_or_else(|e| e.into_inner());
    if last.is_some_and(|at| now.duration_since(at) < WARN_EVERY) {
        LEFT_OUT.fetch_add(1, Ordering::Relaxed);
        return true;
    }
    *last = Some(now);
    drop(last);
    let left_out = LEFT_OUT.swap(0, Ordering::Relaxed);
    tracing::warn!(
        ?peer,
        took_ms = took.as_millis() as u64,
        slow_polls_not_logged = left_out,
        "{task} held a worker thread for {took:.0?} without awaiting: the calls that \
         needed it waited (by default every other call of its connection, and often \
         other connections' too); run CPU-heavy or blocking work in \
         tokio::task::spawn_blocking"
    );
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_slow_polls_count() {
        assert!(!check(Instant::now(), "a test", None));
        let long_ago = Instant::now() - SLOW_POLL;
        assert!(check(long_ago, "a test", Some(&"peer")));
        // The second within WARN_EVERY is counted, not logged.
        assert!(check(long_ago, "a test", None));
        assert!(LEFT_OUT.load(Ordering::Relaxed) >= 1);
    }
}
