//! Which CPUs the client and the servers run on.
//!
//! On a small machine, where the two ends of a round trip run decides much
//! of what it costs: a blocking 64-byte ping-pong between two processes
//! sharing one CPU takes a few microseconds (a direct switch), and across
//! two CPUs it takes a cross-CPU wake-up. Left to the scheduler, a figure
//! moves from run to run with where the processes happened to land, so the
//! bench places them itself and records where.
//!
//! The placement is set on the bench's own main thread just before each
//! side is started (the servers, then the client's runtime): a child
//! process and a new thread inherit their parent's CPU set, so nothing
//! else needs telling. Linux only; elsewhere the OS places everything and
//! the run says so.

use serde::Serialize;

/// How to place the client and the servers, as `--placement` takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// The client on the first half of the CPUs, the servers on the other
    /// half: each end of a round trip has CPUs of its own, as two busy
    /// processes on a real machine would (the default).
    Split,
    /// Client and servers all on one CPU: every wake-up is a switch on
    /// that CPU, never a cross-CPU one.
    Shared,
    /// No pinning: the OS scheduler decides.
    Os,
}

/// Where a run's processes ran: printed and stored with the figures.
#[derive(Clone, Debug, Serialize)]
pub struct Placement {
    /// What was asked for.
    pub policy: Policy,
    /// The client's CPUs (empty: not pinned).
    pub client_cpus: Vec<usize>,
    /// The servers' CPUs (empty: not pinned).
    pub server_cpus: Vec<usize>,
    /// Why the policy asked for could not be applied, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Placement {
    /// Plans `policy` on the CPUs this process may use.
    pub fn plan(policy: Policy) -> Placement {
        let unpinned = |note: Option<String>| Placement {
            policy,
            client_cpus: Vec::new(),
            server_cpus: Vec::new(),
            note,
        };
        if policy == Policy::Os {
            return unpinned(None);
        }
        let cpus = match platform::allowed_cpus() {
            Ok(cpus) if !cpus.is_empty() => cpus,
            Ok(_) => return unpinned(Some("no CPU is allowed to this process".to_string())),
            Err(why) => return unpinned(Some(why)),
        };
        match policy {
            Policy::Shared => Placement {
                policy,
                client_cpus: vec![cpus[0]],
                server_cpus: vec![cpus[0]],
                note: None,
            },
            _ if cpus.len() < 2 => Placement {
                policy,
                note: Some("one CPU only: client and servers share it".to_string()),
                ..Placement::plan(Policy::Shared)
            },
            _ => {
                let half = cpus.len() / 2;
                Placement {
                    policy,
                    client_cpus: cpus[..half].to_vec(),
                    server_cpus: cpus[half..].to_vec(),
                    note: None,
                }
            }
        }
    }

    /// Pins the calling thread (and so what it starts next) to the
    /// servers' CPUs. Where the OS refuses (a container may), the run goes
    /// on unpinned, and the placement says so.
    pub fn enter_servers(&mut self) {
        if let Err(error) = pin(&self.server_cpus) {
            self.refused("the servers", error);
            self.server_cpus.clear();
        }
    }

    /// Pins the calling thread (and so what it starts next) to the
    /// client's CPUs, or notes why not, as [`Placement::enter_servers`].
    pub fn enter_client(&mut self) {
        if let Err(error) = pin(&self.client_cpus) {
            self.refused("the client", error);
            self.client_cpus.clear();
        }
    }

    fn refused(&mut self, side: &str, error: anyhow::Error) {
        let why = format!("could not pin {side}: {error:#}");
        self.note = Some(match self.note.take() {
            Some(note) => format!("{note}; {why}"),
            None => why,
        });
    }

    /// One line: `split: client on CPU 0, servers on CPU 1`.
    pub fn summary(&self) -> String {
        let name = match self.policy {
            Policy::Split => "split",
            Policy::Shared => "shared",
            Policy::Os => "os",
        };
        let side = |cpus: &[usize]| {
            if cpus.is_empty() {
                "not pinned".to_string()
            } else {
                format!("on {}", cpu_list(cpus))
            }
        };
        let mut line = if self.client_cpus.is_empty() && self.server_cpus.is_empty() {
            format!("{name}: not pinned, the OS places client and servers")
        } else {
            format!(
                "{name}: client {}, servers {}",
                side(&self.client_cpus),
                side(&self.server_cpus)
            )
        };
        if let Some(note) = &self.note {
            line.push_str(&format!(" ({note})"));
        }
        line
    }
}

