//! Short calls next to a busy one: what a CPU-heavy handler does to the
//! other calls of its connection, and of another connection.
//!
//! One cycle starts a call that spins for the busy length on connection
//! "same", then, while it runs, sends a short call every probe interval
//! on "same" and on a second connection, "other", each from a task of its
//! own, without waiting for the previous one (open loop: a caller does not
//! wait for a neighbour's call to end before starting its own). A probe
//! held up by the busy call waits for what is left of it, so with a stall
//! the probes' latencies spread evenly up to the busy length, and their
//! p50 is about half of it.

use std::time::{Duration, Instant};

use anyhow::ensure;
use piperpc_demo::proto::demo::{EchoRequest, echo_client::EchoClient};
use tonic::codegen::Bytes;

use super::server::{Busy, SPIN_HEADER, SPIN_IN_HEADER};

/// A probe's payload, each way: the bench's small message.
pub const PROBE_SIZE: usize = 64;

/// What cycles measured, in µs.
#[derive(Debug, Default)]
pub struct Stalls {
    /// Probes on the busy call's connection.
    pub same: Vec<f64>,
    /// Probes on the other connection.
    pub other: Vec<f64>,
    /// The busy calls themselves.
    pub busy: Vec<f64>,
}

/// The two connections of one server.
#[derive(Clone, Debug)]
pub struct Pair {
    /// The connection the busy call runs on.
    pub same: EchoClient<piperpc::Channel>,
    /// Another connection to the same server.
    pub other: EchoClient<piperpc::Channel>,
}

/// One cycle on `pair`: a call spinning for `busy`, the way `how` says,
/// and probes every `interval` while it runs; adds every latency to
/// `stalls`.
pub async fn cycle(
    pair: &Pair,
    busy: Duration,
    how: Busy,
    interval: Duration,
    stalls: &mut Stalls,
) -> anyhow::Result<()> {
    let start = tokio::time::Instant::now();
    let busy_call = tokio::spawn(call(pair.same.clone(), Some((busy, how))));
    let (mut same, mut other) = (Vec::new(), Vec::new());
    let mut at = start + interval;
    while at < start + busy {
        tokio::time::sleep_until(at).await;
        same.push(tokio::spawn(call(pair.same.clone(), None)));
        other.push(tokio::spawn(call(pair.other.clone(), None)));
        at += interval;
    }
    stalls.busy.push(busy_call.await??);
    for probe in same {
        stalls.same.push(probe.await??);
    }
    for probe in other {
        stalls.other.push(probe.await??);
    }
    Ok(())
}

/// One Echo call of [`PROBE_SIZE`] bytes, spinning in the server first if
/// `spin` says how long and how: its latency in µs.
async fn call(
    mut client: EchoClient<piperpc::Channel>,
    spin: Option<(Duration, Busy)>,
) -> anyhow::Result<f64> {
    let mut request = tonic::Request::new(EchoRequest {
        payload: Bytes::from_static(&[b'x'; PROBE_SIZE]),
        ..EchoRequest::default()
    });
    if let Some((spin, how)) = spin {
        let metadata = request.metadata_mut();
        metadata.insert(SPIN_HEADER, spin.as_millis().to_string().parse()?);
        metadata.insert(SPIN_IN_HEADER, how.key().parse()?);
    }
    let start = Instant::now();
    let reply = client.echo(request).await?.into_inner();
    let elapsed = start.elapsed();
    ensure!(
        reply.payload.len() == PROBE_SIZE,
        "Echo returned {} payload bytes, not {PROBE_SIZE}",
        reply.payload.len()
    );
    Ok(elapsed.as_secs_f64() * 1e6)
}
