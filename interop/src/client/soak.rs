//! rpc_soak and channel_soak: many large unary calls in a row, on one
//! channel or each on a new one, judged afterwards as the descriptions say:
//! every iteration done, and no more failures (a non-OK status, a wrong
//! payload, or a latency over the limit) than allowed.

use std::time::{Duration, Instant};

use clap::Args;
use piperpc::Channel;

use super::ClientArgs;
use super::cases::{Outcome, check_payload, zeros};
use crate::pb::SimpleRequest;
use crate::pb::test_service_client::TestServiceClient;

/// The soak flags, named and defaulted as the descriptions say.
#[derive(Args, Clone, Debug)]
pub struct SoakArgs {
    /// How many calls.
    #[arg(long = "soak_iterations", default_value_t = 10)]
    pub iterations: u32,
    /// How many of them may fail, the test still passing.
    #[arg(long = "soak_max_failures", default_value_t = 0)]
    pub max_failures: u32,
    /// A call slower than this fails.
    #[arg(
        long = "soak_per_iteration_max_acceptable_latency_ms",
        default_value_t = 1000
    )]
    pub max_latency_ms: u64,
    /// Stop and fail when the calls take longer than this in all (default
    /// the latency limit times the iterations).
    #[arg(long = "soak_overall_timeout_seconds")]
    pub overall_timeout_seconds: Option<u64>,
    /// At least this long between the starts of two calls.
    #[arg(long = "soak_min_time_ms_between_rpcs", default_value_t = 0)]
    pub min_time_between_ms: u64,
    /// The request payload's size.
    #[arg(long = "soak_request_size", default_value_t = 271_828)]
    pub request_size: usize,
    /// The response payload's size.
    #[arg(long = "soak_response_size", default_value_t = 314_159)]
    pub response_size: i32,
}

impl SoakArgs {
    /// The time all the calls may take.
    pub fn overall_timeout(&self) -> Duration {
        match self.overall_timeout_seconds {
            Some(seconds) => Duration::from_secs(seconds),
            None => Duration::from_millis(self.max_latency_ms * u64::from(self.iterations)),
        }
    }
}

/// One call: its latency, and why it failed if it did.
async fn iteration(args: &ClientArgs, shared: Option<&Channel>) -> (Duration, Result<(), String>) {
    let soak = &args.soak;
    let start = Instant::now();
    let channel = match shared {
        Some(channel) => channel.clone(),
        None => match args.connect().await {
            Ok(channel) => channel,
            Err(why) => return (start.elapsed(), Err(why)),
        },
    };
    let request = SimpleRequest {
        response_size: soak.response_size,
        payload: zeros(soak.request_size),
        ..SimpleRequest::default()
    };
    let result = TestServiceClient::new(channel).unary_call(request).await;
    // channel_soak: the new channel is dropped here, after the clock
    // stopped; its teardown is not measured.
    let latency = start.elapsed();
    let outcome = match result {
        Ok(response) => check_payload(
            response.get_ref().payload.as_ref(),
            soak.response_size.max(0) as usize,
        ),
        Err(status) => Err(format!("{:?}: {}", status.code(), status.message())),
    };
    (latency, outcome)
}

/// Runs the soak on `channel`, or on a new channel per call when `None`.
pub async fn run(args: &ClientArgs, channel: Option<&Channel>) -> Outcome {
    let soak = &args.soak;
    let limit = Duration::from_millis(soak.max_latency_ms);
    let overall = soak.overall_timeout();
    let peer = args.address();
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut failures = 0;
    for index in 0..soak.iterations {
        if started.elapsed() >= overall {
            break;
        }
        let begun = Instant::now();
        let (latency, outcome) = iteration(args, channel).await;
        let outcome = outcome.and_then(|()| {
            if latency > limit {
                Err(format!("latency over {}ms", soak.max_latency_ms))
            } else {
                Ok(())
            }
        });
        let elapsed_ms = latency.as_millis();
        match outcome {
            Ok(()) => {
                println!("soak iteration: {index} elapsed_ms: {elapsed_ms} peer: {peer} succeeded")
            }
            Err(why) => {
                failures += 1;
                println!(
                    "soak iteration: {index} elapsed_ms: {elapsed_ms} peer: {peer} failed: {why}"
                );
            }
        }
        latencies.push(latency);
        let spacing = Duration::from_millis(soak.min_time_between_ms);
        if let Some(wait) = spacing.checked_sub(begun.elapsed()) {
            tokio::time::sleep(wait).await;
        }
    }
    latencies.sort();
    let percentile = |p: usize| {
        latencies
            .get((latencies.len() * p / 100).min(latencies.len().saturating_sub(1)))
            .map_or(0, Duration::as_millis)
    };
    let summary = format!(
        "{} of {} iterations, {failures} failed (at most {} may); latency median {} ms, 90th {} ms, worst {} ms",
        latencies.len(),
        soak.iterations,
        soak.max_failures,
        percentile(50),
        percentile(90),
        latencies.last().map_or(0, Duration::as_millis)
    );
    if latencies.len() < soak.iterations as usize {
        return Err(format!("ran out of time ({overall:?}): {summary}"));
    }
    if failures > soak.max_failures {
        return Err(summary);
    }
    println!("soak: {summary}");
    Ok(())
}
