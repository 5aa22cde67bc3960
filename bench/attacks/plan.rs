//! How long and how hard each attack runs, full and quick.
//!
//! Sized for a small machine (2 cores, shared): enough connections to show
//! what each one costs the server, few enough that the client side does
//! not starve the server of CPU and measure itself.

use std::time::Duration;

/// The sizes of one run.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Plan {
    /// `full` or `quick`.
    pub mode: &'static str,
    /// How long each attack runs.
    #[serde(serialize_with = "seconds")]
    pub duration: Duration,
    /// Pause after starting a server, and after an attack, before its
    /// memory is read.
    #[serde(serialize_with = "seconds")]
    pub settle: Duration,
    /// Connections flooding side by side (rapid reset, CONTINUATION bursts,
    /// HPACK bombs, table size updates, garbage): each opens the next
    /// connection when the server ends its last one.
    pub flood_workers: usize,
    /// Connections trickling CONTINUATIONs side by side.
    pub trickle_workers: usize,
    /// Deaf connections flooding SETTINGS or PINGs.
    pub deaf_workers: usize,
    /// Connections holding an unfinished header block each.
    pub held_connections: usize,
    /// Header block bytes each of them sends.
    pub held_block_bytes: usize,
    /// Connections holding a header block in frames of the server's
    /// largest size (6 frames each).
    pub large_frame_connections: usize,
    /// Connections with a zero window.
    pub zero_window_connections: usize,
    /// Server streams opened on each of them.
    pub zero_window_streams: usize,
    /// Connections opening too many streams.
    pub exhaustion_connections: usize,
    /// Streams each of them opens.
    pub exhaustion_streams: usize,
    /// Idle connections (nothing sent).
    pub idle_connections: usize,
    /// Slowloris connections.
    pub slowloris_connections: usize,
}

impl Plan {
    /// The full run: 5 s per attack.
    pub fn full() -> Plan {
        Plan {
            mode: "full",
            duration: Duration::from_secs(5),
            settle: Duration::from_millis(500),
            flood_workers: 2,
            trickle_workers: 4,
            deaf_workers: 4,
            held_connections: 100,
            held_block_bytes: 1024 * 1024,
            large_frame_connections: 20,
            zero_window_connections: 2,
            zero_window_streams: 50,
            exhaustion_connections: 4,
            exhaustion_streams: 1000,
            idle_connections: 500,
            slowloris_connections: 200,
        }
    }

    /// The quick run, for CI: every attack, shorter and smaller.
    pub fn quick() -> Plan {
        Plan {
            mode: "quick",
            duration: Duration::from_millis(400),
            settle: Duration::from_millis(100),
            flood_workers: 1,
            trickle_workers: 2,
            deaf_workers: 2,
            held_connections: 32,
            held_block_bytes: 256 * 1024,
            large_frame_connections: 8,
            zero_window_connections: 1,
            zero_window_streams: 20,
            exhaustion_connections: 2,
            exhaustion_streams: 400,
            idle_connections: 64,
            slowloris_connections: 32,
        }
    }
}

fn seconds<S: serde::Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64())
}
