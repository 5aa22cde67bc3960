//! The command line of `piperpc-bench`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use piperpc::Address;

use crate::placement::Policy;
use crate::results::{Group, Subject};

/// How fast piperpc is: gRPC over a local pipe, against the same services
/// in plain tonic over the same kind of pipe and over TCP loopback, and
/// against the floor (the same bytes over the same kind of local socket,
/// no gRPC, async and blocking), side by side in one run. Prints a table;
/// writes JSON and SVG charts.
#[derive(Debug, Parser)]
#[command(
    name = "piperpc-bench",
    version,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub role: Option<Role>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// A benchmark run (the default).
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Under a minute: the same figures from fewer, shorter rounds.
    #[arg(long, conflicts_with = "smoke")]
    pub quick: bool,
    /// A few seconds: checks the tool works end to end (tests, Wine); the
    /// figures mean nothing.
    #[arg(long)]
    pub smoke: bool,
    /// Directory for results.json, results.md and the SVG charts
    /// [default: the target directory's bench/, e.g. target/bench].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Measure only these parts (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "PART")]
    pub only: Vec<Group>,
    /// A name for this run, kept in the results ("before tuning").
    #[arg(long, value_name = "TEXT")]
    pub label: Option<String>,
    /// Where the client and the servers run: `split` puts the client on
    /// the first half of the CPUs and the servers on the other half,
    /// `shared` puts all on one CPU, `os` lets the scheduler decide
    /// (pinning is Linux only).
    #[arg(long, value_enum, default_value = "split", value_name = "POLICY")]
    pub placement: Policy,
}

/// The servers the bench starts as child processes of itself.
#[derive(Debug, Subcommand)]
pub enum Role {
    /// Serves piperpc's demo services (the code of `piperpc serve`) until
    /// standard input closes.
    #[command(name = "grpc-server", hide = true)]
    Piperpc {
        /// Local address to serve on.
        #[arg(long, value_parser = parse_address)]
        listen: Address,
        /// Admits any peer (`piperpc serve --allow-any-peer`): needed to be
        /// called at all on TCP, whose peers the default policy refuses.
        #[arg(long)]
        allow_any_peer: bool,
    },
    /// Serves the same services with a plain tonic server on 127.0.0.1
    /// until standard input closes.
    #[command(name = "tcp-server", hide = true)]
    Tcp,
    /// Serves the same services with a plain tonic server on a local pipe
    /// until standard input closes.
    #[command(name = "tonic-local-server", hide = true)]
    TonicLocal {
        /// Unix socket path or pipe name.
        #[arg(long)]
        listen: String,
    },
    /// Serves the raw (tokio) echo until standard input closes.
    #[command(name = "raw-server", hide = true)]
    Raw {
        /// Unix socket path or pipe name.
        #[arg(long)]
        listen: String,
    },
    /// Serves Echo on h2 directly, with nothing between (the reference of
    /// `h2_bare`), until standard input closes.
    #[command(name = "h2-bare-server", hide = true)]
    H2BareServer {
        /// Unix socket path.
        #[arg(long)]
        listen: String,
    },
    /// Makes unary 64-byte Echo calls through an h2 connection directly,
    /// with nothing between (the reference of `h2_bare`).
    #[command(name = "h2-bare-calls", hide = true)]
    H2BareCalls {
        /// Unix socket path of a server.
        #[arg(long)]
        address: String,
        /// Calls to make.
        #[arg(long, default_value_t = 20000)]
        count: u64,
    },
    /// Makes a fixed number of calls to one server, for profiling.
    #[command(name = "calls", hide = true)]
    Calls {
        /// Which kind of server: piperpc, tonic-local, tcp, raw or floor.
        #[arg(long, value_enum)]
        subject: Subject,
        /// Where it listens, as the bench's servers announce it.
        #[arg(long)]
        address: String,
        /// What each call is (streams: calls of 1,000 messages; ping-pong:
        /// exchanges on one stream).
        #[arg(long, value_enum, default_value = "unary-64B", ignore_case = true)]
        workload: crate::cost::workload::Workload,
        /// Calls to make.
        #[arg(long, default_value_t = 20000)]
        count: u64,
        /// piperpc only: no HTTP/2 keepalive pings from the client.
        #[arg(long)]
        no_keepalive: bool,
        /// A new connection for every call, as the bench's "new connection
        /// + first call" figure makes them.
        #[arg(long)]
        connect_each: bool,
    },
    /// Hostile HTTP/2 clients against fresh servers, piperpc's and plain
    /// tonic's, on a Unix socket and on TCP loopback: the server's memory,
    /// CPU, the latency of a legitimate caller during each attack, and how
    /// the server answered (Linux only).
    #[command(name = "attacks")]
    Attacks(AttackArgs),
    /// `Server::spawn_calls` off (the default) against on: short calls
    /// next to a CPU-busy call on their connection and on another, and the
    /// unary figures with no busy call.
    #[command(name = "spawn-calls")]
    SpawnCalls(crate::spawn_calls::SpawnCallsArgs),
    /// Serves Echo for `spawn-calls`, with `spawn_calls` on or off, until
    /// standard input closes.
    #[command(name = "spawn-calls-server", hide = true)]
    SpawnCallsServer(crate::spawn_calls::server::ServerArgs),
    /// Instructions per call of each end, server and client, counted with
    /// valgrind's callgrind: piperpc against tonic UDS and the blocking
    /// floor, repeatable to a fraction of a percent (Linux only).
    #[command(name = "cost")]
    Cost(crate::cost::CostArgs),
    /// Serves the blocking floor until standard input closes.
    #[command(name = "floor-server", hide = true)]
    Floor {
        /// Unix socket path or pipe name.
        #[arg(long)]
        listen: String,
    },
}

/// `piperpc-bench attacks`: what to run.
#[derive(Debug, Args)]
pub struct AttackArgs {
    /// Under a minute (for CI): every attack on every server, shorter and
    /// with fewer connections. Checks the harness and that no server
    /// crashes; its figures are rough.
    #[arg(long)]
    pub quick: bool,
    /// Run only these attacks (comma-separated ids, as in the table).
    #[arg(long, value_delimiter = ',', value_name = "ATTACK")]
    pub only: Vec<String>,
    /// Run against only these servers (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "SERVER")]
    pub servers: Vec<crate::attacks::Target>,
    /// Directory for attacks.json and attacks.md [default: the target
    /// directory's bench/, e.g. target/bench].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A name for this run, kept in the results ("before the fix").
    #[arg(long, value_name = "TEXT")]
    pub label: Option<String>,
    /// Start piperpc's servers from this piperpc-bench executable (an
    /// older build, to measure before and after a change) rather than
    /// from this one. Its `grpc-server` must take the same arguments.
    #[arg(long, value_name = "PATH")]
    pub piperpc_exe: Option<PathBuf>,
}

fn parse_address(input: &str) -> Result<Address, String> {
    Address::parse(input).map_err(|e| e.to_string())
}
