//! How much to measure: the sizes and durations of a full, quick or smoke
//! run.
//!
//! Every round of every figure is time-boxed rather than counted, so a run
//! takes about as long on a fast machine as on a slow one (or under Wine),
//! and its length can be told in advance. Repetitions are whole rounds, each
//! giving one value per subject, so the spread between rounds shows in the
//! JSON and the reported figure is their median.

use std::time::Duration;

use serde::Serialize;

/// Which kind of run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The default: a few minutes, the figures to quote.
    Full,
    /// Under a minute: the same figures, fewer and shorter rounds.
    Quick,
    /// Seconds: proves the tool works end to end; its figures mean nothing.
    Smoke,
}

impl Mode {
    /// The word used in headers.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Full => "full",
            Mode::Quick => "quick",
            Mode::Smoke => "smoke",
        }
    }
}

/// The sizes and durations of one run.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// Which kind of run this is.
    pub mode: Mode,
    /// Rounds per figure; each subject is measured once per round.
    pub rounds: usize,
    /// How long one subject is measured in one round.
    #[serde(serialize_with = "seconds")]
    pub batch: Duration,
    /// How long each subject runs unmeasured before a figure's first round.
    #[serde(serialize_with = "seconds")]
    pub warmup: Duration,
    /// Payload of the small unary call, in bytes.
    pub small_message: usize,
    /// Connection counts of the concurrency figures.
    pub connections: Vec<usize>,
    /// Message sizes of the server-streaming figures, in bytes.
    pub stream_sizes: Vec<usize>,
    /// Bytes one server-streaming call carries (count = this / size).
    pub bytes_per_stream: usize,
    /// Message size of the bidirectional ping-pong, in bytes.
    pub ping_pong_size: usize,
    /// Open connections for the memory figure.
    pub idle_connections: usize,
    /// Idle connections of the many-connections figures ([`crate::idle`]);
    /// `None`: not measured (quick and smoke runs).
    pub many_idle_connections: Option<usize>,
    /// Pause before reading a server's memory, so it has settled.
    #[serde(serialize_with = "seconds")]
    pub settle: Duration,
}

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

impl Plan {
    /// The plan of a `mode` run.
    pub fn new(mode: Mode) -> Plan {
        let full = Plan {
            mode,
            rounds: 7,
            batch: Duration::from_millis(800),
            warmup: Duration::from_millis(500),
            small_message: 64,
            connections: vec![1, 4, 16, 64],
            stream_sizes: vec![64 * KIB, MIB],
            bytes_per_stream: 16 * MIB,
            ping_pong_size: 64 * KIB,
            idle_connections: 256,
            many_idle_connections: Some(10_000),
            settle: Duration::from_millis(500),
        };
        match mode {
            Mode::Full => full,
            // Five short rounds rather than three long ones: a stall of the
            // machine then spoils one round of five, which the median drops.
            Mode::Quick => Plan {
                rounds: 5,
                batch: Duration::from_millis(200),
                warmup: Duration::from_millis(150),
                settle: Duration::from_millis(300),
                many_idle_connections: None,
                ..full
            },
            Mode::Smoke => Plan {
                rounds: 1,
                batch: Duration::from_millis(50),
                warmup: Duration::from_millis(10),
                bytes_per_stream: MIB,
                idle_connections: 16,
                many_idle_connections: None,
                settle: Duration::from_millis(100),
                ..full
            },
        }
    }

    /// Messages per server-streaming call of `size`-byte messages.
    pub fn stream_count(&self, size: usize) -> u32 {
        (self.bytes_per_stream / size).max(1) as u32
    }
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}

/// `bytes` as people write message sizes: `64 B`, `64 KiB`, `1 MiB`.
pub fn size_name(bytes: usize) -> String {
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(size_name(64), "64 B");
        assert_eq!(size_name(64 * KIB), "64 KiB");
        assert_eq!(size_name(MIB), "1 MiB");
        assert_eq!(size_name(1500), "1500 B");
    }

    #[test]
    fn stream_counts_cover_the_bytes() {
        let plan = Plan::new(Mode::Full);
        assert_eq!(plan.stream_count(64 * KIB), 256);
        assert_eq!(plan.stream_count(MIB), 16);
        assert_eq!(Plan::new(Mode::Smoke).stream_count(4 * MIB), 1);
    }
}