fn pin(cpus: &[usize]) -> anyhow::Result<()> {
    if cpus.is_empty() {
        return Ok(());
    }
    platform::pin_current_thread(cpus)
        .map_err(|e| anyhow::anyhow!("pinning to {}: {e}", cpu_list(cpus)))
}

fn cpu_list(cpus: &[usize]) -> String {
    let list: Vec<String> = cpus.iter().map(usize::to_string).collect();
    let noun = if cpus.len() == 1 { "CPU" } else { "CPUs" };
    format!("{noun} {}", list.join(","))
}

#[cfg(target_os = "linux")]
mod platform {
    use std::io;

    /// The CPUs this thread may run on, in order.
    pub(super) fn allowed_cpus() -> Result<Vec<usize>, String> {
        // SAFETY: a zeroed cpu_set_t is a valid empty set, and
        // sched_getaffinity writes at most its size.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        let size = std::mem::size_of::<libc::cpu_set_t>();
        if unsafe { libc::sched_getaffinity(0, size, &mut set) } != 0 {
            return Err(format!(
                "reading the CPU set: {}",
                io::Error::last_os_error()
            ));
        }
        Ok((0..libc::CPU_SETSIZE as usize)
            .filter(|&cpu| unsafe { libc::CPU_ISSET(cpu, &set) })
            .collect())
    }

    /// Restricts the calling thread to `cpus`.
    pub(super) fn pin_current_thread(cpus: &[usize]) -> io::Result<()> {
        // SAFETY: as above; CPU_SET only sets bits inside the set.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        for &cpu in cpus {
            if cpu >= libc::CPU_SETSIZE as usize {
                return Err(io::Error::new(io::ErrorKind::InvalidInput, "no such CPU"));
            }
            unsafe { libc::CPU_SET(cpu, &mut set) };
        }
        let size = std::mem::size_of::<libc::cpu_set_t>();
        if unsafe { libc::sched_setaffinity(0, size, &set) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

#[cfg(not(target_os = "linux"))]
mod platform {
    use std::io;

    pub(super) fn allowed_cpus() -> Result<Vec<usize>, String> {
        Err("CPU pinning is implemented on Linux only".to_string())
    }

    pub(super) fn pin_current_thread(_cpus: &[usize]) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_placement_pins_nothing() {
        let mut placement = Placement::plan(Policy::Os);
        assert!(placement.client_cpus.is_empty() && placement.server_cpus.is_empty());
        assert!(placement.summary().starts_with("os: not pinned"));
        placement.enter_client();
        assert_eq!(placement.note, None);
    }

    #[test]
    fn a_refused_pin_is_noted_not_fatal() {
        let mut placement = Placement {
            policy: Policy::Split,
            client_cpus: vec![0],
            server_cpus: vec![usize::MAX / 2],
            note: None,
        };
        placement.enter_servers();
        assert!(placement.server_cpus.is_empty());
        let summary = placement.summary();
        assert!(
            summary.starts_with("split: client on CPU 0, servers not pinned (could not pin the servers: pinning to CPU "),
            "{summary}"
        );
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn split_and_shared_use_allowed_cpus() {
        let allowed = platform::allowed_cpus().unwrap();
        let split = Placement::plan(Policy::Split);
        let shared = Placement::plan(Policy::Shared);
        assert_eq!(shared.client_cpus, shared.server_cpus);
        assert_eq!(shared.client_cpus.len(), 1);
        if allowed.len() >= 2 {
            let mut all = split.client_cpus.clone();
            all.extend(&split.server_cpus);
            assert_eq!(all, allowed);
            assert!(!split.client_cpus.is_empty() && !split.server_cpus.is_empty());
        }
        assert!(
            split.summary().contains("client on CPU"),
            "{}",
            split.summary()
        );
    }
}
