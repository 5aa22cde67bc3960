//! The middleware example's server:
//! `server [--listen ADDR] [--token TOKEN] [--concurrency-limit N] [--stop-on-stdin-eof]`.
//!
//! The Jobs service, health and reflection on one piperpc address, behind
//! the middleware a tonic application already uses, added with
//! `Server::layer` as with tonic's own server; the first added is the
//! outermost:
//!
//! 1. `tower_http`'s `TraceLayer`: a span per call and a log line as it
//!    starts and ends (standard error, `RUST_LOG`, default `info`);
//! 2. an auth interceptor (tonic's `InterceptorLayer`): `UNAUTHENTICATED`
//!    unless the call carries `authorization: Bearer TOKEN`;
//! 3. `tower`'s `ConcurrencyLimitLayer`: at most N calls in the services
//!    at once, across every connection; the others wait their turn.
//!
//! So a refused call is traced but takes no place under the limit. All of
//! them run inside piperpc's own layers: a call gets here from a peer of
//! this user only, with its deadline enforced.
//!
//! Prints `listening on ADDRESS` once it accepts calls; stops on Ctrl-C or
//! SIGTERM, and with `--stop-on-stdin-eof` at the end of its standard
//! input too (how a parent process or a test stops it portably).

use std::io::IsTerminal;

use clap::Parser;
use middleware_example::pb::jobs_server::JobsServer;
use middleware_example::{DEFAULT_ADDRESS, DEFAULT_TOKEN, Jobs, Observe, RequireToken, Stats};
use middleware_example::{TOKEN_ENV, reflection};
use piperpc::server::{Server, StopSignal};
use tonic::service::InterceptorLayer;
use tower::limit::ConcurrencyLimitLayer;
use tower_http::trace::TraceLayer;
use tower_http::trace::{DefaultMakeSpan, DefaultOnEos, DefaultOnFailure, DefaultOnRequest};
use tracing::Level;
use tracing_subscriber::EnvFilter;

/// Serves the jobs service behind a trace layer, a token check and a
/// concurrency limit.
#[derive(Parser)]
struct Args {
    /// Where to listen: a bare name, \\.\pipe\NAME, unix:PATH, HOST:PORT.
    #[arg(long, default_value = DEFAULT_ADDRESS)]
    listen: String,
    /// The bearer token callers must send.
    #[arg(long, env = TOKEN_ENV, default_value = DEFAULT_TOKEN, hide_env_values = true)]
    token: String,
    /// How many calls may be in the services at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    concurrency_limit: u16,
    /// Also stop at the end of standard input.
    #[arg(long)]
    stop_on_stdin_eof: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match serve().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("server: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    // Logs go to standard error: standard output carries the ready line.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();

    let stats = Stats::default();
    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter.set_serving::<JobsServer<Jobs>>().await;

    // tower-http logs at DEBUG by default; a call a line at INFO as it
    // starts and ends (WARN for a failure) is what an operator wants to
    // see. `Observe` counts the same events for the `Stats` RPC.
    let trace = TraceLayer::new_for_grpc()
        .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
        .on_request(Observe::new(
            stats.clone(),
            DefaultOnRequest::new().level(Level::INFO),
        ))
        .on_eos(DefaultOnEos::new().level(Level::INFO))
        .on_failure(Observe::new(
            stats.clone(),
            DefaultOnFailure::new().level(Level::WARN),
        ));

    // Before the ready line: a signal right after it must stop the server
    // gracefully, not kill it.
    let mut stop = StopSignal::install()?;
    if args.stop_on_stdin_eof {
        stop = stop.or_stdin_closed();
    }
    let bound = Server::builder()
        .layer(trace)
        .layer(InterceptorLayer::new(RequireToken::new(&args.token)))
        .layer(ConcurrencyLimitLayer::new(args.concurrency_limit.into()))
        .add_service(JobsServer::new(Jobs::new(stats)))
        .add_service(health)
        .add_service(reflection()?)
        .bind([args.listen])?;
    bound.announce()?;
    bound.serve_with_shutdown(stop.stopped()).await?;
    Ok(())
}
