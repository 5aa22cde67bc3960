//! The attack run's output: a table on stdout, the same table in Markdown
//! (for SECURITY.md), and JSON with every figure under an id naming the
//! attack and the server (`rapid-reset.piperpc_uds`).

use std::fmt::Write;
use std::path::Path;

use anyhow::Context;
use serde_json::json;

use super::legit::LegitReport;
use super::outcome::Outcome;
use super::plan::Plan;
use super::subject::Target;
use crate::machine::Machine;

const MIB: f64 = 1024.0 * 1024.0;

/// One attack against one server.
#[derive(Clone, Debug)]
pub struct Row {
    /// The attack's id.
    pub attack: &'static str,
    /// What it does.
    pub what: &'static str,
    /// The server attacked.
    pub target: Target,
    /// The server's RSS before the attack, in bytes.
    pub baseline: Option<u64>,
    /// Its highest RSS during the attack.
    pub peak: Option<u64>,
    /// Its RSS after the attack's connections were closed and it settled.
    pub after: Option<u64>,
    /// CPU time the server used during the attack, in milliseconds.
    pub cpu_ms: Option<f64>,
    /// RSS samples taken during the attack.
    pub rss_samples: usize,
    /// How long the attack window lasted, in seconds.
    pub window_seconds: f64,
    /// What the legitimate caller saw.
    pub legit: LegitReport,
    /// What the attack met.
    pub outcome: Outcome,
    /// Why the server is gone, if it crashed.
    pub crashed: Option<String>,
}

impl Row {
    /// The JSON id: `ATTACK.SERVER`.
    pub fn id(&self) -> String {
        format!("{}.{}", self.attack, self.target.key())
    }

    /// How far the peak rose over the baseline, in MiB.
    pub fn growth_mib(&self) -> Option<f64> {
        Some(self.peak?.saturating_sub(self.baseline?) as f64 / MIB)
    }

    /// What the server still held after the attack, over the baseline, in
    /// MiB (negative if it gave back more than it had).
    pub fn retained_mib(&self) -> Option<f64> {
        Some((self.after? as f64 - self.baseline? as f64) / MIB)
    }

    /// CPU time per connection the attack opened, in microseconds.
    pub fn cpu_us_per_connection(&self) -> Option<f64> {
        let connections = self.outcome.connections;
        (connections > 0).then_some(self.cpu_ms? * 1000.0 / connections as f64)
    }

    /// Share of one core the server used during the attack, in percent.
    pub fn cpu_percent(&self) -> Option<f64> {
        Some(self.cpu_ms? / 10.0 / self.window_seconds)
    }
}

/// Everything a run produced.
#[derive(Clone, Debug)]
pub struct Report {
    /// A name given to the run (`--label`).
    pub label: Option<String>,
    /// Where and how it ran.
    pub machine: Machine,
    /// How hard and how long.
    pub plan: Plan,
    /// What a reader must know first.
    pub warnings: Vec<String>,
    /// Wall-clock length of the run, in seconds.
    pub elapsed_seconds: f64,
    /// One row per attack and server.
    pub rows: Vec<Row>,
}

impl Report {
    /// The row of `attack` against `target`, if it ran.
    fn find(&self, attack: &str, target: Target) -> Option<&Row> {
        self.rows
            .iter()
            .find(|row| row.attack == attack && row.target == target)
    }

    /// piperpc's figure over plain tonic's on the same transport, when
    /// both are large enough for a ratio to mean something: at least
    /// 1 MiB of growth, 50 ms of CPU.
    fn ratios(&self, row: &Row) -> (Option<f64>, Option<f64>) {
        if !row.target.is_piperpc() {
            return (None, None);
        }
        let Some(base) = self.find(row.attack, row.target.baseline()) else {
            return (None, None);
        };
        let ratio = |ours: Option<f64>, theirs: Option<f64>, floor: f64| {
            let (ours, theirs) = (ours?, theirs?);
            (ours.max(theirs) >= floor && theirs > 0.0).then(|| ours / theirs)
        };
        (
            ratio(row.growth_mib(), base.growth_mib(), 1.0),
            ratio(row.cpu_ms, base.cpu_ms, 50.0),
        )
    }
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("n/a".into(), |b| format!("{:.1}", b as f64 / MIB))
}

fn opt(value: Option<f64>, decimals: usize) -> String {
    value.map_or("n/a".into(), |v| format!("{v:.decimals$}"))
}

fn ratio(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("×{v:.2}"))
}

/// The cells of one row, in table order.
fn cells(report: &Report, row: &Row) -> Vec<String> {
    let (rss_ratio, cpu_ratio) = report.ratios(row);
    let legit = &row.legit;
    vec![
        row.attack.to_string(),
        row.target.transport().to_string(),
        row.target.server().to_string(),
        mib(row.baseline),
        opt(row.growth_mib(), 1),
        opt(row.retained_mib(), 1),
        format!(
            "{} ({}%, {} µs/conn)",
            opt(row.cpu_ms, 0),
            opt(row.cpu_percent(), 0),
            opt(row.cpu_us_per_connection(), 0)
        ),
        format!("{} / {}", opt(legit.p50_ms, 2), opt(legit.p99_ms, 2)),
        format!("{}/{}", legit.failures, legit.calls),
        format!("{}/{}", legit.fresh_ok, legit.fresh_tried),
        format!("{} {}", ratio(rss_ratio), ratio(cpu_ratio)),
        match &row.crashed {
            Some(why) => format!("SERVER CRASHED: {why}; {}", row.outcome.summary()),
            None => row.outcome.summary(),
        },
    ]
}

