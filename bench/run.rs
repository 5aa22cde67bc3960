//! One benchmark run: start the servers, measure each part, stop the
//! servers, then print the table and write the JSON and the charts.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::args::RunArgs;
use crate::machine::Machine;
use crate::placement::Placement;
use crate::plan::{Mode, Plan};
use crate::progress::Progress;
use crate::results::{Figure, Group, Report};
use crate::servers::Servers;
use crate::session::Session;
use crate::{charts, concurrency, connect, idle, json, memory, report, streaming, unary};

/// Runs the benchmark `args` asks for.
pub fn run(args: RunArgs) -> anyhow::Result<()> {
    let mode = match (args.smoke, args.quick) {
        (true, _) => Mode::Smoke,
        (false, true) => Mode::Quick,
        (false, false) => Mode::Full,
    };
    let plan = Plan::new(mode);
    let parts: Vec<Group> = Group::ALL
        .into_iter()
        .filter(|part| args.only.is_empty() || args.only.contains(part))
        .collect();
    let out = match args.out {
        Some(dir) => dir,
        None => default_out_dir()?,
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;

    let mut machine = Machine::describe();
    let warnings = machine.warnings(mode == Mode::Smoke);
    for warning in &warnings {
        eprintln!("piperpc-bench: {warning}");
    }
    eprintln!(
        "piperpc-bench: {} run on {}; results go to {}",
        mode.name(),
        machine.summary(),
        out.display()
    );

    let mut placement = Placement::plan(args.placement);
    let started = Instant::now();
    // Children and threads inherit the CPU set of the thread that starts
    // them: the servers' first, then the client's for the runtime.
    placement.enter_servers();
    if parts.contains(&Group::Memory) {
        // Room for the idle connections, inherited by the servers.
        idle::prepare(&plan)?;
    }
    let servers = Arc::new(Servers::start()?);
    placement.enter_client();
    eprintln!("piperpc-bench: placement {}", placement.summary());
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    // On a worker thread, as an application's calls would be: the thread
    // inside `block_on` is not one, and every wakeup across to it would
    // add to every figure.
    let measured = runtime.block_on(async {
        let task = tokio::spawn(measure(plan.clone(), parts, servers.clone()));
        task.await.context("the measuring task panicked")?
    });
    // Close every client connection before the servers are asked to stop.
    runtime.shutdown_timeout(Duration::from_secs(5));
    let stopped = Arc::into_inner(servers)
        .context("the servers are still in use")?
        .stop();
    let figures = measured?;
    stopped?;
    machine.finish();

    let report = Report {
        label: args.label,
        machine,
        plan,
        warnings,
        placement,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        figures,
    };
    print!("{}", report::text(&report));

    let json_path = out.join("results.json");
    json::write(&report, &json_path)?;
    let markdown_path = out.join("results.md");
    std::fs::write(&markdown_path, report::markdown(&report))
        .with_context(|| format!("writing {}", markdown_path.display()))?;
    let mut written = vec![json_path, markdown_path];
    written.extend(charts::write(&report, &out)?);
    println!();
    for path in written {
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Measures `parts` in run order against `servers`.
async fn measure(
    plan: Plan,
    parts: Vec<Group>,
    servers: Arc<Servers>,
) -> anyhow::Result<Vec<Figure>> {
    let steps = parts
        .iter()
        .map(|part| match part {
            Group::Memory => memory::steps(&plan),
            Group::Latency => unary::steps(&plan) + connect::steps(&plan),
            Group::Concurrency => concurrency::steps(&plan),
            Group::Throughput => streaming::steps(&plan),
        })
        .sum();
    let session = Session {
        plan,
        targets: servers.targets()?,
        progress: Progress::new(steps),
    };
    let mut figures = Vec::new();
    for part in parts {
        let measured = match part {
            Group::Memory => memory::measure(&session, &servers).await,
            Group::Latency => match unary::measure(&session).await {
                Ok(mut figures) => connect::measure(&session).await.map(|more| {
                    figures.extend(more);
                    figures
                }),
                Err(e) => Err(e),
            },
            Group::Concurrency => concurrency::measure(&session).await,
            Group::Throughput => streaming::measure(&session).await,
        };
        figures.extend(measured.with_context(|| format!("measuring {}", part.name()))?);
    }
    session.progress.finish();
    Ok(figures)
}

/// `bench/` beside the build's profile directory: `target/bench` for
/// `target/release/piperpc-bench`, wherever the target directory is.
pub fn default_out_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("locating the piperpc-bench executable")?;
    let profile_dir = exe.parent();
    let is_profile = profile_dir
        .and_then(|dir| dir.file_name())
        .is_some_and(|name| name == "release" || name == "debug");
    match profile_dir.and_then(|dir| dir.parent()) {
        Some(target) if is_profile => Ok(target.join("bench")),
        _ => Ok(PathBuf::from("target").join("bench")),
    }
}
