//! Running a process under `valgrind --tool=callgrind` and reading how many
//! instructions it executed.
//!
//! Callgrind counts every instruction a process executes (all its threads,
//! which valgrind runs one at a time), writes the count when the process
//! exits, and counts the same again for the same work: no clock, no noise
//! from other processes.

use std::io::ErrorKind;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

/// The program run.
pub const VALGRIND: &str = "valgrind";

/// Checks valgrind runs; returns its version (`valgrind-3.19.0`).
pub fn version() -> anyhow::Result<String> {
    let output = match Command::new(VALGRIND).arg("--version").output() {
        Ok(output) => output,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            bail!("valgrind not found: install it (apt-get install valgrind)")
        }
        Err(e) => return Err(e).context("running valgrind --version"),
    };
    if !output.status.success() {
        bail!(
            "valgrind --version failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Valgrind's arguments that run `exe` under callgrind, its count written
/// to `out`; the program's own arguments follow. Quiet, so valgrind adds
/// nothing to the program's output but errors.
pub fn args(out: &Path, exe: &Path) -> Vec<String> {
    vec![
        "-q".to_string(),
        "--tool=callgrind".to_string(),
        format!("--callgrind-out-file={}", out.display()),
        exe.display().to_string(),
    ]
}

/// The instructions counted in the callgrind output file `path`.
pub fn total(path: &Path) -> anyhow::Result<u64> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "reading {} (callgrind writes it when the process exits)",
            path.display()
        )
    })?;
    parse_total(&text).with_context(|| format!("no instruction total in {}", path.display()))
}

/// The count on the `totals:` line (or, failing that, `summary:`), whose
/// first event is `Ir`, instructions executed.
fn parse_total(text: &str) -> Option<u64> {
    let field = |key: &str| {
        text.lines()
            .rev()
            .find_map(|line| line.strip_prefix(key))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
    };
    let events = text.lines().find_map(|line| line.strip_prefix("events:"))?;
    if events.split_whitespace().next() != Some("Ir") {
        return None;
    }
    field("totals:").or_else(|| field("summary:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_totals_line() {
        let text = "# callgrind format\nversion: 1\ncmd: x\nevents: Ir\nsummary: 62712700\nfn=(1) main\n3 5\ntotals: 62712707\n";
        assert_eq!(parse_total(text), Some(62712707));
        let old = "events: Ir\nsummary: 42\n";
        assert_eq!(parse_total(old), Some(42));
    }

    #[test]
    fn refuses_what_is_not_instructions() {
        assert_eq!(parse_total("events: Dr Dw\ntotals: 5 6\n"), None);
        assert_eq!(parse_total("totals: 5\n"), None);
        assert_eq!(parse_total("events: Ir\ntotals: many\n"), None);
        assert_eq!(parse_total(""), None);
    }
}
