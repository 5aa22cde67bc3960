//! The greeter server: `server [--listen ADDR] [--stop-on-stdin-eof]`.
//!
//! Prints `listening on ADDRESS` once it accepts calls, and stops on
//! Ctrl-C or SIGTERM; with `--stop-on-stdin-eof`, also at the end of its
//! standard input (how a parent process or a test stops it portably).

use clap::Parser;
use greeter_example::{DEFAULT_ADDRESS, Greeter, pb::greeter_server::GreeterServer};
use piperpc::server::{Server, StopSignal};

/// Serves the greeter.
#[derive(Parser)]
struct Args {
    /// Where to listen: a bare name, \\.\pipe\NAME, unix:PATH, HOST:PORT.
    #[arg(long, default_value = DEFAULT_ADDRESS)]
    listen: String,
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
    // Only processes of this user may call: piperpc's default.
    let bound = Server::builder()
        .add_service(GreeterServer::new(Greeter))
        .add_service(greeter_example::reflection()?)
        .bind([args.listen])?;
    let mut stop = StopSignal::install()?;
    if args.stop_on_stdin_eof {
        stop = stop.or_stdin_closed();
    }
    bound.announce()?;
    bound.serve_with_shutdown(stop.stopped()).await?;
    Ok(())
}
