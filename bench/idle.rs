//! Ten thousand idle connections to one server: its resident memory, and
//! whether a call is still answered as fast as with none.
//!
//! Of piperpc's server and plain tonic's on the same kind of pipe only (the
//! question is about a gRPC server's connections, and the two are what a
//! user chooses between). For each: one more connection, the probe, times
//! [`CALLS`] unary calls with no other connection open; then
//! [`Plan::many_idle_connections`] connections open one after another,
//! each makes one call and stays open; the server's memory is read, and the
//! probe times [`CALLS`] calls again. The figures: the server's memory with
//! them open and its growth per connection, both p50s, and their ratio
//! (the bar: at most 2x).
//!
//! Full runs only: opening 20,000 connections takes several seconds a
//! subject, and the client's own memory for them is hundreds of MiB.
//! Linux only: elsewhere the rows are there and read "n/a" (Windows pipes
//! under Wine would take minutes, and other Unixes' open-file limits are
//! not raised here). Connections are opened
//! one at a time, each after the previous one's call was answered, so the
//! pace is the server's own and no accept queue overflows; each open and
//! call has [`OPEN_TIMEOUT`], so a server that stops accepting fails the
//! run instead of hanging it.

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::client::Conn;
use crate::plan::{Plan, size_name};
use crate::results::{Figure, Group, Kind, Measure, Subject};
use crate::rss::resident_bytes;
use crate::servers::Servers;
use crate::session::Session;
use crate::stats::{percentile, sort};

/// The servers measured.
const SUBJECTS: [Subject; 2] = [Subject::Piperpc, Subject::TonicLocal];
/// Calls the probe times, each time; the p50 is of these.
const CALLS: usize = 2000;
/// Calls before the first timed ones, to warm the probe's connection.
const WARMUP_CALLS: usize = 500;
/// How long one connection may take to open and answer its call.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// Descriptors the client needs besides its idle connections (the probe,
/// the servers' pipes, the runtime).
const SPARE_FILES: u64 = 256;

/// Whether this OS measures the idle connections.
const MEASURED_HERE: bool = cfg!(target_os = "linux");

/// How many idle connections this run opens, if it measures them here.
fn connections(plan: &Plan) -> Option<usize> {
    plan.many_idle_connections.filter(|_| MEASURED_HERE)
}

/// Measurement steps this part takes.
pub fn steps(plan: &Plan) -> u64 {
    connections(plan).map_or(0, |_| SUBJECTS.len() as u64)
}

/// Gets the process ready for the run's idle connections: room for their
/// descriptors. Before the servers start, so they inherit it.
pub fn prepare(plan: &Plan) -> anyhow::Result<()> {
    let Some(n) = connections(plan) else {
        return Ok(());
    };
    let needed = n as u64 + SPARE_FILES;
    #[cfg(target_os = "linux")]
    crate::fd_limit::ensure(needed)
        .with_context(|| format!("making room for {n} idle connections"))?;
    #[cfg(not(target_os = "linux"))]
    let _ = needed;
    Ok(())
}

/// The figures: memory with the idle connections open, and the probe's
/// p50 without and with them; none in quick and smoke runs, and without
/// values ("n/a") where the OS is not measured.
pub async fn measure(session: &Session, servers: &Servers) -> anyhow::Result<Vec<Figure>> {
    let Some(n) = session.plan.many_idle_connections else {
        return Ok(Vec::new());
    };
    let size = session.plan.small_message;
    let call = format!("unary {}", size_name(size));
    let mut total = Figure::new(
        &format!("server_rss_{n}_connections_mib"),
        Group::Memory,
        format!("server memory, {n} idle connections"),
        format!("{n} connections"),
        "MiB",
        Kind::Memory,
    );
    let mut per_connection = Figure::new(
        &format!("server_rss_per_connection_{n}_kib"),
        Group::Memory,
        format!("server memory per idle connection, {n} open"),
        format!("per connection, {n} open"),
        "KiB",
        Kind::Memory,
    );
    let mut quiet = Figure::new(
        &format!("idle_{n}_unary_p50_none_open_us"),
        Group::Memory,
        format!("{call} p50, before the {n} idle connections"),
        "p50, none open".to_string(),
        "us",
        Kind::Time,
    );
    let mut loaded = Figure::new(
        &format!("idle_{n}_unary_p50_us"),
        Group::Memory,
        format!("{call} p50, {n} idle connections open"),
        format!("p50, {n} open"),
        "us",
        Kind::Time,
    );
    let mut ratio = Figure::new(
        &format!("idle_{n}_unary_p50_ratio"),
        Group::Memory,
        format!("{call} p50 with {n} idle connections / with none (goal: 2x at most)"),
        "p50 ratio".to_string(),
        "x",
        Kind::Time,
    );

    let subjects = if MEASURED_HERE { &SUBJECTS[..] } else { &[] };
    for &subject in subjects {
        session.progress.phase(&format!(
            "{n} idle connections to the {} server",
            subject.name()
        ));
        let server = servers.get(subject).child();
        let mut probe = Conn::open(&session.targets, subject).await?;
        for _ in 0..WARMUP_CALLS {
            probe.round_trip(size).await?;
        }
        let alone = p50(&mut probe, size).await?;
        let before = resident_bytes(server);

        let idle = open_idle(session, subject, n).await?;
        tokio::time::sleep(session.plan.settle).await;
        let after = resident_bytes(server);
        let busy = p50(&mut probe, size).await?;
        drop(idle);
        session.progress.step();

        quiet.set(subject, calls_measure(alone));
        loaded.set(subject, calls_measure(busy));
        ratio.set(subject, single(busy / alone));
        if let Some(after) = after {
            total.set(subject, single(after as f64 / (1024.0 * 1024.0)));
        }
        if let (Some(before), Some(after)) = (before, after) {
            let grown = after.saturating_sub(before) as f64;
            per_connection.set(subject, single(grown / n as f64 / 1024.0));
        }
    }
    Ok(vec![total, per_connection, quiet, loaded, ratio])
}

/// `n` connections to `subject`'s server, each having made one call.
async fn open_idle(session: &Session, subject: Subject, n: usize) -> anyhow::Result<Vec<Conn>> {
    let size = session.plan.small_message;
    let mut conns = Vec::with_capacity(n);
    for i in 0..n {
        let opened = tokio::time::timeout(OPEN_TIMEOUT, async {
            let mut conn = Conn::open(&session.targets, subject).await?;
            conn.round_trip(size).await?;
            anyhow::Ok(conn)
        })
        .await
        .with_context(|| {
            format!(
                "idle connection {} of {n} to the {} server: not open and answered within {OPEN_TIMEOUT:?}",
                i + 1,
                subject.name()
            )
        })?
        .with_context(|| format!("idle connection {} of {n}", i + 1))?;
        conns.push(opened);
    }
    Ok(conns)
}

/// The p50 of [`CALLS`] round trips of `size` bytes on `probe`, in µs.
async fn p50(probe: &mut Conn, size: usize) -> anyhow::Result<f64> {
    let mut times = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let start = Instant::now();
        probe.round_trip(size).await?;
        times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    sort(&mut times);
    percentile(&times, 50.0).context("no calls were timed")
}

/// A p50 of [`CALLS`] calls.
fn calls_measure(value: f64) -> Measure {
    Measure {
        value,
        rounds: vec![value],
        samples: Some(CALLS),
    }
}

/// A value read once.
fn single(value: f64) -> Measure {
    Measure {
        value,
        rounds: vec![value],
        samples: None,
    }
}
