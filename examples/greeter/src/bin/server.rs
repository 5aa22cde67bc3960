//! The greeter server: `server [--listen ADDR]`.
//!
//! Prints `listening on ADDRESS` once it accepts calls, and stops on
//! Ctrl-C, SIGTERM, or the end of its standard input.

use greeter_example::{DEFAULT_ADDRESS, Greeter, address_arg, pb::greeter_server::GreeterServer};
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
    let address = address_arg("--listen", DEFAULT_ADDRESS)?;
    // Only processes of this user may call: piperpc's default.
    let bound = Server::builder()
        .add_service(GreeterServer::new(Greeter))
        .add_service(greeter_example::reflection()?)
        .bind([address])?;
    let mut stop = StopSignal::install()?.or_stdin_closed();
    bound.announce()?;
    bound
        .serve_with_shutdown(async move {
            stop.wait().await;
        })
        .await?;
    Ok(())
}
