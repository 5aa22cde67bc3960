//! The `piperpc` binary: `serve` (process A), `call` (process B), `demo`
//! (both, end to end).

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use piperpc::client::{Stubs, call::CallCommand};
use piperpc::server::{ServeConfig, serve::DEFAULT_MAX_MESSAGE_SIZE};
use piperpc_transport::{Address, ChannelBuilder};

/// gRPC between processes on one machine, over local pipes.
#[derive(Debug, Parser)]
#[command(name = "piperpc", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Process A: serve Echo, KeyValue, health and reflection.
    Serve {
        /// Address to serve on; repeat to serve on several at once. A bare
        /// NAME, \\.\pipe\NAME, unix:PATH, unix-abstract:NAME or HOST:PORT.
        #[arg(long = "listen", value_name = "ADDR", default_value = "piperpc-demo", value_parser = parse_address)]
        listen: Vec<Address>,
        /// Seconds open calls may run on after a stop signal.
        #[arg(long, value_name = "SECS", default_value_t = 5.0)]
        grace: f64,
        /// Also stop when standard input closes (for supervisors).
        #[arg(long)]
        stop_on_stdin_eof: bool,
        /// Largest message accepted or sent, in bytes.
        #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_MESSAGE_SIZE)]
        max_message_size: usize,
        /// Do not serve gRPC server reflection.
        #[arg(long)]
        no_reflection: bool,
    },
    /// Process B: make one call and print the result.
    Call {
        /// The server's address.
        #[arg(long, value_name = "ADDR", default_value = "piperpc-demo", value_parser = parse_address)]
        connect: Address,
        /// Seconds to keep retrying a busy server.
        #[arg(long, value_name = "SECS", default_value_t = 5.0)]
        connect_timeout: f64,
        /// Deadline for the call, in seconds.
        #[arg(long, value_name = "SECS")]
        timeout: Option<f64>,
        /// Largest message accepted or sent, in bytes.
        #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_MESSAGE_SIZE)]
        max_message_size: usize,
        #[command(subcommand)]
        call: CallCommand,
    },
    /// Process A and process B, end to end: start a server, call every RPC
    /// kind, stop it.
    Demo,
}

fn parse_address(input: &str) -> Result<Address, String> {
    Address::parse(input).map_err(|e| e.to_string())
}

fn seconds(value: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| anyhow::anyhow!("--{flag} must be a non-negative number of seconds"))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match cli.command {
        Command::Serve { .. } => "info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .init();

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(run(cli.command)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    };
    // A blocked read of stdin (`--stop-on-stdin-eof`) holds a runtime thread
    // that only process exit ends; don't wait for it.
    runtime.shutdown_background();
    code
}

async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve {
            listen,
            grace,
            stop_on_stdin_eof,
            max_message_size,
            no_reflection,
        } => {
            let config = ServeConfig {
                reflection: !no_reflection,
                listen,
                grace: seconds(grace, "grace")?,
                stop_on_stdin_eof,
                max_message_size,
            };
            piperpc::server::serve(config).await?;
        }
        Command::Call {
            connect,
            connect_timeout,
            timeout,
            max_message_size,
            call,
        } => {
            let mut builder = ChannelBuilder::new(connect)
                .connect_timeout(seconds(connect_timeout, "connect-timeout")?);
            if let Some(timeout) = timeout {
                builder = builder.timeout(seconds(timeout, "timeout")?);
            }
            let mut stubs = Stubs::new(builder.connect().await?, max_message_size);
            if let Err(status) = piperpc::client::call::run(&mut stubs, call).await {
                // As grpcurl: 64 + the gRPC status code.
                eprintln!("error: {:?}: {}", status.code(), status.message());
                return Ok(ExitCode::from(64 + status.code() as u8));
            }
        }
        Command::Demo => piperpc::client::demo::run().await?,
    }
    Ok(ExitCode::SUCCESS)
}
