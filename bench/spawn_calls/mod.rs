//! `piperpc-bench spawn-calls`: what `Server::spawn_calls` costs and what
//! it saves, measured in one run, so its default is chosen from figures
//! (issue 21, item 10).
//!
//! By default a connection's calls run in its own task: a call crosses no
//! threads, which is fastest for short calls, but a handler that computes
//! without awaiting holds up every other call of its connection. With
//! `spawn_calls(true)` each call runs in a task of its own, at the cost of
//! a hand-off per call. Two servers, one per mode, each a process of its
//! own ([`server`]), are measured from this process, the modes taking
//! turns so drift of the machine weighs on both alike:
//!
//! - next to a busy call ([`stall`]): short calls on the busy call's
//!   connection and on a second one, while a call spins in its handler:
//!   without awaiting (the case the mode is about), inside
//!   `block_in_place`, and in `spawn_blocking` (what tokio advises), so
//!   the figures also say which remedy works in which mode;
//! - with no busy call: the bench's unary measurement (one 64 B call after
//!   another on one connection, [`crate::unary::batch`]): p50, p99, and
//!   calls/s.
//!
//! Unpinned by default (`--placement os`), unlike the main run: the point
//! is a server's runtime with a worker per core, as applications run
//! them; pinned to one CPU a server has one worker, and no mode can run a
//! second call beside a spinning one.

pub mod server;
mod stall;

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use piperpc::{Address, ChannelBuilder};
use piperpc_demo::proto::demo::echo_client::EchoClient;

use crate::client::Conn;
use crate::grpc::Grpc;
use crate::machine::Machine;
use crate::placement::{Placement, Policy};
use crate::servers::{RunDir, ServerProcess};
use crate::stats::{median, percentile, sort};
use server::Busy;
use stall::{PROBE_SIZE, Pair, Stalls};

/// `piperpc-bench spawn-calls`: what to run.
#[derive(Debug, Args)]
pub struct SpawnCallsArgs {
    /// A few seconds (for CI): the same figures from a few short cycles
    /// and rounds; rough.
    #[arg(long)]
    pub quick: bool,
    /// How long the busy call spins, in ms [default: 100; 50 with
    /// --quick].
    #[arg(long, value_name = "MS")]
    pub busy_ms: Option<u64>,
    /// Where the client and the servers run (as the main run's
    /// `--placement`); `os` by default here, so each server has a worker
    /// per core.
    #[arg(long, value_enum, default_value = "os", value_name = "POLICY")]
    pub placement: Policy,
}

/// How much one run measures.
#[derive(Clone, Debug)]
struct Plan {
    /// How long the busy call spins.
    busy: Duration,
    /// Time between two probes while it does.
    interval: Duration,
    /// Busy calls per mode and way of spinning.
    cycles: usize,
    /// Unary rounds per mode.
    rounds: usize,
    /// The length of one unary round.
    batch: Duration,
    /// Unmeasured calls before the first round, per mode.
    warmup: Duration,
}

impl Plan {
    fn new(args: &SpawnCallsArgs) -> Plan {
        let plan = if args.quick {
            Plan {
                busy: Duration::from_millis(50),
                interval: Duration::from_millis(2),
                cycles: 3,
                rounds: 3,
                batch: Duration::from_millis(200),
                warmup: Duration::from_millis(100),
            }
        } else {
            Plan {
                busy: Duration::from_millis(100),
                interval: Duration::from_millis(2),
                cycles: 20,
                rounds: 9,
                batch: Duration::from_millis(1000),
                warmup: Duration::from_millis(500),
            }
        };
        Plan {
            busy: args.busy_ms.map_or(plan.busy, Duration::from_millis),
            ..plan
        }
    }
}

/// The two modes, in the order the figures list them.
const MODES: [(&str, bool); 2] = [("off", false), ("on", true)];

/// What one mode measured.
#[derive(Debug, Default)]
struct Figures {
    /// Next to a busy call, one per [`Busy::ALL`].
    stalls: [Stalls; 3],
    /// Every unary call's latency, µs, sorted at the end.
    unary: Vec<f64>,
    /// Each unary round's p50, µs.
    round_p50: Vec<f64>,
    /// Each unary round's calls/s.
    round_rates: Vec<f64>,
}

