//! `piperpc load`: many connections, many mixed calls, every answer checked.
//!
//! Each connection runs its own sequence of calls, cycling through every RPC
//! kind and KeyValue writes and reads, and checks each answer. Every write
//! the server acknowledged is read back at the end. The run reports what it
//! did and fails if anything was wrong, so a test (or a person) can drive a
//! server from several processes at once and trust a zero.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use piperpc::{Address, ChannelBuilder};
use tokio::task::JoinSet;

use super::Stubs;
use crate::proto::demo::{
    ChatRequest, CollectRequest, CountRequest, EchoRequest, GetRequest, PutRequest,
};

/// What a load run is asked to do.
#[derive(Clone, Debug)]
pub struct LoadPlan {
    /// The server.
    pub address: Address,
    /// Connections to open, each driven by its own task.
    pub connections: usize,
    /// Calls per connection.
    pub calls: usize,
    /// Prefix for this run's keys, so concurrent runs do not collide.
    pub key_prefix: String,
    /// How long each connect may wait for a busy server.
    pub connect_timeout: Duration,
}

/// What a load run did.
#[derive(Debug, Default)]
pub struct LoadReport {
    /// Calls answered correctly.
    pub ok: u64,
    /// Calls that failed or were answered wrongly.
    pub errors: u64,
    /// Writes the server acknowledged.
    pub writes: u64,
    /// Acknowledged writes read back with the right value at the end.
    pub verified: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
}

#[derive(Default)]
struct Counters {
    ok: AtomicU64,
    errors: AtomicU64,
}

/// Runs `plan`; the first few errors are printed to stderr as they happen.
pub async fn run(plan: LoadPlan) -> anyhow::Result<LoadReport> {
    let started = Instant::now();
    let counters = Arc::new(Counters::default());
    let mut connections = Vec::with_capacity(plan.connections);
    for _ in 0..plan.connections {
        let channel = ChannelBuilder::new(plan.address.clone())
            .connect_timeout(plan.connect_timeout)
            .connect()
            .await?;
        connections.push(Stubs::new(channel, 4 * 1024 * 1024));
    }
    let mut tasks = JoinSet::new();
    for (index, stubs) in connections.into_iter().enumerate() {
        let (plan, counters) = (plan.clone(), counters.clone());
        tasks.spawn(async move { drive(stubs, index, &plan, &counters).await });
    }
    let mut written = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        written.extend(joined?);
    }
    let mut report = LoadReport {
        writes: written.len() as u64,
        ..LoadReport::default()
    };
    let mut reader = Stubs::new(
        ChannelBuilder::new(plan.address.clone()).connect().await?,
        4 * 1024 * 1024,
    );
    for (key, value) in written {
        match reader.keyvalue.get(GetRequest { key: key.clone() }).await {
            Ok(reply)
                if reply
                    .get_ref()
                    .entry
                    .as_ref()
                    .is_some_and(|e| e.value == value) =>
            {
                report.verified += 1
            }
            other => note_error(&counters, format!("read-back of {key}: {other:?}")),
        }
    }
    report.ok = counters.ok.load(Ordering::Relaxed);
    report.errors = counters.errors.load(Ordering::Relaxed);
    report.elapsed = started.elapsed();
    Ok(report)
}

/// One connection's calls; returns the writes the server acknowledged.
async fn drive(
    mut stubs: Stubs,
    index: usize,
    plan: &LoadPlan,
    counters: &Counters,
) -> Vec<(String, Vec<u8>)> {
    let mut written = Vec::new();
    for call in 0..plan.calls {
        let outcome = match call % 6 {
            0 => echo(&mut stubs, index, call).await,
            1 => count(&mut stubs, call).await,
            2 => collect(&mut stubs, call).await,
            3 => chat(&mut stubs, index, call).await,
            4 => {
                let key = format!("{}/{index}/{call}", plan.key_prefix);
                let value = format!("value {index} {call}").into_bytes();
                let request = PutRequest {
                    key: key.clone(),
                    value: value.clone().into(),
                };
                let put = stubs.keyvalue.put(request).await.map_err(|s| s.to_string());
                put.map(|_| written.push((key, value)))
            }
            _ => match written.last() {
                Some((key, value)) => {
                    let got = stubs.keyvalue.get(GetRequest { key: key.clone() }).await;
                    match got {
                        Ok(reply)
                            if reply
                                .get_ref()
                                .entry
                                .as_ref()
                                .is_some_and(|e| e.value == *value) =>
                        {
                            Ok(())
                        }
                        other => Err(format!("get {key}: {other:?}")),
                    }
                }
                None => Ok(()),
            },
        };
        match outcome {
            Ok(()) => {
                counters.ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => note_error(counters, format!("connection {index} call {call}: {error}")),
        }
    }
    written
}

fn note_error(counters: &Counters, error: String) {
    if counters.errors.fetch_add(1, Ordering::Relaxed) < 10 {
        eprintln!("load: {error}");
    }
}

async fn echo(stubs: &mut Stubs, index: usize, call: usize) -> Result<(), String> {
    let message = format!("{index}:{call}");
    let request = EchoRequest {
        message: message.clone(),
        ..Default::default()
    };
    let reply = stubs.echo.echo(request).await.map_err(|s| s.to_string())?;
    check(reply.get_ref().message == message, "echo answered wrongly")
}

async fn count(stubs: &mut Stubs, call: usize) -> Result<(), String> {
    let n = 1 + (call % 7) as u32;
    let request = CountRequest {
        count: n,
        ..Default::default()
    };
    let mut stream = stubs
        .echo
        .count(request)
        .await
        .map_err(|s| s.to_string())?
        .into_inner();
    let mut expected = 1;
    while let Some(message) = stream.message().await.map_err(|s| s.to_string())? {
        check(message.number == expected, "count out of order")?;
        expected += 1;
    }
    check(expected == n + 1, "count ended early")
}

async fn collect(stubs: &mut Stubs, call: usize) -> Result<(), String> {
    let n = 1 + call % 5;
    let requests = (0..n).map(|i| CollectRequest {
        data: vec![1; i].into(),
    });
    let reply = stubs
        .echo
        .collect(tokio_stream::iter(requests))
        .await
        .map_err(|s| s.to_string())?;
    let expected_bytes = (0..n).sum::<usize>() as u64;
    check(
        reply.get_ref().count == n as u64 && reply.get_ref().total_bytes == expected_bytes,
        "collect miscounted",
    )
}

async fn chat(stubs: &mut Stubs, index: usize, call: usize) -> Result<(), String> {
    let texts = [format!("{index}-{call}-a"), format!("{index}-{call}-b")];
    let requests = texts.clone().map(|text| ChatRequest { text });
    let mut answers = stubs
        .echo
        .chat(tokio_stream::iter(requests))
        .await
        .map_err(|s| s.to_string())?
        .into_inner();
    for text in &texts {
        let answer = answers.message().await.map_err(|s| s.to_string())?;
        check(
            answer.is_some_and(|a| a.text == format!("you said: {text}")),
            "chat answered wrongly",
        )?;
    }
    Ok(())
}

fn check(condition: bool, what: &str) -> Result<(), String> {
    if condition {
        Ok(())
    } else {
        Err(what.to_string())
    }
}
