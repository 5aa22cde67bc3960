//! The legitimate caller: what an attack does to the server's other
//! clients.
//!
//! During the attack it makes a small unary call (Echo, 64 bytes) every
//! 50 ms on a connection it opened before the attack, as an application
//! already talking to the server would, and every 500 ms it also opens a
//! new connection and makes one call on it, as an application starting
//! up would. Each call has 1 s: one that takes longer, or fails, is a
//! failure (and its time is not a latency). The client is the one an
//! application would use against each server: piperpc's `Channel` for
//! piperpc's, tonic's own for tonic's.

use std::time::{Duration, Instant};

use anyhow::Context;
use piperpc::ChannelBuilder;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::subject::{Running, Target};
use crate::grpc::Grpc;

/// Between two calls on the open connection.
const EVERY: Duration = Duration::from_millis(50);
/// A new connection (and a call on it) every this many calls.
const FRESH_EVERY: u32 = 10;
/// The longest a call may take before it counts as failed.
const CALL_TIMEOUT: Duration = Duration::from_secs(1);
/// The payload of each call.
const PAYLOAD: usize = 64;

/// One connection of the caller's, to one server.
#[derive(Debug)]
enum Caller {
    Piperpc(Grpc<piperpc::Channel>),
    Tonic(Grpc<tonic::transport::Channel>),
}

impl Caller {
    /// A new connection to `server`, with a first call made on it.
    async fn connect(
        server: &Target,
        address: &piperpc::Address,
        announced: &str,
    ) -> anyhow::Result<Caller> {
        let mut caller = match server {
            Target::PiperpcUds | Target::PiperpcTcp => Caller::Piperpc(Grpc::new(
                ChannelBuilder::new(address.clone())?
                    .connect_timeout(CALL_TIMEOUT)
                    .connect()
                    .await
                    .with_context(|| format!("connecting to {address}"))?,
            )),
            Target::TonicUds => Caller::Tonic(Grpc::new(
                crate::tonic_local::connect(announced)
                    .await
                    .with_context(|| format!("connecting to {announced}"))?,
            )),
            Target::TonicTcp => Caller::Tonic(Grpc::new(
                tonic::transport::Endpoint::from_shared(announced.to_string())?
                    .connect_timeout(CALL_TIMEOUT)
                    .connect()
                    .await
                    .with_context(|| format!("connecting to {announced}"))?,
            )),
        };
        caller.call().await?;
        Ok(caller)
    }

    async fn call(&mut self) -> anyhow::Result<()> {
        match self {
            Caller::Piperpc(grpc) => grpc.round_trip(PAYLOAD).await,
            Caller::Tonic(grpc) => grpc.round_trip(PAYLOAD).await,
        }
    }
}

/// What the caller saw during an attack.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct LegitReport {
    /// Calls made on the open connection.
    pub calls: usize,
    /// Those that failed or took longer than 1 s.
    pub failures: usize,
    /// The first failure, as said.
    pub first_failure: Option<String>,
    /// Median latency of the calls that succeeded, in milliseconds.
    pub p50_ms: Option<f64>,
    /// 99th percentile (nearest rank), in milliseconds.
    pub p99_ms: Option<f64>,
    /// Largest, in milliseconds.
    pub max_ms: Option<f64>,
    /// New connections tried (each with one call), and finished in the
    /// window.
    pub fresh_tried: usize,
    /// Those whose connection and call succeeded within 1 s.
    pub fresh_ok: usize,
}

/// A caller connected before the attack, ready to run during it.
#[derive(Debug)]
pub struct Legit {
    caller: Caller,
    target: Target,
    address: piperpc::Address,
    announced: String,
}

impl Legit {
    /// Connects to `server` and makes a few calls, so the connection is
    /// warm before anything is measured.
    pub async fn connect(server: &Running) -> anyhow::Result<Legit> {
        let announced = server.process.address.clone();
        let mut caller = Caller::connect(&server.target, &server.address, &announced).await?;
        for _ in 0..3 {
            caller.call().await?;
        }
        Ok(Legit {
            caller,
            target: server.target,
            address: server.address.clone(),
            announced,
        })
    }

    /// Calls until `stop` turns true; a call cut short by it is not
    /// counted.
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) -> LegitReport {
        let mut report = LegitReport::default();
        let mut latencies = Vec::new();
        let mut fresh = JoinSet::new();
        let mut ticker = tokio::time::interval(EVERY);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut tick: u32 = 0;
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                _ = ticker.tick() => {}
            }
            tick += 1;
            if tick.is_multiple_of(FRESH_EVERY) {
                let (target, address, announced) =
                    (self.target, self.address.clone(), self.announced.clone());
                fresh.spawn(async move {
                    tokio::time::timeout(
                        CALL_TIMEOUT,
                        Caller::connect(&target, &address, &announced),
                    )
                    .await
                    .is_ok_and(|connected| connected.is_ok())
                });
            }
            let started = Instant::now();
            let outcome = tokio::select! {
                _ = stop.changed() => break,
                outcome = tokio::time::timeout(CALL_TIMEOUT, self.caller.call()) => outcome,
            };
            report.calls += 1;
            match outcome {
                Ok(Ok(())) => latencies.push(started.elapsed().as_secs_f64() * 1000.0),
                Ok(Err(error)) => {
                    report.failures += 1;
                    report
                        .first_failure
                        .get_or_insert_with(|| format!("{error:#}"));
                }
                Err(_) => {
                    report.failures += 1;
                    report
                        .first_failure
                        .get_or_insert_with(|| format!("no answer within {CALL_TIMEOUT:?}"));
                }
            }
        }
        // New connections still trying are younger than their timeout:
        // not counted either way.
        while let Some(joined) = fresh.try_join_next() {
            report.fresh_tried += 1;
            if joined.unwrap_or(false) {
                report.fresh_ok += 1;
            }
        }
        fresh.abort_all();
        crate::stats::sort(&mut latencies);
        report.p50_ms = crate::stats::percentile(&latencies, 50.0);
        report.p99_ms = crate::stats::percentile(&latencies, 99.0);
        report.max_ms = latencies.last().copied();
        report
    }
}