/// Runs `piperpc-bench spawn-calls`.
pub fn run(args: SpawnCallsArgs) -> anyhow::Result<()> {
    let plan = Plan::new(&args);
    let mut machine = Machine::describe();
    for warning in machine.warnings(false) {
        eprintln!("piperpc-bench: {warning}");
    }
    let mut placement = Placement::plan(args.placement);
    placement.enter_servers();
    // What the servers' runtimes get: a worker per CPU they may use.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let dir = RunDir::create()?;
    let mut servers = Vec::with_capacity(MODES.len());
    for (name, on) in MODES {
        let address = dir.address(&format!("spawn-calls-{name}"), true);
        let mut argv = vec!["spawn-calls-server", "--listen", &address];
        if on {
            argv.push("--spawn-calls");
        }
        servers.push(ServerProcess::start(
            if on {
                "spawn_calls(true)"
            } else {
                "spawn_calls(false)"
            },
            &argv,
        )?);
    }
    placement.enter_client();
    eprintln!(
        "piperpc-bench: spawn-calls on {}; placement {}; {workers} server worker thread(s)",
        machine.summary(),
        placement.summary()
    );

    let addresses = servers
        .iter()
        .map(|server| Address::parse(&server.address))
        .collect::<Result<Vec<_>, _>>()?;
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    // On a worker thread, as an application's calls would be.
    let measured = runtime.block_on(async {
        let task = tokio::spawn(measure(plan.clone(), addresses));
        task.await.context("the measuring task panicked")?
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
    // Every server is stopped; the first failure is the run's.
    let stops: Vec<anyhow::Result<()>> = servers.into_iter().map(ServerProcess::stop).collect();
    let stopped: anyhow::Result<()> = stops.into_iter().collect();
    let figures = measured?;
    stopped?;
    machine.finish();
    print!("{}", report(&plan, &machine, &placement, workers, &figures));
    Ok(())
}

/// Measures both modes, taking turns.
async fn measure(plan: Plan, addresses: Vec<Address>) -> anyhow::Result<Vec<Figures>> {
    let mut pairs = Vec::new();
    let mut conns = Vec::new();
    for address in &addresses {
        let connect = || async {
            ChannelBuilder::new(address)?
                .connect()
                .await
                .with_context(|| format!("connecting to {address}"))
        };
        pairs.push(Pair {
            same: EchoClient::new(connect().await?),
            other: EchoClient::new(connect().await?),
        });
        conns.push(Conn::Piperpc(Grpc::new(connect().await?)));
    }
    let mut figures: Vec<Figures> = MODES.iter().map(|_| Figures::default()).collect();

    // Warm-up: unmeasured calls and one unmeasured busy cycle each.
    for (pair, conn) in pairs.iter().zip(&mut conns) {
        crate::unary::batch(conn, PROBE_SIZE, plan.warmup).await?;
        for how in Busy::ALL {
            stall::cycle(pair, plan.busy, how, plan.interval, &mut Stalls::default()).await?;
        }
    }

    for round in 0..plan.rounds {
        for mode in turns(round) {
            let (times, rate) =
                crate::unary::batch(&mut conns[mode], PROBE_SIZE, plan.batch).await?;
            let figures = &mut figures[mode];
            figures
                .round_p50
                .push(percentile(&times, 50.0).unwrap_or(f64::NAN));
            figures.round_rates.push(rate);
            figures.unary.extend(times);
        }
    }
    for cycle in 0..plan.cycles {
        for (kind, how) in Busy::ALL.into_iter().enumerate() {
            for mode in turns(cycle + kind) {
                stall::cycle(
                    &pairs[mode],
                    plan.busy,
                    how,
                    plan.interval,
                    &mut figures[mode].stalls[kind],
                )
                .await?;
                // The servers settle between busy calls.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    for figures in &mut figures {
        sort(&mut figures.unary);
        for stalls in &mut figures.stalls {
            sort(&mut stalls.same);
            sort(&mut stalls.other);
            sort(&mut stalls.busy);
        }
    }
    Ok(figures)
}

/// The modes' order in turn `turn`: each goes first every other turn.
fn turns(turn: usize) -> [usize; 2] {
    if turn.is_multiple_of(2) {
        [0, 1]
    } else {
        [1, 0]
    }
}

/// The figures as a table, with each mode's value and on/off.
fn report(
    plan: &Plan,
    machine: &Machine,
    placement: &Placement,
    workers: usize,
    figures: &[Figures],
) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(
        "piperpc-bench spawn-calls: Server::spawn_calls(false) (the default) against spawn_calls(true)"
            .to_string(),
    );
    line(format!(
        "{}; {} build; load {} before, {} after",
        machine.summary(),
        machine.profile,
        machine.load_before.as_deref().unwrap_or("?"),
        machine.load_after.as_deref().unwrap_or("?"),
    ));
    line(format!(
        "placement {}; each server's runtime: {workers} worker thread(s)",
        placement.summary()
    ));
    line(String::new());

    let (off, on) = (&figures[0], &figures[1]);
    let header = |title: &str| format!("{title:<40} {:>12} {:>12} {:>8}", "off", "on", "on/off");
    let row = |label: &str, off: Option<f64>, on: Option<f64>, time: bool| {
        let show = |value: Option<f64>| match value {
            Some(v) if time => time_text(v),
            Some(v) => format!("{v:.0}"),
            None => "n/a".to_string(),
        };
        let ratio = match (off, on) {
            (Some(off), Some(on)) if off > 0.0 => format!("{:.2}x", on / off),
            _ => "n/a".to_string(),
        };
        format!("{label:<40} {:>12} {:>12} {ratio:>8}", show(off), show(on))
    };
    let p = |sorted: &[f64], q| percentile(sorted, q);

    line(format!(
        "Next to a busy call: a call spinning {} ms in its handler, {} times per mode and way;",
        plan.busy.as_millis(),
        plan.cycles
    ));
    line(format!(
        "meanwhile a {PROBE_SIZE} B call every {} ms on its connection and on a second one:",
        plan.interval.as_millis(),
    ));
    for (kind, how) in Busy::ALL.into_iter().enumerate() {
        let (off, on) = (&off.stalls[kind], &on.stalls[kind]);
        line(header(&format!(
            "spinning {} ({} calls each)",
            how.key(),
            off.same.len()
        )));
        for (label, off, on) in [
            ("same connection", &off.same, &on.same),
            ("second connection", &off.other, &on.other),
        ] {
            for (q, name) in [(50.0, "p50"), (99.0, "p99"), (100.0, "max")] {
                line(row(
                    &format!("  {label}, {name}"),
                    p(off, q),
                    p(on, q),
                    true,
                ));
            }
        }
        line(row(
            "  the busy call itself, p50",
            p(&off.busy, 50.0),
            p(&on.busy, 50.0),
            true,
        ));
    }
    line(String::new());

    line(format!(
        "No busy call: unary {PROBE_SIZE} B, one call after another on one connection, {} rounds of {} ms per mode:",
        plan.rounds,
        plan.batch.as_millis()
    ));
    line(header(""));
    for (q, name) in [(50.0, "p50"), (99.0, "p99")] {
        line(row(
            &format!("  {name} (all rounds' calls)"),
            p(&off.unary, q),
            p(&on.unary, q),
            true,
        ));
    }
    line(row(
        "  p50, median of the rounds",
        median(&off.round_p50),
        median(&on.round_p50),
        true,
    ));
    line(row(
        "  calls/s, median of the rounds",
        median(&off.round_rates),
        median(&on.round_rates),
        false,
    ));
    for (name, figures) in MODES.iter().map(|m| m.0).zip(figures) {
        let p50s: Vec<String> = figures
            .round_p50
            .iter()
            .map(|v| format!("{v:.1}"))
            .collect();
        line(format!("  rounds' p50 (µs), {name}: {}", p50s.join(" ")));
    }
    out
}

/// `57.5 µs`, `49.8 ms`.
fn time_text(micros: f64) -> String {
    if micros >= 1000.0 {
        format!("{:.1} ms", micros / 1000.0)
    } else {
        format!("{micros:.1} µs")
    }
}
