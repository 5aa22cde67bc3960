//! One measurement: a subject's server and a client, both under callgrind,
//! the client doing a workload `count` times and then `2 x count` times;
//! the difference of the two runs' counts, over `count`, is what the
//! operations cost: start-up, connecting and shutting down are in both runs
//! and cancel out, and so does whatever the first operations cost once
//! (buffers growing, caches filling), since the difference is made of the
//! second half of the longer run.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::ValueEnum;

use super::callgrind;
use super::workload::Workload;
use crate::placement::Placement;
use crate::results::Subject;
use crate::servers::{RunDir, ServerProcess, role_args};

/// Where a measurement's processes come from and their files go.
#[derive(Debug)]
pub struct Bench {
    /// The piperpc-bench executable both ends run: a copy of this one made
    /// at the start, so a rebuild during the run changes no figure.
    pub exe: PathBuf,
    /// Sockets.
    pub dir: RunDir,
    /// Callgrind's output files, kept for `callgrind_annotate`.
    pub profiles: PathBuf,
    /// Where servers and clients run: entered before each is started.
    pub placement: RefCell<Placement>,
}

/// Instructions each end executed in one run.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Totals {
    /// The server process's.
    pub server: u64,
    /// The client process's.
    pub client: u64,
}

/// Instructions per counted unit (call, message or exchange) of each end.
#[derive(Clone, Copy, Debug)]
pub struct PerUnit {
    /// The server's.
    pub server: f64,
    /// The client's.
    pub client: f64,
    /// The run of N operations.
    pub small: Totals,
    /// The run of 2N.
    pub large: Totals,
}

impl Bench {
    /// Measures `workload` against `subject`: a run of `count` operations
    /// and one of twice as many, each on a fresh server.
    pub fn measure(
        &self,
        subject: Subject,
        workload: Workload,
        count: u64,
    ) -> anyhow::Result<PerUnit> {
        let small = self.run(subject, workload, count)?;
        let large = self.run(subject, workload, 2 * count)?;
        let units = (count * workload.units_per_operation()) as f64;
        // Signed: with too few operations the noise of start-up and
        // shutdown can outweigh them, which the figure then shows (and
        // the run warns of) rather than failing on.
        let per = |small: u64, large: u64| (large as f64 - small as f64) / units;
        Ok(PerUnit {
            server: per(small.server, large.server),
            client: per(small.client, large.client),
            small,
            large,
        })
    }

    /// Runs `subject`'s server and a client doing `count` operations of
    /// `workload`, both under callgrind; returns what each executed.
    fn run(&self, subject: Subject, workload: Workload, count: u64) -> anyhow::Result<Totals> {
        let name = format!("{}-{}-{count}", workload.key(), subject.key());
        let server_out = self.profiles.join(format!("{name}-server.out"));
        let client_out = self.profiles.join(format!("{name}-client.out"));
        for stale in [&server_out, &client_out] {
            remove_stale(stale)?;
        }
        let started = Instant::now();
        let mut args = callgrind::args(&server_out, &self.exe);
        args.extend(role_args(subject, &self.dir, &fresh_name(&name)));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.placement.borrow_mut().enter_servers();
        // Errors only: a server's log lines would be work a run does or not
        // depending on timing (a slow-poll warning under valgrind).
        let server = ServerProcess::start_exe(
            subject.name(),
            Path::new(callgrind::VALGRIND),
            &args,
            Some("error"),
        )?;

        let subject_arg = subject
            .to_possible_value()
            .context("every subject has a command-line name")?;
        self.placement.borrow_mut().enter_client();
        let client = Command::new(callgrind::VALGRIND)
            .args(callgrind::args(&client_out, &self.exe))
            .args(["calls", "--subject", subject_arg.get_name()])
            .args(["--address", &server.address])
            .args(["--workload", workload.key()])
            .args(["--count", &count.to_string()])
            .stdin(Stdio::null())
            .output()
            .context("starting the client under valgrind")?;
        if !client.status.success() {
            // Stop the server first: its exit status may say more.
            let stopped = server.stop();
            bail!(
                "the {} client ({} x {count}) failed ({}){}:\n{}",
                subject.name(),
                workload.key(),
                client.status,
                stopped
                    .err()
                    .map_or_else(String::new, |e| format!("; and {e:#}")),
                String::from_utf8_lossy(&client.stderr).trim()
            );
        }
        // A clean exit is what makes callgrind write the server's count.
        server.stop()?;
        let totals = Totals {
            server: callgrind::total(&server_out)?,
            client: callgrind::total(&client_out)?,
        };
        eprintln!(
            "piperpc-bench: cost: {:<16} {:<10} x {count:<6} server {:>12} client {:>12} instructions ({:.1} s)",
            workload.key(),
            subject.name(),
            totals.server,
            totals.client,
            started.elapsed().as_secs_f64()
        );
        Ok(totals)
    }
}

/// Removes a previous run's output file, so a process that fails to write
/// its own is never read as this run's.
fn remove_stale(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// A socket name no earlier server of this run used (servers that end
/// with `exit` leave their socket file behind).
fn fresh_name(name: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{name}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}
