//! The output of `piperpc-bench cost`: the table as text and Markdown, and
//! the JSON document, all drawn from one [`CostReport`].

use std::fmt::Write;

use serde::Serialize;
use serde_json::{Value, json};

use super::figures::Figure;
use super::measure::Totals;
use super::workload::Workload;
use crate::machine::Machine;
use crate::report::number;
use crate::results::Subject;

/// How the figures were made.
#[derive(Clone, Debug, Serialize)]
pub struct Method {
    /// `valgrind --version`.
    pub valgrind: String,
    /// The formula, in words.
    pub figure: &'static str,
    /// Operations of the smaller run (N) per workload key.
    pub counts: Vec<(&'static str, u64)>,
    /// Times each figure was measured.
    pub repeat: usize,
    /// Whether this was a `--quick` run.
    pub quick: bool,
    /// Where the servers and clients ran.
    pub placement: crate::placement::Placement,
}

/// Everything a cost run produced.
#[derive(Clone, Debug, Serialize)]
pub struct CostReport {
    /// A name the user gave the run (`--label`).
    pub label: Option<String>,
    /// Where and with which build it ran.
    pub machine: Machine,
    /// What a reader must know before reading any figure.
    pub warnings: Vec<String>,
    /// How the figures were made.
    pub method: Method,
    /// The subjects measured, in table order.
    #[serde(skip)]
    pub subjects: Vec<Subject>,
    /// Wall-clock length of the run, in seconds.
    pub elapsed_seconds: f64,
    /// The rows of the table.
    pub figures: Vec<Figure>,
    /// What every run counted, for a figure that looks wrong.
    pub runs: Vec<Run>,
}

/// The counts of one measurement: N operations and 2N, on each end.
#[derive(Clone, Debug, Serialize)]
pub struct Run {
    /// The workload's key.
    pub workload: &'static str,
    /// The subject's JSON key.
    pub subject: &'static str,
    /// Which repeat (from 1).
    pub repeat: u64,
    /// N.
    pub count: u64,
    /// Instructions of the run of N.
    pub small: Totals,
    /// Instructions of the run of 2N.
    pub large: Totals,
}

/// What [`Method::figure`] says.
pub const FORMULA: &str = "(instructions of a run of 2N operations - instructions of a run of N) / (N x units per operation), \
    server and client processes counted separately by callgrind, a fresh server per run";

/// The report as a JSON document, shaped like the main run's results.json.
pub fn document(report: &CostReport) -> anyhow::Result<Value> {
    let mut value = serde_json::to_value(report)?;
    value["tool"] = json!("piperpc-bench");
    value["version"] = json!(env!("CARGO_PKG_VERSION"));
    value["mode"] = json!("cost");
    value["subjects"] = report
        .subjects
        .iter()
        .map(|s| (s.key().to_string(), json!(s.describe())))
        .collect::<serde_json::Map<_, _>>()
        .into();
    value["method"]["counts"] = report
        .method
        .counts
        .iter()
        .map(|(key, n)| (key.to_string(), json!(n)))
        .collect::<serde_json::Map<_, _>>()
        .into();
    Ok(value)
}

/// The header lines: what ran, how, and how to read the ratios.
fn header(report: &CostReport) -> Vec<String> {
    let machine = &report.machine;
    let method = &report.method;
    let mut first = format!(
        "piperpc-bench cost{}: instructions per operation, counted by callgrind ({}), {} build, {}",
        if method.quick { " --quick" } else { "" },
        method.valgrind,
        machine.profile,
        machine.date
    );
    if let Some(commit) = &machine.commit {
        let _ = write!(first, ", commit {commit}");
    }
    if let Some(label) = &report.label {
        let _ = write!(first, ", \"{label}\"");
    }
    let mut lines = vec![
        first,
        format!("machine: {}", machine.summary()),
        format!("placement {}", method.placement.summary()),
    ];
    for subject in &report.subjects {
        lines.push(format!("{:>10} = {}", subject.name(), subject.describe()));
    }
    let counts: Vec<String> = method
        .counts
        .iter()
        .map(|(key, n)| format!("{key} {n}"))
        .collect();
    lines.push(format!(
        "each figure: (instructions of a run of 2N operations - those of a run of N) / N, server and client \
         processes counted apart (every thread; valgrind runs them one at a time), a fresh server per run; \
         N: {}; streams are counted per message (N calls of {} messages), the ping-pong per exchange (one stream)",
        counts.join(", "),
        super::workload::STREAM_MESSAGES
    ));
    lines.push(format!(
        "{} repeat{}, value = median; spread = (largest - smallest) / median of the repeats, the largest of the subjects",
        method.repeat,
        if method.repeat == 1 { "" } else { "s" }
    ));
    lines.push(
        "ratios are piperpc / other: fewer instructions are better (0.80x = 20% fewer)".to_string(),
    );
    lines
}

/// The table's rows, a header row first: figure, unit, each subject's
/// value, piperpc's ratio to each other subject, spread.
fn rows(report: &CostReport) -> Vec<Vec<String>> {
    let others: Vec<Subject> = report
        .subjects
        .iter()
        .copied()
        .filter(|&s| s != Subject::Piperpc && report.subjects.contains(&Subject::Piperpc))
        .collect();
    let mut header = vec!["figure".to_string(), "unit".to_string()];
    header.extend(report.subjects.iter().map(|s| s.name().to_string()));
    header.extend(others.iter().map(|s| format!("piperpc/{}", s.name())));
    header.push("spread".to_string());
    let mut rows = vec![header];
    for figure in &report.figures {
        let mut row = vec![figure.label.clone(), figure.unit.to_string()];
        row.extend(report.subjects.iter().map(|&s| {
            figure
                .get(s)
                .map_or_else(|| "n/a".to_string(), |m| number(m.value))
        }));
        row.extend(others.iter().map(|&s| {
            figure
                .ratio(s)
                .map_or_else(|| "n/a".to_string(), |r| format!("{r:.2}x"))
        }));
        row.push(
            figure
                .spread
                .map_or_else(|| "-".to_string(), |s| format!("{:.2}%", s * 100.0)),
        );
        rows.push(row);
    }
    rows
}

/// The table as plain text, warnings first and last.
pub fn text(report: &CostReport) -> String {
    let mut out = String::new();
    for warning in &report.warnings {
        let _ = writeln!(out, "!!! {warning} !!!");
    }
    for line in header(report) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out);
    let rows = rows(report);
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for (n, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let width = widths[i];
            if i < 2 {
                let _ = write!(line, "{cell:<width$}  ");
            } else {
                let _ = write!(line, "{cell:>width$}  ");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
        if n == 0 {
            let _ = writeln!(out, "{}", "-".repeat(widths.iter().map(|w| w + 2).sum()));
        }
    }
    if let Some(worst) = report
        .figures
        .iter()
        .filter_map(|f| f.spread)
        .reduce(f64::max)
    {
        let _ = writeln!(out, "largest spread between repeats: {:.2}%", worst * 100.0);
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "!!! {warning} !!!");
    }
    out
}

/// The table as Markdown.
pub fn markdown(report: &CostReport) -> String {
    let mut out = String::new();
    for warning in &report.warnings {
        let _ = writeln!(out, "**{warning}**\n");
    }
    for line in header(report) {
        let _ = writeln!(out, "{}  ", line.trim_start());
    }
    let _ = writeln!(out);
    for (n, row) in rows(report).iter().enumerate() {
        let _ = writeln!(out, "| {} |", row.join(" | "));
        if n == 0 {
            let aligns: Vec<&str> = (0..row.len())
                .map(|i| if i < 2 { "---" } else { "--:" })
                .collect();
            let _ = writeln!(out, "|{}|", aligns.join("|"));
        }
    }
    out
}

/// The workloads' counts, as [`Method::counts`] lists them.
pub fn counts(workloads: &[Workload], count: impl Fn(Workload) -> u64) -> Vec<(&'static str, u64)> {
    workloads.iter().map(|&w| (w.key(), count(w))).collect()
}
