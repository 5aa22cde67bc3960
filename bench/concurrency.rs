//! Unary calls of a small message on many connections at once: total
//! calls per second.
//!
//! Each connection is its own socket or pipe (its own gRPC channel), driven
//! by its own task making one call after another, as that many independent
//! clients would. All start together and stop at the same deadline.

use std::time::{Duration, Instant};

use anyhow::Context;

use crate::client::Conn;
use crate::plan::{Plan, size_name};
use crate::results::{Figure, Group, Kind, Subject};
use crate::session::{Session, index, order};

/// Measurement steps this part takes.
pub fn steps(plan: &Plan) -> u64 {
    (plan.connections.len() * plan.rounds * measured().count()) as u64
}

/// Measures calls/s at every connection count of the plan.
pub async fn measure(session: &Session) -> anyhow::Result<Vec<Figure>> {
    let plan = &session.plan;
    let size = plan.small_message;
    let mut figures = Vec::new();
    for &connections in &plan.connections {
        let noun = if connections == 1 {
            "concurrent connection"
        } else {
            "concurrent connections"
        };
        let name = format!("unary {}, {connections} {noun}", size_name(size));
        session.progress.phase(&name);

        let mut pools: [Vec<Conn>; Subject::ALL.len()] = Default::default();
        for subject in measured() {
            let mut pool = Conn::open_many(&session.targets, subject, connections).await?;
            pool = run_all(pool, size, plan.warmup).await?.0;
            pools[index(subject)] = pool;
        }

        let mut rates: [Vec<f64>; Subject::ALL.len()] = Default::default();
        let mut calls = [0usize; Subject::ALL.len()];
        for round in 0..plan.rounds {
            for subject in order(round)
                .into_iter()
                .filter(|s| s.measures(Group::Concurrency))
            {
                let i = index(subject);
                let pool = std::mem::take(&mut pools[i]);
                let (pool, made, elapsed) = run_all(pool, size, plan.batch).await?;
                pools[i] = pool;
                rates[i].push(made as f64 / elapsed.as_secs_f64());
                calls[i] += made as usize;
                session.progress.step();
            }
        }

        let mut figure = Figure::new(
            &format!("unary_{connections}_connections_calls_per_s"),
            Group::Concurrency,
            name.clone(),
            format!("{connections} conn."),
            "calls/s",
            Kind::Rate,
        );
        for subject in measured() {
            let i = index(subject);
            figure.set_median(subject, rates[i].clone(), Some(calls[i]));
        }
        figures.push(figure);
    }
    Ok(figures)
}

/// The subjects this part measures.
fn measured() -> impl Iterator<Item = Subject> {
    Subject::ALL
        .into_iter()
        .filter(|s| s.measures(Group::Concurrency))
}

/// Drives every connection of `pool` with back-to-back calls for `length`;
/// returns the pool, the calls made and the time they took.
async fn run_all(
    pool: Vec<Conn>,
    size: usize,
    length: Duration,
) -> anyhow::Result<(Vec<Conn>, u64, Duration)> {
    let start = Instant::now();
    let until = start + length;
    let tasks: Vec<_> = pool
        .into_iter()
        .map(|mut conn| {
            tokio::spawn(async move {
                let mut calls = 0u64;
                loop {
                    conn.round_trip(size).await?;
                    calls += 1;
                    if Instant::now() >= until {
                        return anyhow::Ok((conn, calls));
                    }
                }
            })
        })
        .collect();
    let mut pool = Vec::with_capacity(tasks.len());
    let mut total = 0;
    for task in tasks {
        let (conn, calls) = task.await.context("a client task panicked")??;
        pool.push(conn);
        total += calls;
    }
    Ok((pool, total, start.elapsed()))
}
