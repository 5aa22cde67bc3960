//! The servers' resident memory: idle, and holding many idle connections.
//!
//! Measured first, on servers that have served nothing yet, so "idle" is
//! what a freshly started server holds. Each connection then makes one call
//! (so a gRPC one is a real HTTP/2 connection with its streams' state, not
//! a bare socket) and stays open while the server's memory is read. One
//! subject at a time, since each has its own server process. Full runs
//! then open thousands of idle connections to the gRPC servers
//! ([`crate::idle`]).

use crate::client::Conn;
use crate::plan::Plan;
use crate::results::{Figure, Group, Kind, Measure, Subject};
use crate::rss::resident_bytes;
use crate::servers::Servers;
use crate::session::Session;

const MIB: f64 = 1024.0 * 1024.0;

/// Measurement steps this part takes.
pub fn steps(plan: &Plan) -> u64 {
    Subject::ALL.len() as u64 + crate::idle::steps(plan)
}

/// Measures every server's memory, idle and with connections open.
pub async fn measure(session: &Session, servers: &Servers) -> anyhow::Result<Vec<Figure>> {
    let plan = &session.plan;
    let n = plan.idle_connections;
    session
        .progress
        .phase(&format!("server memory, idle and with {n} connections"));
    let mut idle = Figure::new(
        "server_rss_idle_mib",
        Group::Memory,
        "server memory, idle".to_string(),
        "idle".to_string(),
        "MiB",
        Kind::Memory,
    );
    let mut busy = Figure::new(
        &format!("server_rss_{n}_connections_mib"),
        Group::Memory,
        format!("server memory, {n} idle connections"),
        format!("{n} connections"),
        "MiB",
        Kind::Memory,
    );
    let mut per_connection = Figure::new(
        "server_rss_per_connection_kib",
        Group::Memory,
        "server memory per idle connection".to_string(),
        "per connection".to_string(),
        "KiB",
        Kind::Memory,
    );

    tokio::time::sleep(plan.settle).await;
    let before: Vec<Option<u64>> = Subject::ALL
        .iter()
        .map(|&s| resident_bytes(servers.get(s).child()))
        .collect();

    for (subject, before) in Subject::ALL.into_iter().zip(before) {
        let mut conns = Conn::open_many(&session.targets, subject, n).await?;
        for conn in &mut conns {
            conn.round_trip(plan.small_message).await?;
        }
        tokio::time::sleep(plan.settle).await;
        let after = resident_bytes(servers.get(subject).child());
        drop(conns);
        session.progress.step();

        let single = |value: f64| Measure {
            value,
            rounds: vec![value],
            samples: None,
        };
        if let Some(before) = before {
            idle.set(subject, single(before as f64 / MIB));
        }
        if let Some(after) = after {
            busy.set(subject, single(after as f64 / MIB));
        }
        if let (Some(before), Some(after)) = (before, after) {
            let grown = after.saturating_sub(before) as f64;
            per_connection.set(subject, single(grown / n as f64 / 1024.0));
        }
    }
    let mut figures = vec![idle, busy, per_connection];
    figures.extend(crate::idle::measure(session, servers).await?);
    Ok(figures)
}
