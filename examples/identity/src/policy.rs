//! A peer policy that admits one process: the worker a server started.
//!
//! A common shape for local RPC: an application starts a helper process
//! and serves it, and nothing else, on a pipe. Checking the user is not
//! enough there, since every process of that user could call; checking
//! the pid the OS reports for the connection is. The pid is admitted only
//! while the worker runs ([`OnlyWorker::forget`] when it exits), so a
//! later process that happens to get the same pid is not.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use piperpc::PeerPolicy;
use piperpc::peer_policy::Refusal;

/// No process has pid 0 in `ConnectInfo`: it stands for "no worker".
const NONE: u32 = 0;

/// The pid of the one process admitted; shared by the policy and the code
/// that starts and waits for the worker.
#[derive(Clone, Debug, Default)]
pub struct OnlyWorker(Arc<AtomicU32>);

impl OnlyWorker {
    /// No process is admitted until [`OnlyWorker::admit`].
    pub fn new() -> OnlyWorker {
        OnlyWorker::default()
    }

    /// Admits the process `pid` (and no longer any other).
    pub fn admit(&self, pid: u32) {
        self.0.store(pid, Ordering::SeqCst);
    }

    /// Admits no process any more.
    pub fn forget(&self) {
        self.0.store(NONE, Ordering::SeqCst);
    }

    /// The peer policy: callers are admitted only when the OS says their
    /// process is the worker.
    pub fn policy(&self) -> PeerPolicy {
        let worker = self.0.clone();
        PeerPolicy::custom(move |peer| {
            let worker = worker.load(Ordering::SeqCst);
            match peer.peer_pid {
                Some(pid) if pid == worker && worker != NONE => Ok(()),
                Some(pid) => Err(Refusal::new(format!(
                    "process {pid} is not this server's worker{}",
                    describe(worker)
                ))),
                None => Err(Refusal::new(
                    "the OS did not say which process called (TCP?), so it is not the worker",
                )),
            }
        })
    }
}

fn describe(worker: u32) -> String {
    if worker == NONE {
        " (no worker is running)".to_string()
    } else {
        format!(" (process {worker})")
    }
}

#[cfg(test)]
mod tests {
    use piperpc::ConnectInfo;

    use super::OnlyWorker;

    fn peer(pid: Option<u32>) -> ConnectInfo {
        let mut peer = ConnectInfo::default();
        peer.peer_pid = pid;
        peer
    }

    #[test]
    fn admits_the_worker_only_while_it_runs() {
        let worker = OnlyWorker::new();
        let policy = worker.policy();
        let refused = policy.check(&peer(Some(7))).unwrap_err();
        assert_eq!(
            refused.reason(),
            "process 7 is not this server's worker (no worker is running)"
        );
        worker.admit(7);
        assert!(policy.check(&peer(Some(7))).is_ok());
        let other = policy.check(&peer(Some(8))).unwrap_err();
        assert_eq!(
            other.reason(),
            "process 8 is not this server's worker (process 7)"
        );
        assert!(policy.check(&peer(None)).is_err());
        worker.forget();
        assert!(policy.check(&peer(Some(7))).is_err());
    }
}
