//! The middleware example's client: `client [--connect ADDR] [--token TOKEN]`.
//!
//! Calls the server once without a token, which the server's interceptor
//! refuses, then with it: a `Run` and a `Watch`. One line each.

use clap::Parser;
use middleware_example::pb::jobs_client::JobsClient;
use middleware_example::pb::{RunRequest, WatchRequest};
use middleware_example::{BearerToken, DEFAULT_ADDRESS, DEFAULT_TOKEN, TOKEN_ENV};
use tokio_stream::StreamExt;
use tonic::service::interceptor::InterceptedService;

/// Calls the jobs service without and with the token.
#[derive(Parser)]
struct Args {
    /// The server's address.
    #[arg(long, default_value = DEFAULT_ADDRESS)]
    connect: String,
    /// The bearer token to send.
    #[arg(long, env = TOKEN_ENV, default_value = DEFAULT_TOKEN, hide_env_values = true)]
    token: String,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match call().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("client: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn call() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    // One connection, two clients on it: one sends no token.
    let channel = piperpc::connect(args.connect).await?;

    let mut anonymous = JobsClient::new(channel.clone());
    match anonymous.run(RunRequest { millis: 0 }).await {
        Ok(_) => return Err("the server ran a job for a caller without a token".into()),
        Err(refused) => println!(
            "without a token: {:?}: {}",
            refused.code(),
            refused.message()
        ),
    }

    // `JobsClient::with_interceptor(channel, token)` says the same, but
    // its generated bounds ask for a response body with a `Default`, which
    // piperpc's `ChannelBody` lacks; the interceptor itself needs none.
    let token = BearerToken::new(&args.token)?;
    let mut jobs = JobsClient::new(InterceptedService::new(channel, token));
    let reply = jobs.run(RunRequest { millis: 10 }).await?.into_inner();
    println!("Run: done ({} running)", reply.running);

    let mut progress = jobs.watch(WatchRequest { steps: 3 }).await?.into_inner();
    let mut steps = Vec::new();
    while let Some(step) = progress.next().await {
        let step = step?;
        steps.push(format!("{}/{}", step.step, step.of));
    }
    println!("Watch: {}", steps.join(" "));
    Ok(())
}
