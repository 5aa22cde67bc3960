//! The table a run prints, with its ratios, as plain text and as Markdown.
//!
//! Ratios are always piperpc divided by the other subject, and each is
//! followed by what it means in words ("25% faster", "40% less"), so a
//! reader never has to remember which way is better for which unit.

use std::fmt::Write;

use crate::results::{Figure, Report, Subject};

/// The header lines: what ran, where, and how to read the ratios.
pub fn header(report: &Report) -> Vec<String> {
    let machine = &report.machine;
    let plan = &report.plan;
    let mut lines = Vec::new();
    let mut first = format!(
        "piperpc-bench {} run, {} build, {}",
        plan.mode.name(),
        machine.profile,
        machine.date
    );
    if let Some(commit) = &machine.commit {
        let _ = write!(first, ", commit {commit}");
    }
    if let Some(label) = &report.label {
        let _ = write!(first, ", \"{label}\"");
    }
    lines.push(first);
    let mut second = format!("machine: {}", machine.summary());
    if let Some(before) = &machine.load_before {
        let _ = write!(
            second,
            "; load average before the run {before} (1, 5, 15 min)"
        );
    }
    lines.push(second);
    for subject in Subject::ALL {
        lines.push(format!("{:>8} = {}", subject.name(), subject.describe()));
    }
    lines.push(format!(
        "each figure: {} round{} of {} ms per subject, subjects interleaved, after {} ms of warm-up; \
         rates are the median round, latency percentiles pool every call",
        plan.rounds,
        if plan.rounds == 1 { "" } else { "s" },
        plan.batch.as_millis(),
        plan.warmup.as_millis()
    ));
    lines.push(
        "ratios are piperpc / other: for us, MiB and KiB lower is better (0.80x = 20% faster or less); \
         for calls/s, conns/s and MB/s higher is better (1.25x = 25% more); MB = 10^6 bytes"
            .to_string(),
    );
    lines.push(
        "spread: interquartile range of the rounds / figure, the largest of the three subjects; \
         a difference smaller than that is noise"
            .to_string(),
    );
    lines
}

/// The table as plain text, warnings first and last.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for warning in &report.warnings {
        let _ = writeln!(out, "!!! {warning} !!!");
    }
    for line in header(report) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out);
    let width = report
        .figures
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(0)
        .max("figure".len());
    let _ = writeln!(
        out,
        "{:<width$}  {:<7} {:>10} {:>10} {:>10}  {:<20} {:>11} {:>7}",
        "figure", "unit", "piperpc", "TCP", "raw", "piperpc/TCP", "piperpc/raw", "spread"
    );
    let _ = writeln!(out, "{}", "-".repeat(width + 84));
    for figure in &report.figures {
        let _ = writeln!(
            out,
            "{:<width$}  {:<7} {:>10} {:>10} {:>10}  {:<20} {:>11} {:>7}",
            figure.label,
            figure.unit,
            value(figure, Subject::Piperpc),
            value(figure, Subject::Tcp),
            value(figure, Subject::Raw),
            versus_tcp(figure),
            versus_raw(figure),
            spread(figure),
        );
    }
    for warning in &report.warnings {
        let _ = writeln!(out, "!!! {warning} !!!");
    }
    out
}

/// The table as Markdown, for README and BENCHMARKS.md.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    for warning in &report.warnings {
        let _ = writeln!(out, "**{warning}**\n");
    }
    for line in header(report) {
        // Trimmed: an indented line could read as a code block.
        let _ = writeln!(out, "{}  ", line.trim_start());
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| figure | unit | piperpc | TCP | raw | piperpc/TCP | piperpc/raw | spread |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|---|--:|--:|");
    for figure in &report.figures {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            figure.label,
            figure.unit,
            value(figure, Subject::Piperpc),
            value(figure, Subject::Tcp),
            value(figure, Subject::Raw),
            versus_tcp(figure),
            versus_raw(figure),
            spread(figure),
        );
    }
    out
}

fn value(figure: &Figure, subject: Subject) -> String {
    figure
        .value(subject)
        .map_or_else(|| "n/a".to_string(), number)
}

fn versus_tcp(figure: &Figure) -> String {
    match figure.ratio(Subject::Tcp) {
        Some(ratio) => format!("{ratio:.2}x ({})", figure.kind.verdict(ratio)),
        None => "n/a".to_string(),
    }
}

fn versus_raw(figure: &Figure) -> String {
    figure
        .ratio(Subject::Raw)
        .map_or_else(|| "n/a".to_string(), |ratio| format!("{ratio:.2}x"))
}

fn spread(figure: &Figure) -> String {
    figure
        .spread()
        .map_or_else(|| "-".to_string(), |s| format!("{:.0}%", s * 100.0))
}

/// A figure with as many digits as it deserves: 123456, 123, 12.3, 1.23.
pub fn number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_digits() {
        assert_eq!(number(123456.7), "123457");
        assert_eq!(number(41.26), "41.3");
        assert_eq!(number(1.234), "1.23");
        assert_eq!(number(0.0), "0.00");
    }
}
