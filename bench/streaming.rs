//! Throughput: server streaming of large messages, and a bidirectional
//! ping-pong, in MB/s (10^6 bytes of payload per second).
//!
//! Server streaming repeats calls of [`Plan::bytes_per_stream`] bytes until
//! the round's time is up, so call setup is part of the cost as it is in
//! use, but a small part. The ping-pong sends a message and waits for its
//! answer, again and again, on one bidirectional stream (raw: its echo);
//! both directions' payload count.

use std::time::Instant;

use crate::client::{Conn, Until};
use crate::plan::{Plan, size_name};
use crate::results::{Figure, Group, Kind, Subject};
use crate::session::{Session, TimeBox, index, order};

/// Measurement steps this part takes.
pub fn steps(plan: &Plan) -> u64 {
    ((plan.stream_sizes.len() + 1) * plan.rounds * Subject::ALL.len()) as u64
}

/// What one figure does with a connection.
#[derive(Clone, Copy, Debug)]
enum Pattern {
    /// Server streaming of messages of this size.
    Stream(usize),
    /// Ping-pong of messages of this size.
    PingPong(usize),
}

/// Measures every throughput figure for every subject.
pub async fn measure(session: &Session) -> anyhow::Result<Vec<Figure>> {
    let plan = &session.plan;
    let mut conns = session.open_each().await?;
    let mut patterns: Vec<Pattern> = plan
        .stream_sizes
        .iter()
        .map(|&s| Pattern::Stream(s))
        .collect();
    patterns.push(Pattern::PingPong(plan.ping_pong_size));

    let mut figures = Vec::new();
    for pattern in patterns {
        let mut figure = match pattern {
            Pattern::Stream(size) => Figure::new(
                &format!("server_stream_{size}_mb_per_s"),
                Group::Throughput,
                format!("server streaming, {} messages", size_name(size)),
                format!("stream {}", size_name(size)),
                "MB/s",
                Kind::Rate,
            ),
            Pattern::PingPong(size) => Figure::new(
                &format!("bidi_ping_pong_{size}_mb_per_s"),
                Group::Throughput,
                format!("bidi ping-pong, {} messages", size_name(size)),
                format!("ping-pong {}", size_name(size)),
                "MB/s",
                Kind::Rate,
            ),
        };
        session.progress.phase(&figure.label);
        for conn in &mut conns {
            run(plan, conn, pattern, true).await?;
        }
        let mut rates: [Vec<f64>; 5] = Default::default();
        for round in 0..plan.rounds {
            for subject in order(round) {
                let i = index(subject);
                rates[i].push(run(plan, &mut conns[i], pattern, false).await?);
                session.progress.step();
            }
        }
        for subject in Subject::ALL {
            let i = index(subject);
            figure.set_median(subject, rates[i].clone(), None);
        }
        figures.push(figure);
    }
    Ok(figures)
}

/// Runs `pattern` for one round (or the warm-up); returns MB/s.
async fn run(plan: &Plan, conn: &mut Conn, pattern: Pattern, warmup: bool) -> anyhow::Result<f64> {
    let length = if warmup { plan.warmup } else { plan.batch };
    let start = Instant::now();
    let bytes = match pattern {
        Pattern::Stream(size) => {
            let count = plan.stream_count(size);
            let mut bytes = 0;
            let mut time_box = TimeBox::start(length);
            while time_box.next() {
                bytes += conn.stream(count, size).await?;
            }
            bytes
        }
        Pattern::PingPong(size) => {
            let exchanges = conn.ping_pong(size, Until::Time(start + length)).await?;
            exchanges * 2 * size as u64
        }
    };
    Ok(bytes as f64 / start.elapsed().as_secs_f64() / 1e6)
}
