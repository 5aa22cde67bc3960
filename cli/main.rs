//! The `piperpc` binary: `serve` (process A), `call` (process B), `demo`
//! (both, end to end).

mod access;
mod args;
mod inherited;
mod tls;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use piperpc::ChannelBuilder;
use piperpc_demo::client::Stubs;
use piperpc_demo::server::ServeConfig;

use args::{CallArgs, Cli, Command, LoadArgs, ServeArgs};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match cli.command {
        Command::Serve(_) => "info",
        _ => "warn",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();

    // Sockets a service manager passed are taken before any thread starts,
    // so their variables can be removed safely (children do not inherit
    // them).
    let inherited = match &cli.command {
        Command::Serve(_) => match inherited::take() {
            Ok(sockets) => sockets,
            Err(error) => {
                eprintln!("error: {error:#}");
                return ExitCode::FAILURE;
            }
        },
        _ => inherited::Sockets::default(),
    };

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(run(cli.command, inherited)) {
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

async fn run(command: Command, inherited: inherited::Sockets) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(args) => serve(args, inherited).await?,
        Command::Call(args) => return call(args).await,
        Command::Demo => piperpc_demo::client::demo::run().await?,
        Command::Load(args) => return load(args).await,
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: ServeArgs, inherited: inherited::Sockets) -> anyhow::Result<()> {
    let mut listen = args.listen;
    if listen.is_empty() && inherited.is_empty() {
        listen.push(piperpc::Address::parse("piperpc-demo")?);
    }
    // Inherited TCP sockets meet the same checks as --listen addresses.
    let every_address: Vec<_> = listen
        .iter()
        .cloned()
        .chain(inherited.addresses())
        .collect();
    tls::check_tcp(
        &every_address,
        &args.tls,
        args.access.any_peer(),
        args.access.allows_sans(),
    )?;
    let listener = args.tls.apply(args.access.listener_options())?;
    let mut listener = listener.handshake_timeout(
        Some(seconds(args.handshake_timeout, "handshake-timeout")?).filter(|t| !t.is_zero()),
    );
    if let Some(limit) = args.max_connections {
        listener = listener.max_connections(limit);
    }
    let config = ServeConfig {
        listener,
        listen,
        grace: seconds(args.grace, "grace")?,
        stop_on_stdin_eof: args.stop_on_stdin_eof,
        max_message_size: args.max_message_size,
        reflection: !args.no_reflection,
        keepalive: Some(seconds(args.keepalive, "keepalive")?).filter(|t| !t.is_zero()),
        keepalive_timeout: seconds(args.keepalive_timeout, "keepalive-timeout")?,
    };
    inherited.serve(config).await
}

async fn call(args: CallArgs) -> anyhow::Result<ExitCode> {
    let builder = args
        .tls
        .apply(ChannelBuilder::new(&args.connect)?, &args.connect)?;
    let mut builder = builder
        .connect_timeout(seconds(args.connect_timeout, "connect-timeout")?)
        .keepalive_timeout(seconds(args.keepalive_timeout, "keepalive-timeout")?);
    if let Some(keepalive) = args.keepalive {
        builder =
            builder.keepalive(Some(seconds(keepalive, "keepalive")?).filter(|t| !t.is_zero()));
    }
    if let Some(timeout) = args.timeout {
        builder = builder.timeout(seconds(timeout, "timeout")?);
    }
    if let Some(identity) = args.server_check.identity() {
        builder = builder.verify_server(identity);
    }
    let mut stubs = Stubs::new(builder.connect().await?, args.max_message_size);
    if let Err(status) = piperpc_demo::client::call::run(&mut stubs, args.call).await {
        // As grpcurl: 64 + the gRPC status code.
        eprintln!("error: {:?}: {}", status.code(), status.message());
        return Ok(ExitCode::from(64 + status.code() as u8));
    }
    Ok(ExitCode::SUCCESS)
}

async fn load(args: LoadArgs) -> anyhow::Result<ExitCode> {
    if !args.connect.is_local() && !args.plaintext {
        anyhow::bail!(
            "load has no TLS flags: pass --plaintext to load {} over plaintext TCP",
            args.connect
        );
    }
    let plan = piperpc_demo::client::load::LoadPlan {
        address: args.connect,
        connections: args.connections,
        calls: args.calls,
        key_prefix: args.key_prefix,
        connect_timeout: seconds(args.connect_timeout, "connect-timeout")?,
    };
    let report = piperpc_demo::client::load::run(plan).await?;
    println!(
        "ok={} errors={} writes={} verified={} seconds={:.2}",
        report.ok,
        report.errors,
        report.writes,
        report.verified,
        report.elapsed.as_secs_f64()
    );
    let clean = report.errors == 0 && report.verified == report.writes;
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn seconds(value: f64, flag: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|_| anyhow::anyhow!("--{flag} must be a non-negative number of seconds"))
}
