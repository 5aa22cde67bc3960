//! `piperpc-bench attacks`: hostile HTTP/2 clients against fresh servers,
//! measured as a benchmark.
//!
//! The attack tests (`tests/e2e/attacks.rs`) say whether a server bounds
//! what an attacker can make it do; they cannot say what the bound costs.
//! This mode runs the same attacks (the `piperpc-attack` crate) for a
//! fixed time against a fresh server process each, piperpc's and plain
//! tonic's, on a Unix socket and on TCP loopback, and reports for each:
//!
//! - the server's resident memory before, at its peak during, and after
//!   the attack (`/proc/PID/status`, sampled every 20 ms, and the kernel's
//!   own high-water mark reset just before the attack);
//! - the CPU time the server used during the attack (`utime + stime` from
//!   `/proc/PID/stat`);
//! - the latency of a legitimate caller making a unary call every 50 ms on
//!   a connection opened before the attack, its failures, and whether new
//!   connections still get a call through;
//! - what the attack met: GOAWAY reasons, connections closed or kept,
//!   streams refused, writes stalled by backpressure.
//!
//! One server per attack and subject, so no attack's leftovers weigh on
//! the next. Everything stays on this machine (Unix sockets in a private
//! directory, 127.0.0.1). Attacks are bounded by time and by connection
//! counts sized for a small machine. Linux only: the figures come from
//! `/proc`.
//!
//! The run fails (non-zero exit) only when the harness breaks or a server
//! crashes, never because of a figure: figures are for reading.
//!
//! - [`plan`]: durations and sizes, full and quick.
//! - [`catalogue`]: the attacks and how each is driven for a benchmark.
//! - [`outcome`]: what the attack met, summed over its connections.
//! - [`subject`]: the servers attacked.
//! - [`probe`]: the server's memory and CPU; [`legit`]: the legitimate caller.
//! - [`report`]: the table, the Markdown and the JSON.

#[cfg(target_os = "linux")]
mod catalogue;
#[cfg(target_os = "linux")]
mod legit;
#[cfg(target_os = "linux")]
mod outcome;
#[cfg(target_os = "linux")]
mod plan;
#[cfg(target_os = "linux")]
mod probe;
#[cfg(target_os = "linux")]
mod report;
#[cfg(target_os = "linux")]
mod run;
mod subject;

pub use subject::Target;

use crate::args::AttackArgs;

/// Runs `piperpc-bench attacks`.
#[cfg(target_os = "linux")]
pub fn run(args: AttackArgs) -> anyhow::Result<()> {
    run::run(args)
}

/// Elsewhere: says why not.
#[cfg(not(target_os = "linux"))]
pub fn run(_args: AttackArgs) -> anyhow::Result<()> {
    anyhow::bail!(
        "the attack benchmark is Linux only: it reads the servers' memory and CPU from /proc"
    )
}
