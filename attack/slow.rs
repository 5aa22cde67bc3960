//! Connections that cost the server a slot and send next to nothing:
//! idle ones (nothing at all, or a preface and then silence) and slowloris
//! ones (a frame one byte at a time, never finished).
//!
//! Each holds a connection (and on Windows a pipe instance) for as long as
//! the server lets it. What ends them is a timer of the server's: the
//! handshake timeout for a missing preface, keepalive PINGs for a client
//! that has stopped answering (one stuck in the middle of a frame cannot
//! answer). A client that answers PINGs and sends nothing else is a live
//! idle client: only the server's connection limit bounds those.

use std::time::Duration;

use piperpc::Connector;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::conn::Conn;
use crate::frame::{self, setting};
use crate::grpc::Request;

/// How an idle connection behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Idle {
    /// Sends nothing at all, not even the preface.
    Silent,
    /// Sends the preface and SETTINGS, then nothing; answers the server's
    /// PINGs (and SETTINGS) if `answers_pings`.
    AfterPreface {
        /// Whether it acknowledges the server's PINGs.
        answers_pings: bool,
    },
}

/// Connections opened by an attack, still open.
#[derive(Debug)]
pub struct Crowd {
    /// The connections.
    pub conns: Vec<Conn>,
    /// Connections that could not be opened.
    pub connect_errors: Vec<String>,
}

/// How many of a crowd the server closed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CrowdReport {
    /// Connections opened.
    pub connections: usize,
    /// Closed by the server (with or without a GOAWAY first).
    pub closed: usize,
    /// Still open when the wait ended.
    pub still_open: usize,
}

/// Opens `connections` idle connections through `connector`.
pub async fn open_idle(connector: &Connector, connections: usize, how: Idle) -> Crowd {
    let mut crowd = Crowd {
        conns: Vec::with_capacity(connections),
        connect_errors: Vec::new(),
    };
    for _ in 0..connections {
        match connector.connect().await {
            Ok(stream) => {
                let mut conn = Conn::new(stream);
                match how {
                    Idle::Silent => conn = conn.rude(),
                    Idle::AfterPreface { answers_pings } => {
                        if !answers_pings {
                            conn = conn.rude();
                        }
                        conn.handshake(&[]).await;
                    }
                }
                crowd.conns.push(conn);
            }
            Err(error) => crowd.connect_errors.push(error.to_string()),
        }
    }
    crowd
}

impl Crowd {
    /// Waits up to `within` for the server to close every connection,
    /// all at once (each keeps answering PINGs if it does), and counts.
    pub async fn settle(self, within: Duration) -> CrowdReport {
        let deadline = Instant::now() + within;
        let mut waiting = JoinSet::new();
        let connections = self.conns.len();
        for mut conn in self.conns {
            waiting.spawn(async move {
                let left = deadline.saturating_duration_since(Instant::now());
                conn.wait_closed(left).await
            });
        }
        let mut report = CrowdReport {
            connections,
            ..CrowdReport::default()
        };
        while let Some(closed) = waiting.join_next().await {
            if closed.unwrap_or(false) {
                report.closed += 1;
            } else {
                report.still_open += 1;
            }
        }
        report
    }
}

/// Slowloris: frames trickled one byte at a time.
#[derive(Clone, Debug)]
pub struct Slowloris {
    /// Connections, trickling side by side.
    pub connections: usize,
    /// Pause between bytes.
    pub pause: Duration,
    /// How long to keep trickling before giving up on the server closing
    /// the connection (a failure bound).
    pub within: Duration,
}

impl Default for Slowloris {
    /// 20 connections, a byte every 50 ms, for at most 20 s.
    fn default() -> Slowloris {
        Slowloris {
            connections: 20,
            pause: Duration::from_millis(50),
            within: crate::ANSWER_WITHIN,
        }
    }
}

/// What slowloris achieved.
#[derive(Clone, Debug, Default)]
pub struct SlowlorisReport {
    /// Connections, and how many the server closed.
    pub crowd: CrowdReport,
    /// The most bytes any connection got to trickle before it was closed.
    pub most_bytes: usize,
    /// Connections that could not be opened.
    pub connect_errors: Vec<String>,
}

/// Opens the connections, sends each the preface whole, then SETTINGS and
/// a request's HEADERS one byte at a time, until the server closes it or
/// [`Slowloris::within`] has passed. PINGs are not answered: a client in
/// the middle of a frame cannot.
pub async fn slowloris(connector: &Connector, attack: &Slowloris) -> SlowlorisReport {
    let mut trickle = frame::settings(&[(setting::ENABLE_PUSH, 0)]);
    trickle.extend(frame::headers(
        1,
        Request::default().block().bytes(),
        true,
        true,
    ));
    let mut report = SlowlorisReport::default();
    let deadline = Instant::now() + attack.within;
    let mut running = JoinSet::new();
    for _ in 0..attack.connections {
        let mut conn = match connector.connect().await {
            Ok(stream) => Conn::new(stream).rude(),
            Err(error) => {
                report.connect_errors.push(error.to_string());
                continue;
            }
        };
        let trickle = trickle.clone();
        let pause = attack.pause;
        running.spawn(async move {
            let mut sent = 0;
            if conn.send(frame::PREFACE).await {
                // Cycles through the frames: the server has to end it.
                for byte in trickle.iter().cycle() {
                    if Instant::now() > deadline || !conn.send(&[*byte]).await {
                        break;
                    }
                    sent += 1;
                    conn.drain().await;
                    if conn.answer().closed.is_some() {
                        break;
                    }
                    tokio::time::sleep(pause).await;
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            (conn.wait_closed(left).await, sent)
        });
    }
    while let Some(ended) = running.join_next().await {
        let (closed, sent) = ended.unwrap_or((false, 0));
        report.crowd.connections += 1;
        if closed {
            report.crowd.closed += 1;
        } else {
            report.crowd.still_open += 1;
        }
        report.most_bytes = report.most_bytes.max(sent);
    }
    report
}
