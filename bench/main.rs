//! `piperpc-bench`: how fast piperpc is, against what a user would
//! otherwise pick and against the physical floor, measured side by side in
//! one run.
//!
//! ```text
//! cargo run --release --bin piperpc-bench            # a few minutes
//! cargo run --release --bin piperpc-bench -- --quick # under a minute
//! cargo run --release --bin piperpc-bench -- attacks # hostile clients
//! cargo run --release --bin piperpc-bench -- spawn-calls # Server::spawn_calls off/on
//! cargo run --release --bin piperpc-bench -- cost    # instructions per call (callgrind)
//! cargo run --release --bin piperpc-bench -- cost --only unary-64B --subject piperpc
//! ```
//!
//! Five subjects serve the same work, each from a server process of its
//! own, measured from this (client) process:
//!
//! - piperpc: `piperpc serve`'s server on a local pipe (a Unix domain socket,
//!   or a message-mode named pipe on Windows), called through piperpc's
//!   `ChannelBuilder`;
//! - tonic UDS (tonic pipe on Windows): the same services in a plain tonic
//!   server on the same kind of local pipe, tonic's defaults on both ends:
//!   what a Rust user picks without piperpc;
//! - TCP: the same services in a plain tonic server on 127.0.0.1;
//! - raw: the same payloads over the same kind of local socket with no gRPC,
//!   tokio on both ends;
//! - floor: the same, with blocking reads and writes: the true floor.
//!
//! Where the client and the servers run is set, printed and recorded
//! ([`placement`]), so floor figures compare from run to run.
//!
//! Trust comes from hygiene, not from long runs: a warm-up before every
//! figure, every figure measured in rounds that visit the subjects
//! back to back in a rotating order (drift hits all alike), medians of
//! rounds, every reply checked, and the machine, build and load recorded
//! with the figures. A debug build or a run under Wine says so loudly.
//!
//! # Layout
//!
//! - [`args`]: the command line; [`plan`]: sizes and durations per mode.
//! - [`role`], [`servers`], [`tonic_local`], [`raw`], [`floor`]: the servers, as child processes of this
//!   same executable (so no other binary must be built first).
//! - [`client`], [`grpc`]: one connection to a subject, one API.
//! - [`session`], [`memory`], [`unary`], [`connect`], [`concurrency`],
//!   [`streaming`]: the measurements; [`idle`]: thousands of idle
//!   connections (full runs), with [`fd_limit`]; [`rss`], [`stats`],
//!   [`machine`]: what they read.
//! - [`results`], [`report`], [`json`], [`charts`], [`svg`]: the output;
//!   [`progress`]: the bar on stderr; [`profile`]: calls to profile; [`placement`]: which CPUs run what.
//! - [`h2_bare`]: a reference for the instruction counts: Echo on h2
//!   directly, server and client, with nothing between.
//! - [`attacks`]: `piperpc-bench attacks`, hostile HTTP/2 clients against
//!   fresh servers, with the server's memory and CPU and a legitimate
//!   caller's latency during each (Linux only).
//! - [`spawn_calls`]: `piperpc-bench spawn-calls`, `Server::spawn_calls`
//!   off and on: short calls next to a CPU-busy one, and the unary figures.
//! - [`cost`]: `piperpc-bench cost`, instructions per call of the server
//!   and of the client, counted by valgrind's callgrind with the `calls`
//!   role of [`profile`] as the client; repeatable where timings are not
//!   (Linux only).

mod args;
mod attacks;
mod charts;
mod client;
mod concurrency;
mod connect;
mod cost;
mod fd_limit;
mod floor;
mod grpc;
#[cfg(unix)]
mod h2_bare;
mod idle;
mod json;
mod machine;
mod memory;
mod placement;
mod plan;
mod profile;
mod progress;
mod raw;
mod report;
mod results;
mod role;
mod rss;
mod run;
mod servers;
mod session;
mod spawn_calls;
mod stats;
mod streaming;
mod svg;
mod tonic_local;
mod unary;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Role};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.role {
        Some(Role::Piperpc {
            listen,
            allow_any_peer,
        }) => {
            init_server_logs();
            role::grpc_server(listen, allow_any_peer)
        }
        Some(Role::Tcp) => {
            init_server_logs();
            role::tcp_server()
        }
        Some(Role::TonicLocal { listen }) => {
            init_server_logs();
            tonic_local::serve(&listen)
        }
        Some(Role::Raw { listen }) => raw::server::run(&listen),
        Some(Role::Floor { listen }) => floor::server::run(&listen),
        Some(Role::Attacks(args)) => attacks::run(args),
        Some(Role::SpawnCalls(args)) => spawn_calls::run(args),
        Some(Role::SpawnCallsServer(args)) => {
            init_server_logs();
            spawn_calls::server::serve(args)
        }
        #[cfg(unix)]
        Some(Role::H2BareServer { listen }) => h2_bare::server::serve(&listen),
        #[cfg(unix)]
        Some(Role::H2BareCalls { address, count }) => h2_bare::client::calls(&address, count),
        #[cfg(not(unix))]
        Some(Role::H2BareServer { .. } | Role::H2BareCalls { .. }) => Err(anyhow::anyhow!(
            "the h2 reference (h2-bare-server, h2-bare-calls) is Unix only"
        )),
        Some(Role::Calls {
            subject,
            address,
            workload,
            count,
            no_keepalive,
            connect_each,
        }) => profile::calls(
            subject,
            &address,
            workload,
            count,
            !no_keepalive,
            connect_each,
        ),
        Some(Role::Cost(args)) => cost::run(args),
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
