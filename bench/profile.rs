//! `piperpc-bench calls`: a fixed number of calls to one server, for
//! profiling (`valgrind --tool=callgrind` on either end counts what a call
//! costs in instructions, which the machine's noise does not move).
//! `piperpc-bench cost` runs it under callgrind for every workload.
//!
//! ```text
//! piperpc-bench calls --subject piperpc --address unix:/tmp/x.sock --count 20000
//! piperpc-bench calls --subject floor --address /tmp/f.sock --workload stream-1KiB --count 20
//! ```

use std::time::Instant;

use anyhow::Context;
use piperpc::Address;

use crate::client::{Conn, Targets};
use crate::cost::workload::Workload;
use crate::floor::client::FloorConn;
use crate::results::Subject;

/// Does `count` operations of `workload` (by default sequential 64-byte
/// Echo calls) against `subject`'s server at `address`, on a worker task
/// of a multi-threaded runtime as the bench does (the floor: with no
/// runtime at all), and prints the time they took. `keepalive: false` turns the
/// piperpc channel's HTTP/2 pings off (tonic's channel has none by default);
/// `connect_each` opens a new connection for every call.
pub fn calls(
    subject: Subject,
    address: &str,
    workload: Workload,
    count: u64,
    keepalive: bool,
    connect_each: bool,
) -> anyhow::Result<()> {
    if subject == Subject::Floor {
        return floor_calls(address, workload, count, connect_each);
    }
    let targets = Targets {
        local: Address::parse(if subject == Subject::Piperpc {
            address
        } else {
            "unix:/unused"
        })?,
        tonic_local: address.to_string(),
        tcp: address.to_string(),
        raw: address.to_string(),
        floor: address.to_string(),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async move {
        tokio::spawn(async move {
            let mut conn = if subject == Subject::Piperpc && !keepalive {
                let channel = piperpc::ChannelBuilder::new(&targets.local)?
                    .keepalive(None)
                    .connect()
                    .await?;
                Conn::Piperpc(crate::grpc::Grpc::new(channel))
            } else {
                Conn::open(&targets, subject).await?
            };
            let start = Instant::now();
            if connect_each {
                for _ in 0..count {
                    conn = Conn::open(&targets, subject).await?;
                    workload.run(&mut conn, 1).await?;
                }
            } else {
                workload.run(&mut conn, count).await?;
            }
            report(workload, count, start);
            anyhow::Ok(())
        })
        .await
        .context("the calling task panicked")?
    })
}

/// [`calls`] against the floor: blocking calls on the main thread with no
/// async runtime, so the client's count is the floor's alone (a runtime's
/// idle workers would add start-up work that varies from run to run).
fn floor_calls(
    address: &str,
    workload: Workload,
    count: u64,
    connect_each: bool,
) -> anyhow::Result<()> {
    let connect = || {
        FloorConn::connect(address)
            .with_context(|| format!("connecting to the floor server at {address}"))
    };
    let mut conn = connect()?;
    let start = Instant::now();
    if connect_each {
        for _ in 0..count {
            conn = connect()?;
            workload.run_blocking(&mut conn, 1)?;
        }
    } else {
        workload.run_blocking(&mut conn, count)?;
    }
    report(workload, count, start);
    Ok(())
}

/// Prints how long `count` operations took.
fn report(workload: Workload, count: u64, start: Instant) {
    let elapsed = start.elapsed();
    println!(
        "{count} x {} in {elapsed:?}: {:.1} us each",
        workload.key(),
        elapsed.as_secs_f64() * 1e6 / count as f64
    );
}
