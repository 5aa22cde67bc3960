//! `piperpc-interop`: grpc's interop tests, on piperpc.
//!
//! - `piperpc-interop server --port N | --listen ADDRESS [--use_tls]`:
//!   `grpc.testing.TestService`, for the official interop clients (or this
//!   one) to call.
//! - `piperpc-interop client --server_host H --server_port N | --server_uri
//!   ADDRESS --test_case CASES`: the interop test cases, against the
//!   official servers (or this one).
//!
//! Built on piperpc's public API with its defaults, so what passes here
//! passes for any application served or called through piperpc.

mod certs;
mod client;
mod server;
mod wire;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The generated messages, services and clients of `grpc.testing`.
#[allow(clippy::all, missing_docs, dead_code)]
mod pb {
    tonic::include_proto!("grpc.testing");
}

/// grpc's interop tests on piperpc.
#[derive(Parser, Debug)]
#[command(name = "piperpc-interop", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve grpc.testing.TestService.
    Server(server::ServerArgs),
    /// Run interop test cases against a server.
    Client(client::ClientArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Server(args) => match server::run(args).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("piperpc-interop server: {error}");
                ExitCode::FAILURE
            }
        },
        Command::Client(args) => match client::run(args).await {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(error) => {
                eprintln!("piperpc-interop client: {error}");
                ExitCode::from(2)
            }
        },
    }
}
