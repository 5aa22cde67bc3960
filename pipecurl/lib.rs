//! `pipecurl`: grpcurl for every address piperpc knows, and a test harness
//! built on the same engine.
//!
//! People poke at gRPC servers with grpcurl: list the services, describe a
//! message, call a method with JSON, watch a stream. grpcurl cannot reach a
//! Windows named pipe; pipecurl reaches named pipes, `unix:` and
//! `unix-abstract:` sockets and TCP alike, through the same address parser
//! and connector as every piperpc client. It keeps grpcurl's verbs, flags,
//! output and exit statuses, so whoever knows one knows the other. It works
//! against any gRPC server that offers reflection (or given its `.proto`
//! files), not only piperpc's.
//!
//! The library offers two things: [`harness`], for cargo tests of a server
//! (start it on a fresh address, call it with JSON through reflection,
//! check statuses and trailers, stop it and see it exit cleanly), and
//! [`run_command_line`], the whole `pipecurl` binary.
//!
//! Other crates' types in this API, whose major versions are part of its
//! contract: `serde_json` 1 (`Value`, the messages of a call and a reply)
//! and `tonic` 0.14 (`Code` and `MetadataMap` in a reply); an error's
//! source may be a `piperpc::Error`.
//!
//! # Layout
//!
//! - [`harness`]: the test harness (public).
//! - `args`: the command line, checked into options.
//! - `run`: what each verb does.
//! - `schema`: descriptors from server reflection, `.proto` files or
//!   protosets.
//! - `describe`: `.proto`-like text for `describe`; `template`: the
//!   JSON template of `--msg-template`.
//! - `input`: request messages parsed from `-d` as they arrive.
//! - `invoke`: one call of any RPC kind; `codec` carries its dynamic
//!   messages.
//! - `output`: responses as proto3 JSON or text, and `-v` sections;
//!   `metadata`: `-H` and metadata printing.
//! - `failure`: errors and grpcurl's exit statuses; `timings`: what
//!   `-vv` reports.
//! - `main.rs`: the binary, which only calls [`run_command_line`].

// docs.rs (`--cfg docsrs`, Cargo.toml): each item behind a feature or a
// platform says so ("Available on crate feature `tls` only").
#![cfg_attr(docsrs, feature(doc_cfg))]
// Every public item is documented, and nothing is `pub` that users cannot
// reach (`pub(crate)` says what is internal).
#![warn(missing_docs)]
#![warn(unreachable_pub)]

mod args;
mod codec;
mod describe;
mod failure;
pub mod harness;
mod input;
mod invoke;
mod metadata;
mod output;
mod run;
mod schema;
mod template;
mod timings;

use std::process::ExitCode;

use args::Parsed;

/// Runs pipecurl on `args` (the program name first, as
/// [`std::env::args_os`] gives them), printing to standard output and
/// error, and returns grpcurl's exit status for the outcome.
pub fn run_command_line(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let options = match args::parse(args) {
        Ok(Parsed::Run(options)) => options,
        Ok(Parsed::Info(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(failure) => return fail(&failure),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("Failed to start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run::run(*options));
    // The input thread may still be blocked reading stdin, and tonic may
    // hold connection tasks; neither may delay the exit.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => fail(&failure),
    }
}

fn fail(failure: &failure::Failure) -> ExitCode {
    if let failure::Failure::Output(error) = failure
        && error.kind() == std::io::ErrorKind::BrokenPipe
    {
        // The reader went away (`pipecurl ... | head`): nothing to report.
        return ExitCode::SUCCESS;
    }
    eprintln!("{failure}");
    ExitCode::from(failure.exit_code())
}
