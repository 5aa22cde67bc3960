//! `piperpc-bench calls`: a fixed number of unary calls to one server, for
//! profiling (`valgrind --tool=callgrind` on either end counts what a call
//! costs in instructions, which the machine's noise does not move).
//!
//! ```text
//! piperpc-bench calls --subject piperpc --address unix:/tmp/x.sock --count 20000
//! ```

use std::time::Instant;

use anyhow::Context;
use piperpc::Address;

use crate::client::{Conn, Targets};
use crate::results::Subject;

/// Makes `count` sequential 64-byte Echo calls to `subject`'s server at
/// `address`, on a worker task of a multi-threaded runtime as the bench
/// does, and prints the time they took. `keepalive: false` turns the
/// piperpc channel's HTTP/2 pings off (tonic's channel has none by default);
/// `connect_each` opens a new connection for every call.
pub fn calls(
    subject: Subject,
    address: &str,
    count: u64,
    keepalive: bool,
    connect_each: bool,
) -> anyhow::Result<()> {
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
            for _ in 0..count {
                if connect_each {
                    conn = Conn::open(&targets, subject).await?;
                }
                conn.round_trip(64).await?;
            }
            let elapsed = start.elapsed();
            println!(
                "{count} calls in {elapsed:?}: {:.1} us each",
                elapsed.as_secs_f64() * 1e6 / count as f64
            );
            anyhow::Ok(())
        })
        .await
        .context("the calling task panicked")?
    })
}
