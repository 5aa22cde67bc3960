//! The command line of `piperpc`.

use clap::{Args, Parser, Subcommand};
use piperpc::Address;
use piperpc_demo::client::call::CallCommand;
use piperpc_demo::server::serve::DEFAULT_MAX_MESSAGE_SIZE;

use crate::access::{CallerAccess, ServerCheck};
use crate::tls::{CallTls, ServeTls};

/// gRPC between processes on one machine, over local pipes.
#[derive(Debug, Parser)]
#[command(name = "piperpc", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Process A: serve Echo, KeyValue, health and reflection.
    Serve(ServeArgs),
    /// Process B: make one call and print the result.
    Call(CallArgs),
    /// Process A and process B, end to end: start a server, call every RPC
    /// kind, stop it.
    Demo,
    /// Many connections of mixed calls, every answer checked; exits 1 on
    /// any error.
    Load(LoadArgs),
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The server's address.
    #[arg(long, value_name = "ADDR", default_value = "piperpc-demo", value_parser = parse_address)]
    pub connect: Address,
    /// Connections to open at once.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Calls per connection.
    #[arg(long, default_value_t = 200)]
    pub calls: usize,
    /// TCP: plaintext HTTP/2, which `load` needs there (it has no TLS
    /// flags; TCP is TLS unless told otherwise, as in `call`).
    #[arg(long)]
    pub plaintext: bool,
    /// Prefix of the keys this run writes.
    #[arg(long, default_value = "load")]
    pub key_prefix: String,
    /// Seconds each connect may take, waiting for a busy server and for
    /// its answer to the HTTP/2 handshake.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub connect_timeout: f64,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to serve on; repeat to serve on several at once. A bare
    /// NAME, \\.\pipe\NAME, unix:PATH, unix-abstract:NAME or HOST:PORT.
    /// Default: piperpc-demo, unless started with sockets to serve
    /// (systemd socket activation: LISTEN_PID and LISTEN_FDS), which are
    /// served beside any --listen address under the same peer policy.
    #[arg(long = "listen", value_name = "ADDR", value_parser = parse_address)]
    pub listen: Vec<Address>,
    /// Seconds open calls may run on after a stop signal.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub grace: f64,
    /// Also stop when standard input closes (for supervisors).
    #[arg(long)]
    pub stop_on_stdin_eof: bool,
    /// Largest message accepted or sent, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_MESSAGE_SIZE)]
    pub max_message_size: usize,
    /// Do not serve gRPC server reflection.
    #[arg(long)]
    pub no_reflection: bool,
    /// At most this many connections at once, per address; further clients
    /// wait (up to their connect timeout) for a free slot.
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Seconds a new connection may take to send its first bytes before it
    /// is closed; 0 waits forever.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub handshake_timeout: f64,
    /// Seconds between HTTP/2 pings to each client; a client that does not
    /// answer within --keepalive-timeout is disconnected (it is gone, or is
    /// stalling the connection on purpose). 0 turns pings off.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub keepalive: f64,
    /// Seconds a client has to answer a ping.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub keepalive_timeout: f64,
    #[command(flatten)]
    pub access: CallerAccess,
    #[command(flatten)]
    pub tls: ServeTls,
}

#[derive(Debug, Args)]
pub struct CallArgs {
    /// The server's address.
    #[arg(long, value_name = "ADDR", default_value = "piperpc-demo", value_parser = parse_address)]
    pub connect: Address,
    /// Seconds connecting may take: retrying a busy server, and waiting for
    /// its answer to the HTTP/2 handshake (a hung server fails here).
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub connect_timeout: f64,
    /// Seconds of silence from the server before an HTTP/2 ping; a server
    /// that does not answer within --keepalive-timeout is given up on (the
    /// call fails with UNAVAILABLE). 0 turns pings off. Default: 30 on local
    /// pipes and sockets, off over TCP.
    #[arg(long, value_name = "SECS")]
    pub keepalive: Option<f64>,
    /// Seconds the server has to answer a ping.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub keepalive_timeout: f64,
    /// Deadline for the call, in seconds.
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Largest message accepted or sent, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_MESSAGE_SIZE)]
    pub max_message_size: usize,
    #[command(flatten)]
    pub server_check: ServerCheck,
    #[command(flatten)]
    pub tls: CallTls,
    #[command(subcommand)]
    pub call: CallCommand,
}

fn parse_address(input: &str) -> Result<Address, String> {
    Address::parse(input).map_err(|e| e.to_string())
}
