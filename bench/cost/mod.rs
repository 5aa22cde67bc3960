//! `piperpc-bench cost`: instructions per call of each end, server and
//! client, counted by valgrind's callgrind, for piperpc against tonic UDS
//! and the blocking floor (Linux only).
//!
//! Wall-clock figures on a shared machine move 10-30% from run to run;
//! instruction counts repeat to a fraction of a percent, so a change that
//! saves 3% of a call's work shows here when no timing could show it.
//!
//! ```text
//! piperpc-bench cost                                  # every figure, minutes
//! piperpc-bench cost --repeat 3                       # and how well they repeat
//! piperpc-bench cost --only unary-64B --subject piperpc   # one figure, seconds
//! piperpc-bench cost --quick                          # the harness works (CI)
//! ```
//!
//! For every workload ([`workload`]) and subject, [`measure`] runs the
//! subject's server role and the hidden `calls` role, each under callgrind
//! ([`callgrind`]), once with N operations and once with 2N, each on a
//! fresh server that exits when its standard input closes (a clean exit is
//! what makes callgrind write its count); the difference over N is the
//! figure ([`figures`]). [`report`] prints the table and writes
//! `results.json` and `results.md`, by default into `target/bench/cost/`
//! (beside, not over, the main run's), and callgrind's files of the last
//! repeat into its `callgrind/` for `callgrind_annotate`.

mod callgrind;
mod figures;
mod measure;
mod report;
pub mod workload;

use std::cell::RefCell;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;

use crate::machine::{Machine, debug_build};
use crate::placement::{Placement, Policy};
use crate::results::Subject;
use crate::servers::RunDir;
use figures::{End, Figure};
use measure::Bench;
use report::{CostReport, Method, Run};
use workload::Workload;

/// `piperpc-bench cost`: what to count.
#[derive(Debug, Args)]
pub struct CostArgs {
    /// Seconds to a minute (for CI): a few operations per figure; checks
    /// the harness, the figures are rough.
    #[arg(long)]
    pub quick: bool,
    /// N, the operations of the smaller run of every figure (the other
    /// makes 2N): calls, streaming calls (of 1,000 messages) or ping-pong
    /// exchanges [default: per workload; smaller with --quick].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Measure every figure this many times and print how far the repeats
    /// are apart (3 to check they agree).
    #[arg(long, default_value_t = 1, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=100))]
    pub repeat: u64,
    /// Only these workloads (comma-separated): unary-64B, unary-64KiB,
    /// stream-1KiB, ping-pong-64KiB.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        value_name = "WORKLOAD",
        ignore_case = true
    )]
    pub only: Vec<Workload>,
    /// Only these subjects (comma-separated) [default: piperpc,
    /// tonic-local, floor; tcp and raw on request].
    #[arg(long, value_enum, value_delimiter = ',', value_name = "SUBJECT")]
    pub subject: Vec<Subject>,
    /// Directory for results.json, results.md and callgrind's files
    /// [default: the target directory's bench/cost, e.g. target/bench/cost].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A name for this run, kept in the results ("before the change").
    #[arg(long, value_name = "TEXT")]
    pub label: Option<String>,
    /// Where servers and clients run. `shared` (the default) puts both on
    /// one CPU: the counts do not depend on it (callgrind runs a process's
    /// threads one at a time anyway), but the work does depend on how the
    /// two ends interleave (how many frames one read or write carries), and
    /// on one CPU they take turns the same way every run, so the figures
    /// repeat; `split` and `os` as in the main run.
    #[arg(long, value_enum, default_value = "shared")]
    pub placement: Policy,
}

/// The subjects measured unless `--subject` says otherwise.
const DEFAULT_SUBJECTS: [Subject; 3] = [Subject::Piperpc, Subject::TonicLocal, Subject::Floor];

