//! The identity client: `identity-client [--connect ADDR]`. Asks the server
//! who it is, and prints the answer next to what it knows of itself.
//! Refused, it prints the status and exits 1.

use clap::Parser;
use identity_example::DEFAULT_ADDRESS;
use identity_example::pb::WhoAmIRequest;
use identity_example::pb::identity_client::IdentityClient;

/// Asks the server who it thinks is calling.
#[derive(Parser)]
struct Args {
    /// The server's address.
    #[arg(long, default_value = DEFAULT_ADDRESS)]
    connect: String,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match call().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("identity-client: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn call() -> Result<(), Box<dyn std::error::Error>> {
    let address = Args::parse().connect;
    let channel = piperpc::connect(address).await?;
    let caller = IdentityClient::new(channel)
        .who_am_i(WhoAmIRequest {})
        .await
        .map_err(|status| format!("{:?}: {}", status.code(), status.message()))?
        .into_inner();

    let mut seen = Vec::new();
    if let Some(pid) = caller.pid {
        seen.push(format!("pid {pid}"));
    }
    if let (Some(uid), Some(gid)) = (caller.uid, caller.gid) {
        seen.push(format!("uid {uid}, gid {gid}"));
    }
    if let Some(sid) = caller.sid {
        seen.push(format!("user {sid}"));
    }
    println!("the server sees me as: {}", seen.join(", "));
    println!("my own pid: {}", std::process::id());
    Ok(())
}
