//! The run's figures as SVG charts: one per group, every subject side by
//! side in every bar group.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::report::number;
use crate::results::{Group, Report, Subject};
use crate::svg::{BarChart, Series};

/// Writes `latency.svg`, `concurrency.svg`, `throughput.svg` and
/// `memory.svg` (those with figures) into `dir`; returns their paths.
pub fn write(report: &Report, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (group, title, unit) in [
        (
            Group::Latency,
            "Unary round trip latency, 1 connection",
            "us",
        ),
        (
            Group::Concurrency,
            "Unary calls per second, N connections",
            "calls/s",
        ),
        (Group::Throughput, "Streaming throughput", "MB/s"),
        (Group::Memory, "Server resident memory", "MiB"),
    ] {
        let figures: Vec<_> = report
            .figures
            .iter()
            .filter(|f| f.group == group && f.unit == unit)
            .collect();
        if figures.is_empty() {
            continue;
        }
        let chart = BarChart {
            title: format!(
                "{title} ({unit}, {})",
                better(figures[0].kind.lower_is_better())
            ),
            subtitles: subtitles(report),
            unit: unit.to_string(),
            groups: figures.iter().map(|f| f.short.clone()).collect(),
            series: Subject::ALL
                .into_iter()
                .map(|subject| Series {
                    name: subject.name().to_string(),
                    color: color(subject),
                    values: figures.iter().map(|f| f.value(subject)).collect(),
                })
                .collect(),
        };
        let path = dir.join(format!("{}.svg", group.name()));
        std::fs::write(&path, chart.render(number))
            .with_context(|| format!("writing {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

fn subtitles(report: &Report) -> Vec<String> {
    let machine = &report.machine;
    let mut first = format!(
        "piperpc-bench {} run, {} build, {}; {}",
        report.plan.mode.name(),
        machine.profile,
        machine.date,
        machine.summary()
    );
    if let Some(label) = &report.label {
        first.push_str(&format!("; \"{label}\""));
    }
    let mut lines = vec![first, format!("placement: {}", report.placement.summary())];
    lines.extend(report.warnings.iter().cloned());
    lines
}

fn better(lower: bool) -> &'static str {
    if lower {
        "lower is better"
    } else {
        "higher is better"
    }
}

fn color(subject: Subject) -> &'static str {
    match subject {
        Subject::Piperpc => "#2b6cb0",
        Subject::TonicLocal => "#38a169",
        Subject::Tcp => "#dd6b20",
        Subject::Raw => "#8a8f98",
        Subject::Floor => "#4a4a4a",
    }
}
