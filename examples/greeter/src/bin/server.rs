//! The greeter server: `server [--listen ADDR] [--stop-on-stdin-eof]`.
//!
//! Prints `listening on ADDRESS` once it accepts calls, and stops on
//! Ctrl-C or SIGTERM; with `--stop-on-stdin-eof`, also at the end of its
//! standard input (how a parent process or a test stops it portably).

use greeter_example::{DEFAULT_ADDRESS, Greeter, Options, pb::greeter_server::GreeterServer};
use piperpc::server::{Server, StopSignal};

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
    let options = Options::parse(&["--listen"], &["--stop-on-stdin-eof"])?;
    let address = options.value("--listen").unwrap_or(DEFAULT_ADDRESS);
    // Only processes of this user may call: piperpc's default.
    let bound = Server::builder()
        .add_service(GreeterServer::new(Greeter))
        .add_service(greeter_example::reflection()?)
        .bind([address])?;
    let mut stop = StopSignal::install()?;
    if options.switch("--stop-on-stdin-eof") {
        stop = stop.or_stdin_closed();
    }
    bound.announce()?;
    bound
        .serve_with_shutdown(async move {
            stop.wait().await;
        })
        .await?;
    Ok(())
}
