//! One `piperpc-bench attacks` run: every attack against every server,
//! each on a fresh server process, then the table, the Markdown and the
//! JSON.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use tokio::sync::watch;

use super::catalogue::{self, Attack, Ctx};
use super::legit::Legit;
use super::plan::Plan;
use super::probe::{self, Window};
use super::report::{self, Row};
use super::subject::{Running, Target};
use crate::args::AttackArgs;
use crate::machine::Machine;
use crate::servers::RunDir;

/// Runs the attacks `args` asks for and reports them. Fails if the
/// harness breaks or a server crashes; never because of a figure.
pub fn run(args: AttackArgs) -> anyhow::Result<()> {
    let plan = if args.quick {
        Plan::quick()
    } else {
        Plan::full()
    };
    let attacks = catalogue::select(&args.only)?;
    let targets = if args.servers.is_empty() {
        Target::ALL.to_vec()
    } else {
        Target::ALL
            .into_iter()
            .filter(|target| args.servers.contains(target))
            .collect()
    };
    let out = match args.out {
        Some(dir) => dir,
        None => crate::run::default_out_dir()?,
    };
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;

    let mut machine = Machine::describe();
    let warnings = machine.warnings(false);
    for warning in &warnings {
        eprintln!("piperpc-bench: {warning}");
    }
    eprintln!(
        "piperpc-bench: {} attack run, {} attacks × {} servers, {:?} each, on {}",
        plan.mode,
        attacks.len(),
        targets.len(),
        plan.duration,
        machine.summary()
    );

    let piperpc_exe = match args.piperpc_exe {
        Some(exe) => exe,
        None => std::env::current_exe().context("locating the piperpc-bench executable")?,
    };
    let runtime = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let dir = RunDir::create()?;
    let started = Instant::now();
    let mut rows = Vec::new();
    for attack in &attacks {
        for &target in &targets {
            let tag = format!("{}-{}", rows.len(), target.key());
            let row = measure(&runtime, attack, target, &plan, &dir, &tag, &piperpc_exe)
                .with_context(|| format!("{} against {target:?}", attack.id))?;
            eprintln!("piperpc-bench: {}", report::progress_line(&row));
            rows.push(row);
        }
    }
    drop(runtime);
    machine.finish();

    let report = report::Report {
        label: args.label,
        machine,
        plan,
        warnings,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        rows,
    };
    print!("{}", report::text(&report));
    let json_path = out.join("attacks.json");
    report::write_json(&report, &json_path)?;
    let markdown_path = out.join("attacks.md");
    std::fs::write(&markdown_path, report::markdown(&report))
        .with_context(|| format!("writing {}", markdown_path.display()))?;
    println!();
    println!("wrote {}", json_path.display());
    println!("wrote {}", markdown_path.display());

    let crashed: Vec<String> = report
        .rows
        .iter()
        .filter_map(|row| {
            row.crashed
                .as_ref()
                .map(|why| format!("{} on {:?}: {why}", row.attack, row.target))
        })
        .collect();
    anyhow::ensure!(
        crashed.is_empty(),
        "servers crashed under attack:\n  {}",
        crashed.join("\n  ")
    );
    Ok(())
}

/// One attack against a fresh server of `target`'s.
fn measure(
    runtime: &tokio::runtime::Runtime,
    attack: &Attack,
    target: Target,
    plan: &Plan,
    dir: &RunDir,
    tag: &str,
    piperpc_exe: &std::path::Path,
) -> anyhow::Result<Row> {
    let mut server = Running::start(target, dir, tag, piperpc_exe)?;
    let pid = server.pid();
    let measured = runtime.block_on(async {
        // Connected and warm before anything is measured: a failure here
        // is the harness's, not the attack's.
        let legit = Legit::connect(&server)
            .await
            .context("the legitimate caller could not call the server before the attack")?;
        let connector = piperpc::Connector::new(server.address.clone())?;
        tokio::time::sleep(plan.settle).await;
        let baseline = probe::rss(pid);

        let (stop, stopped) = watch::channel(false);
        let window = Window::open(pid);
        let started = Instant::now();
        let caller = tokio::spawn(legit.run(stopped));
        let deadline = tokio::time::Instant::now() + plan.duration;
        let ctx = Arc::new(Ctx {
            connector,
            deadline,
            plan: plan.clone(),
        });
        let attack = *attack;
        let outcome = tokio::spawn(async move { attack.run(ctx).await })
            .await
            .context("the attack panicked")?;
        // Every window is as long as the run's duration, so CPU shares and
        // the legitimate caller's figures compare across attacks.
        tokio::time::sleep_until(deadline).await;
        let _ = stop.send(true);
        let usage = tokio::task::block_in_place(|| window.close());
        let window_seconds = started.elapsed().as_secs_f64();
        let legit = caller.await.context("the legitimate caller panicked")?;

        tokio::time::sleep(plan.settle).await;
        let after = probe::rss(pid);
        anyhow::Ok((baseline, usage, window_seconds, legit, outcome, after))
    })?;
    let (baseline, usage, window_seconds, legit, outcome, after) = measured;

    let crashed = match server.process.exited() {
        Some(status) => Some(format!("exited during the attack ({status})")),
        None => server
            .process
            .stop()
            .err()
            .map(|error| format!("{error:#}")),
    };
    Ok(Row {
        attack: attack.id,
        what: attack.what,
        target,
        baseline,
        peak: usage.peak,
        after,
        cpu_ms: usage.cpu_ms,
        rss_samples: usage.samples,
        window_seconds,
        legit,
        outcome,
        crashed,
    })
}
