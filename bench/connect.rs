//! New connections: open a connection, make one small unary call, close it,
//! again and again; connections per second.
//!
//! What a short-lived client (a CLI, a hook, a health probe) pays before its
//! first answer: the socket or pipe open, piperpc's server-identity check,
//! the HTTP/2 handshake and the first call, and on the server the accept and
//! (for a named pipe) the next pipe instance. One connection at a time, so
//! it is a per-connection cost, not how many a burst gets in at once (the
//! connection-storm test checks that every client of a burst is served).

use crate::client::Conn;
use crate::plan::{Plan, size_name};
use crate::results::{Figure, Group, Kind, Subject};
use crate::session::{Session, TimeBox, index, order};

/// Measurement steps this part takes.
pub fn steps(plan: &Plan) -> u64 {
    plan.rounds as u64 * 3
}

/// Measures new connections plus their first call, for every subject.
pub async fn measure(session: &Session) -> anyhow::Result<Vec<Figure>> {
    let plan = &session.plan;
    let size = plan.small_message;
    let name = format!("new connection + first unary {} call", size_name(size));
    session.progress.phase(&name);

    for subject in Subject::ALL {
        let mut warmup = TimeBox::start(plan.warmup);
        while warmup.next() {
            connect_and_call(session, subject, size).await?;
        }
    }

    let mut rates: [Vec<f64>; Subject::ALL.len()] = Default::default();
    let mut counts = [0usize; Subject::ALL.len()];
    for round in 0..plan.rounds {
        for subject in order(round) {
            let i = index(subject);
            let mut batch = TimeBox::start(plan.batch);
            while batch.next() {
                connect_and_call(session, subject, size).await?;
            }
            let (connections, elapsed) = batch.finish();
            rates[i].push(connections as f64 / elapsed.as_secs_f64());
            counts[i] += connections as usize;
            session.progress.step();
        }
    }

    let mut figure = Figure::new(
        "connect_first_call_per_s",
        Group::Latency,
        name,
        "new conn + call".to_string(),
        "conns/s",
        Kind::Rate,
    );
    for subject in Subject::ALL {
        let i = index(subject);
        figure.set_median(subject, std::mem::take(&mut rates[i]), Some(counts[i]));
    }
    Ok(vec![figure])
}

/// One new connection to `subject`, one checked call, then the connection
/// closed.
async fn connect_and_call(session: &Session, subject: Subject, size: usize) -> anyhow::Result<()> {
    let mut conn = Conn::open(&session.targets, subject).await?;
    conn.round_trip(size).await?;
    drop(conn);
    Ok(())
}
