//! The identity server:
//! `identity-server [--listen ADDR] [--worker PROGRAM] [--stop-on-stdin-eof]`.
//!
//! Serves `WhoAmI` to one process only: the worker it starts itself
//! (`PROGRAM --connect ADDR`, by default the `identity-client` next to this
//! binary). Every other caller, even one of the same user, is refused with
//! `PERMISSION_DENIED`. Prints `listening on ADDRESS`, then the worker's
//! pid, and the worker's own output; stops on Ctrl-C or SIGTERM (and with
//! `--stop-on-stdin-eof`, at the end of its standard input).

use std::path::PathBuf;
use std::process::Stdio;

use clap::Parser;
use identity_example::pb::identity_server::IdentityServer;
use identity_example::{DEFAULT_ADDRESS, OnlyWorker, WhoAmI};
use piperpc::server::{Server, StopSignal};

/// Serves `WhoAmI` to the worker it starts, and to no one else.
#[derive(Parser)]
struct Args {
    /// Where to listen.
    #[arg(long, default_value = DEFAULT_ADDRESS)]
    listen: String,
    /// The worker to start (default: `identity-client` next to this binary).
    #[arg(long)]
    worker: Option<PathBuf>,
    /// Also stop at the end of standard input.
    #[arg(long)]
    stop_on_stdin_eof: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match serve().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("identity-server: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let address = args.listen;
    let program = match args.worker {
        Some(program) => program,
        None => std::env::current_exe()?
            .with_file_name(format!("identity-client{}", std::env::consts::EXE_SUFFIX)),
    };

    let worker = OnlyWorker::new();
    let bound = Server::builder()
        .peer_policy(worker.policy())
        .add_service(IdentityServer::new(WhoAmI))
        .bind([address])?;
    let address = bound.local_addresses()[0].to_string();
    let mut stop = StopSignal::install()?;
    if args.stop_on_stdin_eof {
        stop = stop.or_stdin_closed();
    }
    bound.announce()?;

    // Started once bound but before serving: its connection waits in the
    // backlog until its pid is admitted, so it cannot be refused by a race.
    let mut child = tokio::process::Command::new(&program)
        .args(["--connect", &address])
        .stdin(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot start the worker {}: {error}", program.display()))?;
    let pid = child.id().ok_or("the worker exited as it started")?;
    worker.admit(pid);
    println!("started worker {pid}");
    tokio::spawn(async move {
        let status = child.wait().await;
        worker.forget();
        match status {
            Ok(status) => println!("worker {pid} exited: {status}"),
            Err(error) => println!("worker {pid} lost: {error}"),
        }
    });

    bound.serve_with_shutdown(stop.stopped()).await?;
    Ok(())
}