/// Runs `piperpc-bench cost`.
pub fn run(args: CostArgs) -> anyhow::Result<()> {
    if !cfg!(target_os = "linux") {
        bail!("piperpc-bench cost is Linux-only: it counts instructions with valgrind's callgrind");
    }
    let valgrind = callgrind::version()?;
    let workloads: Vec<Workload> = Workload::ALL
        .into_iter()
        .filter(|w| args.only.is_empty() || args.only.contains(w))
        .collect();
    let subjects: Vec<Subject> = Subject::ALL
        .into_iter()
        .filter(|s| {
            if args.subject.is_empty() {
                DEFAULT_SUBJECTS.contains(s)
            } else {
                args.subject.contains(s)
            }
        })
        .collect();
    let count = |w: Workload| args.count.unwrap_or_else(|| w.default_count(args.quick));
    let out = match args.out {
        Some(dir) => dir,
        None => crate::run::default_out_dir()?.join("cost"),
    };
    let profiles = out.join("callgrind");
    std::fs::create_dir_all(&profiles)
        .with_context(|| format!("creating {}", profiles.display()))?;

    let mut machine = Machine::describe();
    // Only the build matters: load moves no instruction count.
    let mut warnings: Vec<String> = if debug_build() {
        vec!["DEBUG BUILD — instruction counts of a debug build say nothing of a release build (use --release)".to_string()]
    } else {
        Vec::new()
    };
    for warning in &warnings {
        eprintln!("piperpc-bench: {warning}");
    }
    eprintln!(
        "piperpc-bench: cost on {} with {valgrind}; results go to {}",
        machine.summary(),
        out.display()
    );

    let started = Instant::now();
    let dir = RunDir::create()?;
    let exe = dir.file("piperpc-bench");
    let this = std::env::current_exe().context("locating the piperpc-bench executable")?;
    std::fs::copy(&this, &exe)
        .with_context(|| format!("copying {} to {}", this.display(), exe.display()))?;
    let placement = Placement::plan(args.placement);
    let bench = Bench {
        exe,
        dir,
        profiles,
        placement: RefCell::new(placement),
    };

    // repeats[workload][subject][end]: one value per repeat.
    let mut repeats = vec![<[[Vec<f64>; 2]; 5]>::default(); workloads.len()];
    let mut runs = Vec::new();
    for repeat in 1..=args.repeat {
        for (w, &workload) in workloads.iter().enumerate() {
            for &subject in &subjects {
                let per = bench
                    .measure(subject, workload, count(workload))
                    .with_context(|| {
                        format!("measuring {} on {}", workload.key(), subject.name())
                    })?;
                runs.push(Run {
                    workload: workload.key(),
                    subject: subject.key(),
                    repeat,
                    count: count(workload),
                    small: per.small,
                    large: per.large,
                });
                let cell = &mut repeats[w][crate::session::index(subject)];
                cell[0].push(per.server);
                cell[1].push(per.client);
            }
        }
    }
    machine.finish();
    for (w, &workload) in workloads.iter().enumerate() {
        for &subject in &subjects {
            let cell = &repeats[w][crate::session::index(subject)];
            for (end, values) in End::BOTH.into_iter().zip(cell) {
                if values.iter().any(|&v| v <= 0.0) {
                    warnings.push(format!(
                        "{} {} {}: the run of 2N counted no more than the run of N; \
                         start-up noise outweighs the work: raise --count",
                        workload.key(),
                        subject.name(),
                        end.key()
                    ));
                }
            }
        }
    }

    let mut figures = Vec::new();
    for (w, &workload) in workloads.iter().enumerate() {
        for (e, end) in End::BOTH.into_iter().enumerate() {
            let values = std::array::from_fn(|s| {
                let values = &repeats[w][s][e];
                (!values.is_empty()).then(|| values.clone())
            });
            figures.push(Figure::new(workload, end, values));
        }
    }
    let report = CostReport {
        label: args.label,
        machine,
        warnings,
        method: Method {
            valgrind,
            figure: report::FORMULA,
            counts: report::counts(&workloads, count),
            repeat: args.repeat as usize,
            quick: args.quick,
            placement: bench.placement.into_inner(),
        },
        subjects,
        elapsed_seconds: started.elapsed().as_secs_f64(),
        figures,
        runs,
    };
    print!("{}", report::text(&report));

    let json_path = out.join("results.json");
    let text = serde_json::to_string_pretty(&report::document(&report)?)?;
    std::fs::write(&json_path, text + "\n")
        .with_context(|| format!("writing {}", json_path.display()))?;
    let markdown_path = out.join("results.md");
    std::fs::write(&markdown_path, report::markdown(&report))
        .with_context(|| format!("writing {}", markdown_path.display()))?;
    println!();
    for path in [&json_path, &markdown_path, &bench.profiles] {
        println!("wrote {}", path.display());
    }
    Ok(())
}
