//! Unary round trips of a small message on one connection, one call at a
//! time: latency percentiles and calls per second.
//!
//! Every call is timed on its own. The percentiles pool every call of every
//! round (so p99 rests on thousands of calls, not on five rounds); calls/s
//! is the median of the rounds' rates.

use std::time::{Duration, Instant};

use crate::client::Conn;
use crate::plan::{Plan, size_name};
use crate::results::{Figure, Group, Kind, Measure, Subject};
use crate::session::{Session, TimeBox, index, order};
use crate::stats::{percentile, sort};

const PERCENTILES: [(f64, &str); 3] = [(50.0, "p50"), (90.0, "p90"), (99.0, "p99")];

/// Measurement steps this part takes.
pub fn steps(plan: &Plan) -> u64 {
    (plan.rounds * Subject::ALL.len()) as u64
}

/// Measures the unary figures for every subject.
pub async fn measure(session: &Session) -> anyhow::Result<Vec<Figure>> {
    let plan = &session.plan;
    let size = plan.small_message;
    let name = format!("unary {}, 1 connection", size_name(size));
    session.progress.phase(&name);

    let mut conns = session.open_each().await?;
    for conn in &mut conns {
        let mut warmup = TimeBox::start(plan.warmup);
        while warmup.next() {
            conn.round_trip(size).await?;
        }
    }

    // Per subject: every call's latency (µs), and each round's own
    // percentiles and rate.
    let mut pooled: [Vec<f64>; 5] = Default::default();
    let mut per_round: [Vec<[f64; 4]>; 5] = Default::default();
    for round in 0..plan.rounds {
        for subject in order(round) {
            let i = index(subject);
            let (times, rate) = batch(&mut conns[i], size, plan.batch).await?;
            let p = |q| percentile(&times, q).unwrap_or(f64::NAN);
            per_round[i].push([p(50.0), p(90.0), p(99.0), rate]);
            pooled[i].extend(times);
            session.progress.step();
        }
    }

    let mut figures = Vec::new();
    for (column, (q, short)) in PERCENTILES.into_iter().enumerate() {
        let mut figure = Figure::new(
            &format!("unary_{short}_us"),
            Group::Latency,
            format!("{name}: {short}"),
            short.to_string(),
            "us",
            Kind::Time,
        );
        for subject in Subject::ALL {
            let i = index(subject);
            sort(&mut pooled[i]);
            if let Some(value) = percentile(&pooled[i], q) {
                figure.set(
                    subject,
                    Measure {
                        value,
                        rounds: per_round[i].iter().map(|r| r[column]).collect(),
                        samples: Some(pooled[i].len()),
                    },
                );
            }
        }
        figures.push(figure);
    }

    let mut rate = Figure::new(
        "unary_sequential_calls_per_s",
        Group::Latency,
        format!("{name}, sequential"),
        "sequential".to_string(),
        "calls/s",
        Kind::Rate,
    );
    for subject in Subject::ALL {
        let i = index(subject);
        let rounds: Vec<f64> = per_round[i].iter().map(|r| r[3]).collect();
        rate.set_median(subject, rounds, Some(pooled[i].len()));
    }
    figures.push(rate);
    Ok(figures)
}

/// One time-boxed batch of `size`-byte round trips on `conn`, one after
/// another for `length`: every call's latency in µs, sorted, and the
/// batch's calls per second. `piperpc-bench spawn-calls` times its
/// batches with this too.
pub async fn batch(
    conn: &mut Conn,
    size: usize,
    length: Duration,
) -> anyhow::Result<(Vec<f64>, f64)> {
    let mut times = Vec::with_capacity(64 * 1024);
    let mut batch = TimeBox::start(length);
    while batch.next() {
        let start = Instant::now();
        conn.round_trip(size).await?;
        times.push(start.elapsed().as_secs_f64() * 1e6);
    }
    let (calls, elapsed) = batch.finish();
    sort(&mut times);
    Ok((times, calls as f64 / elapsed.as_secs_f64()))
}
