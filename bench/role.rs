//! The servers the bench starts as child processes of itself.
//!
//! Re-executing its own binary in a hidden role means
//! `cargo run --release --bin piperpc-bench` works from a fresh clone: no
//! sibling `piperpc` binary has to be built first.
//!
//! - piperpc: not a copy of the server but the same
//!   `piperpc_demo::server::serve` that `piperpc serve` runs, with its defaults.
//! - TCP: the same services in a plain tonic server on tonic's own TCP
//!   listener, with tonic's defaults: what a user runs without piperpc. It
//!   does not go through `piperpc_demo::server::serve`, so whatever piperpc tunes
//!   for local links leaves this baseline where it is.
//! - tonic UDS / tonic pipe: [`crate::tonic_local`], the same services.
//! - raw: [`crate::raw::server`]; floor: [`crate::floor::server`].

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use piperpc::Address;
use piperpc_demo::proto::FILE_DESCRIPTOR_SET;
use piperpc_demo::proto::demo::{echo_server::EchoServer, key_value_server::KeyValueServer};
use piperpc_demo::server::ServeConfig;
use piperpc_demo::server::echo::EchoService;
use piperpc_demo::server::keyvalue::KeyValueService;
use piperpc_demo::server::store::Store;
use tonic::transport::Server;
use tonic::transport::server::Router;
use tonic::transport::server::TcpIncoming;

/// Serves piperpc's demo services on the local address `listen`, as
/// `piperpc serve --stop-on-stdin-eof` does, until standard input closes;
/// to any peer if `allow_any_peer` (`--allow-any-peer`, which TCP needs).
pub fn grpc_server(listen: Address, allow_any_peer: bool) -> anyhow::Result<()> {
    let mut config = ServeConfig::new(vec![listen]);
    if allow_any_peer {
        config.listener = config.listener.peer_policy(piperpc::PeerPolicy::any());
    }
    config.stop_on_stdin_eof = true;
    config.grace = Duration::from_secs(2);
    let runtime = tokio::runtime::Runtime::new()?;
    let served = runtime.block_on(piperpc_demo::server::serve(config));
    // The blocked read of stdin holds a runtime thread only exit ends.
    runtime.shutdown_background();
    served
}

/// Serves the same services on `127.0.0.1` (a port the OS picks) with a
/// plain tonic server, until standard input closes.
pub fn tcp_server() -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        // What `Server::serve(addr)` does, on a port the OS picks.
        let incoming = TcpIncoming::bind(([127, 0, 0, 1], 0).into())
            .map_err(|e| anyhow::anyhow!("binding 127.0.0.1:0: {e}"))?
            .with_nodelay(Some(true));
        let address = incoming.local_addr()?;
        let router = tonic_router()?;
        println!("listening on http://{address}");
        exit_on_stdin_eof();
        router
            .serve_with_incoming(incoming)
            .await
            .context("serving over TCP")
    })
}

/// The demo's services (plus health and reflection) in a plain tonic
/// server with tonic's defaults: the baselines serve this.
pub fn tonic_router() -> anyhow::Result<Router> {
    let (_reporter, health) = tonic_health::server::health_reporter();
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .build_v1()
        .context("building reflection")?;
    Ok(Server::builder()
        .add_service(EchoServer::new(EchoService))
        .add_service(KeyValueServer::new(KeyValueService::new(Arc::new(
            Store::default(),
        ))))
        .add_service(health)
        .add_service(reflection))
}

/// Ends the process when standard input closes: the parent's way of
/// stopping a server it started, on every OS.
pub fn exit_on_stdin_eof() {
    std::thread::spawn(|| {
        let mut sink = [0u8; 256];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        std::process::exit(0);
    });
}
