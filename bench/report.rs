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
    lines.push(format!("placement: {}", report.placement.summary()));
    for subject in Subject::ALL {
        lines.push(format!("{:>10} = {}", subject.name(), subject.describe()));
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
        "spread: interquartile range of the rounds / figure, the largest of the subjects; \
         a difference smaller than that is noise"
            .to_string(),
    );
    lines
}

/// How one column's cell is made from a figure.
type Cell = Box<dyn Fn(&Figure) -> String>;

/// The table's columns, after the figure's name and unit: every subject's
/// value, then piperpc's ratio to each other subject (in words for the
/// gRPC peers, where the verdict is the point), then the spread.
fn columns() -> Vec<(String, Cell)> {
    let mut columns: Vec<(String, Cell)> = Vec::new();
    for subject in Subject::ALL {
        columns.push((
            subject.name().to_string(),
            Box::new(move |f: &Figure| value(f, subject)),
        ));
    }
    for other in Subject::OTHERS {
        let words = matches!(other, Subject::TonicLocal | Subject::Tcp);
        columns.push((
            format!("piperpc/{}", other.name()),
            Box::new(move |f: &Figure| ratio(f, other, words)),
        ));
    }
    columns.push(("spread".to_string(), Box::new(spread)));
    columns
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
    let columns = columns();
    let mut rows: Vec<Vec<String>> = vec![
        ["figure", "unit"]
            .into_iter()
            .map(String::from)
            .chain(columns.iter().map(|(name, _)| name.clone()))
            .collect(),
    ];
    for figure in &report.figures {
        rows.push(
            [figure.label.clone(), figure.unit.to_string()]
                .into_iter()
                .chain(columns.iter().map(|(_, cell)| cell(figure)))
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|i| {
            rows.iter()
                .map(|row| row[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (n, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let width = widths[i];
            // Names and ratios in words read left-aligned, numbers right.
            if i < 2 || rows[0][i].contains('/') && rows[1..].iter().any(|r| r[i].contains('(')) {
                let _ = write!(line, "{cell:<width$}  ");
            } else {
                let _ = write!(line, "{cell:>width$}  ");
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
        if n == 0 {
            let _ = writeln!(
                out,
                "{}",
                "-".repeat(widths.iter().map(|w| w + 2).sum::<usize>())
            );
        }
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
    let columns = columns();
    let _ = write!(out, "| figure | unit |");
    for (name, _) in &columns {
        let _ = write!(out, " {name} |");
    }
    let _ = writeln!(out);
    let _ = write!(out, "|---|---|");
    for (name, _) in &columns {
        let _ = write!(out, "{}", if name.contains('/') { "---|" } else { "--:|" });
    }
    let _ = writeln!(out);
    for figure in &report.figures {
        let _ = write!(out, "| {} | {} |", figure.label, figure.unit);
        for (_, cell) in &columns {
            let _ = write!(out, " {} |", cell(figure));
        }
        let _ = writeln!(out);
    }
    out
}

fn value(figure: &Figure, subject: Subject) -> String {
    figure
        .value(subject)
        .map_or_else(|| "n/a".to_string(), number)
}

fn ratio(figure: &Figure, other: Subject, words: bool) -> String {
    match figure.ratio(other) {
        Some(ratio) if words => format!("{ratio:.2}x ({})", figure.kind.verdict(ratio)),
        Some(ratio) => format!("{ratio:.2}x"),
        None => "n/a".to_string(),
    }
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
