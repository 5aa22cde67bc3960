//! The run as JSON: every figure with its per-round values, its ratios,
//! and the machine, build and plan it was measured with, for scripts and
//! for comparing a run after tuning with one before.

use std::path::Path;

use anyhow::Context;
use serde_json::{Value, json};

use crate::results::{Report, Subject};

/// The report as a JSON document.
pub fn document(report: &Report) -> anyhow::Result<Value> {
    let mut value = serde_json::to_value(report)?;
    value["tool"] = json!("piperpc-bench");
    value["version"] = json!(env!("CARGO_PKG_VERSION"));
    value["subjects"] = Subject::ALL
        .into_iter()
        .map(|s| (s.key().to_string(), json!(s.describe())))
        .collect::<serde_json::Map<_, _>>()
        .into();
    let figures = value["figures"]
        .as_array_mut()
        .context("figures serialize as an array")?;
    for (figure, out) in report.figures.iter().zip(figures) {
        out["better"] = json!(if figure.kind.lower_is_better() {
            "lower"
        } else {
            "higher"
        });
        for other in Subject::OTHERS {
            out[format!("ratio_piperpc_{}", other.key())] = json!(figure.ratio(other));
        }
        out["spread"] = json!(figure.spread());
    }
    Ok(value)
}

/// Writes the report to `path`, pretty-printed.
pub fn write(report: &Report, path: &Path) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(&document(report)?)?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))
}
