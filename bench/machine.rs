//! The machine and build a run measured on, recorded with every result so a
//! figure is never read without its context.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// Where and how a run happened.
#[derive(Clone, Debug, Serialize)]
pub struct Machine {
    /// `linux`, `windows`, `macos`, ...
    pub os: &'static str,
    /// `x86_64`, `aarch64`, ...
    pub arch: &'static str,
    /// The kernel release, where the OS says (Linux).
    pub kernel: Option<String>,
    /// The CPU model, where the OS says (Linux).
    pub cpu: Option<String>,
    /// Cores this process may use.
    pub cores: usize,
    /// `release` or `debug`.
    pub profile: &'static str,
    /// True under Wine: the figures say nothing about Windows.
    pub wine: bool,
    /// When the run started, UTC.
    pub date: String,
    /// The 1, 5 and 15 minute load averages before the run (Unix).
    pub load_before: Option<String>,
    /// The same, after the run (the run's own processes included).
    pub load_after: Option<String>,
    /// The commit measured (`git describe`), when run from a checkout.
    pub commit: Option<String>,
}

impl Machine {
    /// Describes this machine and build, now.
    pub fn describe() -> Machine {
        Machine {
            os: std::env::consts::OS,
            arch: std::env::consts::ARCH,
            kernel: read_trimmed("/proc/sys/kernel/osrelease"),
            cpu: cpu_model(),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            profile: if debug_build() { "debug" } else { "release" },
            wine: is_wine(),
            date: utc_date(SystemTime::now()),
            load_before: load_average(),
            load_after: None,
            commit: commit(),
        }
    }

    /// Records the load at the end of the run.
    pub fn finish(&mut self) {
        self.load_after = load_average();
    }

    /// One line: `linux 6.1.0 x86_64, Intel Xeon ..., 2 cores`.
    pub fn summary(&self) -> String {
        let mut parts = vec![match &self.kernel {
            Some(kernel) => format!("{} {kernel} {}", self.os, self.arch),
            None => format!("{} {}", self.os, self.arch),
        }];
        if let Some(cpu) = &self.cpu {
            parts.push(cpu.clone());
        }
        parts.push(format!("{} cores", self.cores));
        parts.join(", ")
    }

    /// The warnings a reader must see before any figure.
    pub fn warnings(&self, smoke: bool) -> Vec<String> {
        let mut warnings = Vec::new();
        if debug_build() {
            warnings.push("DEBUG BUILD — not representative (use cargo run --release)".to_string());
        }
        if self.wine {
            warnings.push(if smoke {
                "Wine smoke run — not representative of Windows".to_string()
            } else {
                "Wine run — not representative of Windows".to_string()
            });
        } else if smoke {
            warnings
                .push("smoke run — checks the tool works; the figures mean nothing".to_string());
        }
        if let Some(load) = self.busy() {
            warnings.push(format!(
                "busy machine: load average {load:.1} on {} cores before the run; figures are noisy",
                self.cores
            ));
        }
        warnings
    }

    /// The 1-minute load average before the run, when other work was
    /// already taking more than half the cores.
    fn busy(&self) -> Option<f64> {
        let load: f64 = self
            .load_before
            .as_ref()?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        (load > self.cores as f64 * 0.5).then_some(load)
    }
}

/// True in a build without optimisations.
pub fn debug_build() -> bool {
    cfg!(debug_assertions)
}

/// A Linux `/proc` file, trimmed. Nothing elsewhere: under Wine, `/proc`
/// would name the Linux host's files, not the Windows machine's.
fn read_trimmed(path: &str) -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

fn cpu_model() -> Option<String> {
    let info = read_trimmed("/proc/cpuinfo")?;
    let line = info.lines().find(|l| l.starts_with("model name"))?;
    Some(line.split_once(':')?.1.trim().to_string())
}

fn load_average() -> Option<String> {
    let text = read_trimmed("/proc/loadavg")?;
    Some(
        text.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn commit() -> Option<String> {
    let output = Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// `time` as `YYYY-MM-DD HH:MM UTC`.
fn utc_date(time: SystemTime) -> String {
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// Days since 1970-01-01 to a (year, month, day) of the proleptic
/// Gregorian calendar (the well-known era-based conversion).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub use piperpc_demo::platform::is_wine;

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn dates() {
        assert_eq!(utc_date(UNIX_EPOCH), "1970-01-01 00:00 UTC");
        // 2024-02-29 12:34:56 UTC, a leap day.
        let leap = UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        assert_eq!(utc_date(leap), "2024-02-29 12:34 UTC");
        let new_year = UNIX_EPOCH + Duration::from_secs(1_735_689_600);
        assert_eq!(utc_date(new_year), "2025-01-01 00:00 UTC");
    }
}
