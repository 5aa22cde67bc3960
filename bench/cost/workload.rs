//! What `piperpc-bench cost` counts the instructions of: four workloads,
//! each a repeatable operation on one connection, run a given number of
//! times by the hidden `calls` role.

use anyhow::ensure;
use clap::ValueEnum;

use crate::client::{Conn, Until};
use crate::floor::client::FloorConn;

/// Messages of one server-streaming call.
pub const STREAM_MESSAGES: u32 = 1000;
/// Size of each of its messages.
pub const STREAM_MESSAGE_SIZE: usize = 1024;
/// Size of the bidirectional ping-pong's messages: the main run's
/// ping-pong figure's ([`crate::plan::Plan::ping_pong_size`], checked by a
/// test), so the two are about the same work.
pub const PING_PONG_SIZE: usize = 64 * 1024;

/// One workload: an operation repeated on one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Workload {
    /// Unary Echo calls of 64 bytes each way, one after another.
    #[value(name = "unary-64B")]
    Unary64B,
    /// Unary Echo calls of 64 KiB each way, one after another.
    #[value(name = "unary-64KiB")]
    Unary64KiB,
    /// Server-streaming Count calls of 1,000 messages of 1 KiB; counted per
    /// message.
    #[value(name = "stream-1KiB")]
    Stream1KiB,
    /// One bidirectional Chat stream: a 64 KiB message sent and its answer
    /// awaited, again and again; counted per exchange.
    #[value(name = "ping-pong-64KiB")]
    PingPong64KiB,
}

impl Workload {
    /// Every workload, in table order.
    pub const ALL: [Workload; 4] = [
        Workload::Unary64B,
        Workload::Unary64KiB,
        Workload::Stream1KiB,
        Workload::PingPong64KiB,
    ];

    /// The name on the command line and in figure ids: `unary-64B`.
    pub fn key(self) -> &'static str {
        match self {
            Workload::Unary64B => "unary-64B",
            Workload::Unary64KiB => "unary-64KiB",
            Workload::Stream1KiB => "stream-1KiB",
            Workload::PingPong64KiB => "ping-pong-64KiB",
        }
    }

    /// The name in tables.
    pub fn label(self) -> &'static str {
        match self {
            Workload::Unary64B => "unary 64 B",
            Workload::Unary64KiB => "unary 64 KiB",
            Workload::Stream1KiB => "server stream 1,000 x 1 KiB",
            Workload::PingPong64KiB => "bidi ping-pong 64 KiB",
        }
    }

    /// What one counted unit is.
    pub fn unit(self) -> &'static str {
        match self {
            Workload::Unary64B | Workload::Unary64KiB => "instructions/call",
            Workload::Stream1KiB => "instructions/message",
            Workload::PingPong64KiB => "instructions/exchange",
        }
    }

    /// Counted units per operation the `calls` role repeats: a streaming
    /// call is counted per message.
    pub fn units_per_operation(self) -> u64 {
        match self {
            Workload::Stream1KiB => u64::from(STREAM_MESSAGES),
            _ => 1,
        }
    }

    /// Operations in the smaller of the two runs of a measurement (the
    /// other makes twice as many), full or `--quick`: enough that a
    /// figure repeats within a fraction of a percent, few enough that
    /// both ends under callgrind take seconds (release build).
    pub fn default_count(self, quick: bool) -> u64 {
        match (self, quick) {
            (Workload::Unary64B, false) => 1000,
            (Workload::Unary64KiB, false) => 300,
            (Workload::Stream1KiB, false) => 20,
            (Workload::PingPong64KiB, false) => 300,
            (Workload::Stream1KiB, true) => 1,
            (_, true) => 10,
        }
    }

    /// Does `count` operations on `conn`, checking every reply's size
    /// (the ping-pong: `count` exchanges on one stream).
    pub async fn run(self, conn: &mut Conn, count: u64) -> anyhow::Result<()> {
        if let Conn::Floor(floor) = conn {
            // Blocking all through, as a blocking client runs: one
            // `block_in_place` for the lot rather than one per call, whose
            // hand-off of the worker would be the runtime's work, not the
            // floor's.
            return tokio::task::block_in_place(|| self.run_blocking(floor, count));
        }
        match self {
            Workload::Unary64B | Workload::Unary64KiB => {
                for _ in 0..count {
                    conn.round_trip(self.size()).await?;
                }
            }
            Workload::Stream1KiB => {
                for _ in 0..count {
                    conn.stream(STREAM_MESSAGES, STREAM_MESSAGE_SIZE).await?;
                }
            }
            Workload::PingPong64KiB if count > 0 => {
                let exchanges = conn
                    .ping_pong(PING_PONG_SIZE, Until::Exchanges(count))
                    .await?;
                ensure!(
                    exchanges == count,
                    "the ping-pong made {exchanges} exchanges, not {count}"
                );
            }
            Workload::PingPong64KiB => {}
        }
        Ok(())
    }

    /// [`Workload::run`] on the blocking floor: the ping-pong is its echo
    /// again and again, as in the main run's figure.
    pub fn run_blocking(self, floor: &mut FloorConn, count: u64) -> anyhow::Result<()> {
        match self {
            Workload::Unary64B | Workload::Unary64KiB | Workload::PingPong64KiB => {
                for _ in 0..count {
                    floor.round_trip(self.size())?;
                }
            }
            Workload::Stream1KiB => {
                let expected = u64::from(STREAM_MESSAGES) * STREAM_MESSAGE_SIZE as u64;
                for _ in 0..count {
                    let bytes = floor.stream(STREAM_MESSAGES, STREAM_MESSAGE_SIZE)?;
                    ensure!(bytes == expected, "streamed {bytes} bytes, not {expected}");
                }
            }
        }
        Ok(())
    }

    /// Payload bytes of one message each way.
    fn size(self) -> usize {
        match self {
            Workload::Unary64B => 64,
            Workload::Unary64KiB => 64 * 1024,
            Workload::Stream1KiB => STREAM_MESSAGE_SIZE,
            Workload::PingPong64KiB => PING_PONG_SIZE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Mode, Plan};

    #[test]
    fn the_ping_pong_is_the_main_runs() {
        assert_eq!(PING_PONG_SIZE, Plan::new(Mode::Full).ping_pong_size);
    }

    #[test]
    fn keys_are_the_command_line_names() {
        for workload in Workload::ALL {
            let value = workload.to_possible_value().expect("not skipped");
            assert_eq!(value.get_name(), workload.key());
            assert_eq!(Workload::from_str(workload.key(), false), Ok(workload));
        }
    }
}
