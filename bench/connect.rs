//! New connections: open a connection, make one small unary call, close it,
//! again and again; connections per second.
//!
//! What a short-lived client (a CLI, a hook, a health probe) pays before its
//! first answer: the socket or pipe open, piperpc's server-identity check,
//! the HTTP/2 handshake and the first call, and on the server the accept and
//! (for a named pipe) the next pipe instance. One connection at a time, so
//! it is a per-connection cost, not how many a burst gets in at once (the
//! connection-storm test checks that every client of a burst is served).

use piperpc::ChannelBuilder;

use crate::client::Conn;
use crate::grpc::Grpc;
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
///
/// piperpc's channel connects lazily here, as a short-lived client should:
/// its first call then leaves with the HTTP/2 handshake, as tonic's does
/// after `Endpoint::connect`. `ChannelBuilder::connect` (what `Conn::open`
/// uses) also waits for the server's answer, a round trip, to fail fast on
/// a hung server; a lazy channel's first call fails with the same error.
async fn connect_and_call(session: &Session, subject: Subject, size: usize) -> anyhow::Result<()> {
    let mut conn = match subject {
        Subject::Piperpc => {
            let channel = ChannelBuilder::new(&session.targets.local)?.connect_lazy();
            Conn::Piperpc(Grpc::new(channel))
        }
        _ => Conn::open(&session.targets, subject).await?,
    };
    conn.round_trip(size).await?;
    drop(conn);
    Ok(())
}
