//! A child process's resident memory, as the OS counts it.
//!
//! Linux: `VmRSS` from `/proc/PID/status`. Other Unix: `ps -o rss=`.
//! Windows: the working set from `K32GetProcessMemoryInfo`. `None` when
//! the OS will not say; the bench then reports "n/a" rather than a guess.

use std::process::Child;

/// Resident bytes of `child`, if the OS reports them.
pub fn resident_bytes(child: &Child) -> Option<u64> {
    platform(child).filter(|&bytes| bytes > 0)
}

#[cfg(target_os = "linux")]
fn platform(child: &Child) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).ok()?;
    parse_vm_rss(&status)
}

/// The `VmRSS:   1234 kB` line of `/proc/PID/status`, in bytes.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_vm_rss(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[cfg(all(unix, not(target_os = "linux")))]
fn platform(child: &Child) -> Option<u64> {
    let output = std::process::Command::new("ps")
        .args(["-o", "rss=", "-p", &child.id().to_string()])
        .output()
        .ok()?;
    let kib: u64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(windows)]
fn platform(child: &Child) -> Option<u64> {
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::System::ProcessStatus::{
        K32GetProcessMemoryInfo, PROCESS_MEMORY_COUNTERS,
    };

    let mut counters: PROCESS_MEMORY_COUNTERS = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<PROCESS_MEMORY_COUNTERS>() as u32;
    counters.cb = size;
    // SAFETY: the handle is our live child's, with full access; `counters`
    // is a valid, correctly sized place for the answer.
    let ok = unsafe { K32GetProcessMemoryInfo(child.as_raw_handle() as _, &mut counters, size) };
    (ok != 0).then_some(counters.WorkingSetSize as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vm_rss() {
        let status = "Name:\tx\nVmPeak:\t  9000 kB\nVmRSS:\t    1234 kB\nThreads:\t3\n";
        assert_eq!(parse_vm_rss(status), Some(1234 * 1024));
        assert_eq!(parse_vm_rss("Name:\tx\n"), None);
    }
}
