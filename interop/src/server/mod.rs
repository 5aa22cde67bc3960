//! `piperpc-interop server`: grpc.testing.TestService on any piperpc
//! address, as the official interop servers serve it on a TCP port.
//!
//! `grpc.testing.UnimplementedService` is deliberately not served, as by the
//! official servers: piperpc's router answers its calls `UNIMPLEMENTED`.

mod service;
mod wire;

use clap::Args;
use piperpc::server::{Server, StopSignal};
use piperpc::{Address, PeerPolicy};
use tonic::codec::CompressionEncoding;

use crate::pb::test_service_server::TestServiceServer;
use service::Interop;
use wire::InteropWireLayer;

/// The server's flags: the official servers' (`--port`, `--use_tls`) and
/// piperpc's own (`--listen`).
#[derive(Args, Debug)]
pub struct ServerArgs {
    /// TCP port to serve on loopback (127.0.0.1 and [::1]), as the official
    /// servers' --port.
    #[arg(long, conflicts_with = "listen")]
    port: Option<u16>,
    /// Any piperpc address: a bare name, unix:PATH, unix-abstract:NAME,
    /// \\.\pipe\NAME, HOST:PORT (0.0.0.0:PORT for every interface).
    #[arg(long, required_unless_present = "port")]
    listen: Option<String>,
    /// TLS with grpc's test certificate (server1.pem) on TCP addresses.
    #[arg(long = "use_tls", default_value_t = false, num_args = 0..=1,
          default_missing_value = "true", value_parser = clap::builder::BoolishValueParser::new())]
    use_tls: bool,
    /// Also stop at the end of standard input (for supervisors that
    /// cannot send a signal, as under Wine).
    #[arg(long)]
    stop_on_stdin_eof: bool,
}

/// Serves until SIGTERM or Ctrl-C (or the end of stdin, if asked).
pub async fn run(args: ServerArgs) -> Result<(), Box<dyn std::error::Error>> {
    let addresses = match (&args.listen, args.port) {
        (Some(listen), _) => vec![Address::parse(listen)?],
        (None, Some(port)) => vec![
            Address::parse(&format!("127.0.0.1:{port}"))?,
            Address::parse(&format!("[::1]:{port}"))?,
        ],
        (None, None) => unreachable!("clap requires one"),
    };
    let tcp = addresses.iter().any(|address| !address.is_local());
    let service = TestServiceServer::new(Interop)
        .accept_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Deflate)
        .accept_compressed(CompressionEncoding::Zstd)
        // Only gzip out: the wire layer inflates the messages of a stream
        // that must not go out compressed, and it knows gzip.
        .send_compressed(CompressionEncoding::Gzip);
    let mut server = Server::builder();
    if tcp {
        // A test server, called by clients of any user or none (the
        // official clients over TCP): on TCP, piperpc's default refuses
        // every peer.
        server = server.peer_policy(PeerPolicy::any());
    }
    if args.use_tls {
        server = with_tls(server)?;
    }
    let server = server.layer(InteropWireLayer).add_service(service);
    let stop = StopSignal::install()?;
    let stop = if args.stop_on_stdin_eof {
        stop.or_stdin_closed()
    } else {
        stop
    };
    let bound = match server.clone().bind(addresses.clone()) {
        Ok(bound) => bound,
        // No IPv6 loopback here: IPv4 alone.
        Err(error) if args.port.is_some() => {
            eprintln!("piperpc-interop: [::1] not bound ({error}); serving 127.0.0.1 only");
            server.bind([addresses[0].clone()])?
        }
        Err(error) => return Err(error.into()),
    };
    if tcp {
        println!("admitting any peer on TCP: this is a test server");
    }
    bound.announce()?;
    bound.serve_with_shutdown(stop.stopped()).await?;
    Ok(())
}

#[cfg(feature = "tls")]
fn with_tls<L>(server: Server<L>) -> Result<Server<L>, Box<dyn std::error::Error>> {
    let tls =
        piperpc::tls::ServerTls::from_pem(crate::certs::SERVER_CERT, crate::certs::SERVER_KEY)?;
    Ok(server.tls(tls))
}

#[cfg(not(feature = "tls"))]
fn with_tls<L>(_: Server<L>) -> Result<Server<L>, Box<dyn std::error::Error>> {
    Err("--use_tls needs piperpc-interop built with the `tls` feature".into())
}
