//! `piperpc-bench`: how fast piperpc is, against what a user would
//! otherwise pick and against the physical floor, measured side by side in
//! one run.
//!
//! ```text
//! cargo run --release --bin piperpc-bench            # a few minutes
//! cargo run --release --bin piperpc-bench -- --quick # under a minute
//! ```
//!
//! Three subjects serve the same work, each from a server process of its
//! own, measured from this (client) process:
//!
//! - piperpc: `piperpc serve`'s server on a local pipe (a Unix domain socket,
//!   or a message-mode named pipe on Windows), called through piperpc's
//!   `ChannelBuilder`;
//! - TCP: the same services in a plain tonic server on 127.0.0.1, called
//!   through tonic's `Endpoint`, tonic's defaults on both ends: what a user
//!   picks without piperpc;
//! - raw: the same payloads over the same kind of local socket with no gRPC
//!   at all: the floor.
//!
//! Trust comes from hygiene, not from long runs: a warm-up before every
//! figure, every figure measured in rounds that visit the three subjects
//! back to back in a rotating order (drift hits all alike), medians of
//! rounds, every reply checked, and the machine, build and load recorded
//! with the figures. A debug build or a run under Wine says so loudly.
//!
//! # Layout
//!
//! - [`args`]: the command line; [`plan`]: sizes and durations per mode.
//! - [`role`], [`servers`], [`raw`]: the servers, as child processes of this
//!   same executable (so no other binary must be built first).
//! - [`client`], [`grpc`]: one connection to a subject, one API.
//! - [`session`], [`memory`], [`unary`], [`connect`], [`concurrency`],
//!   [`streaming`]: the measurements; [`rss`], [`stats`], [`machine`]:
//!   what they read.
//! - [`results`], [`report`], [`json`], [`charts`], [`svg`]: the output;
//!   [`progress`]: the bar on stderr.

mod args;
mod charts;
mod client;
mod concurrency;
mod connect;
mod grpc;
mod json;
mod machine;
mod memory;
mod plan;
mod progress;
mod raw;
mod report;
mod results;
mod role;
mod rss;
mod run;
mod servers;
mod session;
mod stats;
mod streaming;
mod svg;
mod unary;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Role};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.role {
        Some(Role::Piperpc { listen }) => {
            init_server_logs();
            role::grpc_server(listen)
        }
        Some(Role::Tcp) => {
            init_server_logs();
            role::tcp_server()
        }
        Some(Role::Raw { listen }) => raw::server::run(&listen),
        None => run::run(cli.run),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("piperpc-bench: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Servers log warnings and errors only: anything they say during a run
/// is worth seeing, and nothing routine may disturb the progress bar.
fn init_server_logs() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
}
