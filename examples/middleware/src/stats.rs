//! What the server counts, shared between the trace layer's hooks and the
//! service, and reported by the `Stats` RPC.
//!
//! The counts exist so that the example's tests can check the middleware
//! from outside the process: that the trace layer saw every call (refused
//! ones included), and that no more jobs ran at once than the limit.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use crate::pb::StatsReply;

/// The server's counts; clones share them.
#[derive(Clone, Debug, Default)]
pub struct Stats(Arc<Counts>);

#[derive(Debug, Default)]
struct Counts {
    traced: AtomicU64,
    traced_failures: AtomicU64,
    handled: AtomicU64,
    running: AtomicU32,
    most_running: AtomicU32,
}

impl Stats {
    /// The trace layer saw a call arrive.
    pub(crate) fn traced(&self) {
        self.0.traced.fetch_add(1, Ordering::SeqCst);
    }

    /// The trace layer saw a call end with a status other than OK.
    pub(crate) fn traced_failure(&self) {
        self.0.traced_failures.fetch_add(1, Ordering::SeqCst);
    }

    /// A call reached a handler of the service.
    pub(crate) fn handled(&self) {
        self.0.handled.fetch_add(1, Ordering::SeqCst);
    }

    /// A job starts: how many run now, this one included. The job counts
    /// as running until the returned guard is dropped, so a call cancelled
    /// mid-job (its caller gone, its deadline passed) is not counted for
    /// ever.
    pub(crate) fn job_started(&self) -> (u32, Running) {
        let running = self.0.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.0.most_running.fetch_max(running, Ordering::SeqCst);
        (running, Running(self.clone()))
    }

    /// The most jobs that ever ran at once.
    pub(crate) fn most_running(&self) -> u32 {
        self.0.most_running.load(Ordering::SeqCst)
    }

    /// The counts as the `Stats` RPC reports them.
    pub(crate) fn reply(&self) -> StatsReply {
        StatsReply {
            traced: self.0.traced.load(Ordering::SeqCst),
            traced_failures: self.0.traced_failures.load(Ordering::SeqCst),
            handled: self.0.handled.load(Ordering::SeqCst),
        }
    }
}

/// A job running; it ends when this is dropped.
#[derive(Debug)]
pub(crate) struct Running(Stats);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}
