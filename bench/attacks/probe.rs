//! A server's memory and CPU, read from `/proc/PID`.
//!
//! Memory: `VmRSS` sampled every 20 ms by a thread of its own (so a busy
//! async runtime cannot delay it), and `VmHWM`, the kernel's own peak,
//! reset just before the attack (`echo 5 > /proc/PID/clear_refs`), which
//! catches a peak between two samples. CPU: `utime + stime` of
//! `/proc/PID/stat`, all the server's threads, in clock ticks.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the sampler reads the server's RSS.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);

/// `VmRSS` of `pid`, in bytes.
pub fn rss(pid: u32) -> Option<u64> {
    status_field(pid, "VmRSS:")
}

/// `VmHWM` of `pid` (peak RSS since the last reset), in bytes.
fn high_water_mark(pid: u32) -> Option<u64> {
    status_field(pid, "VmHWM:")
}

/// Resets `pid`'s `VmHWM` to its current RSS. Best effort: the figure
/// then falls back on the samples.
fn reset_high_water_mark(pid: u32) -> bool {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok()
}

fn status_field(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_kib_field(&status, field)
}

/// The `FIELD:   1234 kB` line of a `/proc/PID/status`, in bytes.
fn parse_kib_field(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// CPU time `pid` has used (user and system, all threads), in
/// milliseconds.
pub fn cpu_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let ticks = parse_cpu_ticks(&stat)?;
    // SAFETY: sysconf only reads a configuration value.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (per_second > 0).then(|| ticks as f64 * 1000.0 / per_second as f64)
}

/// `utime + stime` of a `/proc/PID/stat` line. The command name (field 2)
/// is in parentheses and may hold spaces, so fields are counted from the
/// last `)`: state is the first after it, utime the 12th, stime the 13th.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// A server's memory and CPU over an attack window.
#[derive(Debug)]
pub struct Window {
    pid: u32,
    cpu_before: Option<f64>,
    stop: Arc<AtomicBool>,
    sampler: JoinHandle<(u64, usize)>,
}

/// What a [`Window`] saw.
#[derive(Clone, Copy, Debug)]
pub struct Usage {
    /// The highest RSS, in bytes (samples and `VmHWM`).
    pub peak: Option<u64>,
    /// CPU time used in the window, in milliseconds.
    pub cpu_ms: Option<f64>,
    /// RSS samples taken.
    pub samples: usize,
}

impl Window {
    /// Starts watching `pid`: resets its high-water mark, reads its CPU
    /// time, and starts sampling its RSS.
    pub fn open(pid: u32) -> Window {
        reset_high_water_mark(pid);
        let cpu_before = cpu_ms(pid);
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let sampler = std::thread::spawn(move || {
            let (mut peak, mut samples) = (0, 0);
            while !stopped.load(Ordering::Relaxed) {
                if let Some(rss) = rss(pid) {
                    peak = peak.max(rss);
                    samples += 1;
                }
                std::thread::sleep(SAMPLE_EVERY);
            }
            (peak, samples)
        });
        Window {
            pid,
            cpu_before,
            stop,
            sampler,
        }
    }

    /// Ends the window: CPU used since [`Window::open`], and the peak.
    pub fn close(self) -> Usage {
        let cpu_after = cpu_ms(self.pid);
        let hwm = high_water_mark(self.pid);
        self.stop.store(true, Ordering::Relaxed);
        let (sampled, samples) = self.sampler.join().unwrap_or((0, 0));
        let peak = match (hwm, sampled) {
            (Some(hwm), sampled) => Some(hwm.max(sampled)),
            (None, 0) => None,
            (None, sampled) => Some(sampled),
        };
        Usage {
            peak,
            cpu_ms: match (self.cpu_before, cpu_after) {
                (Some(before), Some(after)) => Some((after - before).max(0.0)),
                _ => None,
            },
            samples,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_status_fields() {
        let status = "Name:\tx\nVmHWM:\t  9000 kB\nVmRSS:\t    1234 kB\n";
        assert_eq!(parse_kib_field(status, "VmRSS:"), Some(1234 * 1024));
        assert_eq!(parse_kib_field(status, "VmHWM:"), Some(9000 * 1024));
        assert_eq!(parse_kib_field(status, "VmSwap:"), None);
    }

    #[test]
    fn reads_cpu_ticks_past_a_name_with_spaces() {
        let stat = "42 (a b) S 1 42 42 0 -1 4194560 100 0 0 0 7 5 0 0 20 0 3 0";
        assert_eq!(parse_cpu_ticks(stat), Some(12));
        assert_eq!(parse_cpu_ticks("42 (x) S 1"), None);
    }

    #[test]
    fn reads_this_process() {
        let pid = std::process::id();
        assert!(rss(pid).is_some_and(|rss| rss > 0));
        assert!(cpu_ms(pid).is_some());
    }
}
