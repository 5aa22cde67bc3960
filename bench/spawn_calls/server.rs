//! The server of `piperpc-bench spawn-calls`: the demo's Echo service in a
//! `piperpc::Server` with `spawn_calls` on or off, and a way to make one
//! call of it CPU-heavy.
//!
//! Its own role rather than the bench's `grpc-server` (the demo's
//! `piperpc serve`): the demo has no method that burns CPU, and its
//! configuration does not expose `spawn_calls`. Everything else is
//! `Server::builder()`'s defaults, as the demo's server has them (same-user
//! peers, keepalive, grace, 4 MiB messages), so the unary figures of the
//! two modes are the library's own.
//!
//! A call carrying the metadata `bench-spin-ms: N` spins for N ms inside
//! its handler's future: the CPU-heavy handler whose neighbours the mode
//! is about. `bench-spin-in` says how ([`Busy`]): in the future itself,
//! without awaiting (a handler that just computes), inside
//! `tokio::task::block_in_place`, or in `tokio::task::spawn_blocking`,
//! awaited. The spin is in the future, not in `Service::call`, because
//! hyper calls the service from the connection's task whatever the mode;
//! only the future goes where the executor puts it.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use piperpc::{Address, Server};
use piperpc_demo::proto::demo::echo_server::EchoServer;
use piperpc_demo::server::echo::EchoService;
use tonic::body::Body;
use tonic::server::NamedService;
use tower::Service;

/// The metadata key asking the server to spin before answering.
pub const SPIN_HEADER: &str = "bench-spin-ms";

/// The metadata key saying how to spin ([`Busy::key`]; inline without).
pub const SPIN_IN_HEADER: &str = "bench-spin-in";

/// How a busy handler burns its CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Busy {
    /// In the handler's future, never awaiting: what the mode is about.
    Inline,
    /// Inside `tokio::task::block_in_place`: the worker hands its other
    /// work to another thread first, but the task it runs in stays busy.
    BlockInPlace,
    /// In `tokio::task::spawn_blocking`, awaited: off the runtime's
    /// workers, as tokio's docs advise.
    SpawnBlocking,
}

impl Busy {
    /// Every way, in the order of the figures.
    pub const ALL: [Busy; 3] = [Busy::Inline, Busy::BlockInPlace, Busy::SpawnBlocking];

    /// Its name, in the metadata and the figures.
    pub fn key(self) -> &'static str {
        match self {
            Busy::Inline => "inline",
            Busy::BlockInPlace => "block_in_place",
            Busy::SpawnBlocking => "spawn_blocking",
        }
    }

    fn parse(key: Option<&str>) -> Busy {
        Busy::ALL
            .into_iter()
            .find(|busy| Some(busy.key()) == key)
            .unwrap_or(Busy::Inline)
    }
}

/// The longest spin the server does, whatever is asked.
const MAX_SPIN: Duration = Duration::from_secs(2);

/// `piperpc-bench spawn-calls-server`: what to serve.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Local address to serve on.
    #[arg(long, value_parser = parse_address)]
    pub listen: Address,
    /// `Server::spawn_calls(true)`: every call in a task of its own.
    #[arg(long)]
    pub spawn_calls: bool,
}

fn parse_address(input: &str) -> Result<Address, String> {
    Address::parse(input).map_err(|e| e.to_string())
}

/// Serves Echo on `args.listen` until standard input closes.
pub fn serve(args: ServerArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let bound = Server::builder()
            .spawn_calls(args.spawn_calls)
            .add_service(Spinning(EchoServer::new(EchoService)))
            .bind([&args.listen])
            .context("cannot serve")?;
        bound.announce()?;
        crate::role::exit_on_stdin_eof();
        bound.serve().await.context("serving")
    })
}

/// A service that spins first when the call asks it to.
#[derive(Clone, Debug)]
struct Spinning<S>(S);

impl<S: NamedService> NamedService for Spinning<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> Service<http::Request<Body>> for Spinning<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let spin = request
            .headers()
            .get(SPIN_HEADER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse().ok())
            .map(|ms| Duration::from_millis(ms).min(MAX_SPIN));
        let how = Busy::parse(
            request
                .headers()
                .get(SPIN_IN_HEADER)
                .and_then(|value| value.to_str().ok()),
        );
        let answer = self.0.call(request);
        Box::pin(async move {
            match (spin, how) {
                (None, _) => {}
                (Some(spin), Busy::Inline) => spin_for(spin),
                (Some(spin), Busy::BlockInPlace) => {
                    tokio::task::block_in_place(|| spin_for(spin));
                }
                (Some(spin), Busy::SpawnBlocking) => {
                    let _ = tokio::task::spawn_blocking(move || spin_for(spin)).await;
                }
            }
            answer.await
        })
    }
}

/// Burns a CPU for `length`, never yielding: a handler computing.
fn spin_for(length: Duration) {
    let start = Instant::now();
    while start.elapsed() < length {
        std::hint::spin_loop();
    }
}