const HEADINGS: [&str; 12] = [
    "attack",
    "transport",
    "server",
    "RSS MiB",
    "peak +MiB",
    "after +MiB",
    "CPU ms (% core, per conn)",
    "legit p50 / p99 ms",
    "legit failed",
    "new conns ok",
    "vs tonic: RSS CPU",
    "what the attack met",
];

/// One line on stderr as each row is measured.
pub fn progress_line(row: &Row) -> String {
    format!(
        "{:<22} {:<12} peak +{} MiB, CPU {} ms, legit p99 {} ms, failed {}/{}{}",
        row.attack,
        row.target.key(),
        opt(row.growth_mib(), 1),
        opt(row.cpu_ms, 0),
        opt(row.legit.p99_ms, 2),
        row.legit.failures,
        row.legit.calls,
        if row.crashed.is_some() {
            " — SERVER CRASHED"
        } else {
            ""
        }
    )
}

/// The preamble both tables share.
fn preamble(report: &Report) -> Vec<String> {
    let mut lines = vec![format!(
        "{} attack run on {} ({}), {:.0} s; {:?} per attack, a fresh server each",
        report.plan.mode,
        report.machine.summary(),
        report.machine.profile,
        report.elapsed_seconds,
        report.plan.duration,
    )];
    if let Some(commit) = &report.machine.commit {
        lines.push(format!("commit {commit}"));
    }
    if let Some(label) = &report.label {
        lines.push(format!("label: {label}"));
    }
    lines.extend(report.warnings.iter().map(|w| format!("warning: {w}")));
    lines
}

/// The table as text, columns padded.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for line in preamble(report) {
        let _ = writeln!(out, "{line}");
    }
    out.push('\n');
    let rows: Vec<Vec<String>> = report.rows.iter().map(|row| cells(report, row)).collect();
    // The last column (the outcome) is left unpadded.
    let widths: Vec<usize> = (0..HEADINGS.len() - 1)
        .map(|i| {
            rows.iter()
                .map(|cells| cells[i].chars().count())
                .chain([HEADINGS[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| {
        let mut line = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i < widths.len() {
                let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
            } else {
                line.push_str(cell);
            }
        }
        line.trim_end().to_string()
    };
    let headings: Vec<String> = HEADINGS.iter().map(|h| h.to_string()).collect();
    let _ = writeln!(out, "{}", line(&headings));
    let mut previous = "";
    for (row, cells) in report.rows.iter().zip(&rows) {
        if row.attack != previous && !previous.is_empty() {
            out.push('\n');
        }
        previous = row.attack;
        let _ = writeln!(out, "{}", line(cells));
    }
    let _ = writeln!(out, "\n{}", legend());
    out
}

fn legend() -> &'static str {
    "RSS MiB: before the attack; peak +MiB: highest during it over that; after +MiB: \
     what was still held once its connections closed. CPU: the server's user+system \
     time during the attack. legit: a unary call every 50 ms on a connection opened \
     before the attack (failed: error or over 1 s); new conns: a new connection and \
     call every 500 ms. vs tonic: piperpc's RSS growth and CPU over plain tonic's on \
     the same transport (when either is at least 1 MiB / 50 ms)."
}

/// The table in Markdown.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    for line in preamble(report) {
        let _ = writeln!(out, "{line}  ");
    }
    out.push('\n');
    let _ = writeln!(out, "| {} |", HEADINGS.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(HEADINGS.len()));
    for row in &report.rows {
        let cells: Vec<String> = cells(report, row)
            .into_iter()
            .map(|cell| cell.replace('|', "\\|"))
            .collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(out, "\n{}", legend());
    out
}

/// The report as JSON, each row under its id.
pub fn write_json(report: &Report, path: &Path) -> anyhow::Result<()> {
    let rows: Vec<serde_json::Value> = report
        .rows
        .iter()
        .map(|row| {
            let (rss_ratio, cpu_ratio) = report.ratios(row);
            json!({
                "id": row.id(),
                "attack": row.attack,
                "what": row.what,
                "server": row.target,
                "transport": row.target.transport(),
                "rss_baseline_mib": row.baseline.map(|b| b as f64 / MIB),
                "rss_peak_mib": row.peak.map(|b| b as f64 / MIB),
                "rss_growth_mib": row.growth_mib(),
                "rss_after_mib": row.after.map(|b| b as f64 / MIB),
                "rss_retained_mib": row.retained_mib(),
                "rss_samples": row.rss_samples,
                "cpu_ms": row.cpu_ms,
                "cpu_percent_of_a_core": row.cpu_percent(),
                "cpu_us_per_connection": row.cpu_us_per_connection(),
                "window_seconds": row.window_seconds,
                "legit": row.legit,
                "outcome": row.outcome,
                "outcome_summary": row.outcome.summary(),
                "ratio_piperpc_tonic_rss_growth": rss_ratio,
                "ratio_piperpc_tonic_cpu": cpu_ratio,
                "crashed": row.crashed,
            })
        })
        .collect();
    let document = json!({
        "tool": "piperpc-bench attacks",
        "version": env!("CARGO_PKG_VERSION"),
        "label": report.label,
        "machine": report.machine,
        "plan": report.plan,
        "warnings": report.warnings,
        "elapsed_seconds": report.elapsed_seconds,
        "rows": rows,
    });
    let text = serde_json::to_string_pretty(&document)?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
}
