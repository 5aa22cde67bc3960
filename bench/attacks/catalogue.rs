//! The attacks, as the benchmark drives them.
//!
//! Each is one of `piperpc-attack`'s (the same code the attack tests run),
//! driven for the run's duration rather than once:
//!
//! - floods that end in the server closing the connection (rapid reset,
//!   CONTINUATION bursts and trickles, HPACK bombs, table size updates,
//!   noise, oversized frames, lying length prefixes) run on a few
//!   connections side by side, each worker opening the next connection as
//!   soon as the server has ended its last one: what an attacker does;
//! - floods from clients that never read (SETTINGS, PING) keep writing
//!   until the server stops reading them (backpressure) or closes them,
//!   and then hold what they have;
//! - attacks that hold something (unfinished header blocks, a zero window,
//!   streams, idle and slowloris connections) open their connections once
//!   and hold them until the end.
//!
//! Every wait inside an attack is bounded by the time left, so an attack
//! ends on time whatever the server does.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use piperpc::Connector;
use piperpc_attack::compression::{self, HpackBomb};
use piperpc_attack::continuation::{self, ContinuationFlood, HeldBlocks};
use piperpc_attack::flood::{self, ControlFlood, FloodFrame};
use piperpc_attack::grpc::Request;
use piperpc_attack::reset::{self, RapidReset};
use piperpc_attack::slow::{self, Idle, Slowloris};
use piperpc_attack::streams::{self, Exhaustion};
use piperpc_attack::window::{self, ZeroWindow};
use piperpc_attack::{Conn, Sent, frame, garbage};
use tokio::task::JoinSet;
use tokio::time::Instant;

use super::outcome::Outcome;
use super::plan::Plan;

/// The longest any single wait for the server takes: long enough for a
/// busy machine, short against the run's duration.
const WAIT: Duration = Duration::from_secs(1);
/// How long past its deadline an attack may take to wind down before its
/// last connections are dropped unaccounted.
const GRACE: Duration = Duration::from_secs(2);

/// What an attack needs: where the server is, until when, and how hard.
#[derive(Debug)]
pub struct Ctx {
    /// Opens a raw stream to the server (Unix socket or TCP).
    pub connector: Connector,
    /// When the attack stops.
    pub deadline: Instant,
    /// The run's sizes.
    pub plan: Plan,
}

impl Ctx {
    /// Time left, at most [`WAIT`]: how long any one wait may be.
    fn within(&self) -> Duration {
        self.deadline
            .saturating_duration_since(Instant::now())
            .clamp(Duration::from_millis(50), WAIT)
    }

    fn over(&self) -> bool {
        Instant::now() >= self.deadline
    }

    /// A new connection, or why not.
    async fn connect(&self) -> Result<piperpc::ClientStream, String> {
        match tokio::time::timeout(WAIT, self.connector.connect()).await {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(error)) => Err(error.to_string()),
            Err(_) => Err(format!("connect took over {WAIT:?}")),
        }
    }
}

/// An attack's future.
type Running = Pin<Box<dyn Future<Output = Outcome> + Send>>;

/// One attack of the catalogue.
#[derive(Clone, Copy, Debug)]
pub struct Attack {
    /// A stable id, for `--only` and the JSON: `rapid-reset`.
    pub id: &'static str,
    /// What it does, in a few words, for the table.
    pub what: &'static str,
    run: fn(Arc<Ctx>) -> Running,
}

impl Attack {
    /// Runs it against `ctx`'s server until `ctx`'s deadline.
    pub async fn run(&self, ctx: Arc<Ctx>) -> Outcome {
        (self.run)(ctx).await
    }
}

/// Every attack, in table order.
pub const ALL: [Attack; 19] = [
    Attack {
        id: "rapid-reset",
        what: "HEADERS + RST_STREAM pairs, 100 a round",
        run: |ctx| Box::pin(rapid_reset(ctx)),
    },
    Attack {
        id: "continuation-burst",
        what: "HEADERS then 1000 CONTINUATIONs of 1 KiB in one write",
        run: |ctx| Box::pin(continuation_burst(ctx)),
    },
    Attack {
        id: "continuation-trickle",
        what: "HEADERS then 64-byte CONTINUATIONs, one a write, 1 ms apart",
        run: |ctx| Box::pin(continuation_trickle(ctx)),
    },
    Attack {
        id: "held-blocks",
        what: "unfinished header blocks (16 KiB frames) held on many connections",
        run: |ctx| Box::pin(held_blocks(ctx)),
    },
    Attack {
        id: "held-large-frames",
        what: "unfinished header blocks of HEADERS + 5 CONTINUATIONs of the server's largest frame size, one endless string",
        run: |ctx| Box::pin(held_large_frames(ctx)),
    },
    Attack {
        id: "partial-headers",
        what: "a HEADERS frame of the server's largest frame size, all but its last byte, held on many connections",
        run: |ctx| Box::pin(partial_frames(ctx, false)),
    },
    Attack {
        id: "partial-data",
        what: "a call's DATA frame of the server's largest frame size, all but its last byte, held on many connections",
        run: |ctx| Box::pin(partial_frames(ctx, true)),
    },
    Attack {
        id: "hpack-bomb",
        what: "a 100-byte field indexed, then referenced 4000 times",
        run: |ctx| Box::pin(hpack_bomb(ctx)),
    },
    Attack {
        id: "table-size-update",
        what: "a dynamic table size update to 1 GiB",
        run: |ctx| Box::pin(table_size_update(ctx)),
    },
    Attack {
        id: "settings-flood",
        what: "SETTINGS frames, never reading the ACKs",
        run: |ctx| Box::pin(control_flood(ctx, FloodFrame::Settings)),
    },
    Attack {
        id: "ping-flood",
        what: "PING frames, never reading the ACKs",
        run: |ctx| Box::pin(control_flood(ctx, FloodFrame::Ping)),
    },
    Attack {
        id: "unknown-frame-flood",
        what: "frames of an unknown type, never reading",
        run: |ctx| Box::pin(control_flood(ctx, FloodFrame::Unknown)),
    },
    Attack {
        id: "zero-window",
        what: "server streams (Count, 64 KiB messages) behind a zero window",
        run: |ctx| Box::pin(zero_window(ctx)),
    },
    Attack {
        id: "stream-exhaustion",
        what: "unfinished calls opened far past the stream limit",
        run: |ctx| Box::pin(stream_exhaustion(ctx)),
    },
    Attack {
        id: "idle",
        what: "connections that send nothing, not even the preface",
        run: |ctx| Box::pin(idle(ctx)),
    },
    Attack {
        id: "slowloris",
        what: "SETTINGS and a request's HEADERS one byte every 50 ms",
        run: |ctx| Box::pin(slowloris(ctx)),
    },
    Attack {
        id: "garbage",
        what: "16 KiB of noise after the preface",
        run: |ctx| Box::pin(noise(ctx)),
    },
    Attack {
        id: "oversized-frame",
        what: "a DATA frame header announcing 16 MiB",
        run: |ctx| Box::pin(oversized_frame(ctx)),
    },
    Attack {
        id: "length-prefix",
        what: "a gRPC message whose prefix announces 4 GiB",
        run: |ctx| Box::pin(length_prefix(ctx)),
    },
];

/// `workers` connections side by side, each running `step` on a fresh
/// connection after another until the deadline. `step` gets the
/// connection and how long it may wait, and returns the connection and
/// what it sent.
async fn churn<F, Fut>(ctx: Arc<Ctx>, workers: usize, unit: &'static str, step: F) -> Outcome
where
    F: Fn(Conn, Duration, u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = (Conn, u64)> + Send + 'static,
{
    let mut running = JoinSet::new();
    for worker in 0..workers {
        let (ctx, step) = (ctx.clone(), step.clone());
        running.spawn(async move {
            let mut outcome = Outcome::new(unit);
            let mut round = 0u64;
            while !ctx.over() {
                round += 1;
                let stream = match ctx.connect().await {
                    Ok(stream) => stream,
                    Err(error) => {
                        outcome.connect_error(error);
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let seed = (worker as u64) << 32 | round;
                let step = step(Conn::new(stream), ctx.within(), seed);
                match tokio::time::timeout_at(ctx.deadline + GRACE, step).await {
                    Ok((conn, sent)) => {
                        outcome.sent += sent;
                        outcome.record(conn.answer(), conn.stalled());
                    }
                    Err(_) => {
                        outcome.connections += 1;
                        outcome.kept += 1;
                    }
                }
            }
            outcome
        });
    }
    gather(running, unit).await
}

/// Sums the workers' outcomes.
async fn gather(mut running: JoinSet<Outcome>, unit: &'static str) -> Outcome {
    let mut outcome = Outcome::new(unit);
    while let Some(joined) = running.join_next().await {
        if let Ok(part) = joined {
            outcome.merge(part);
        }
    }
    outcome
}

/// Waits until the deadline, reading what the server sends on `conns` (so
/// a GOAWAY or a close is seen), then records each.
async fn hold(ctx: &Ctx, mut conns: Vec<Conn>, outcome: &mut Outcome) {
    let mut watching = JoinSet::new();
    let deadline = ctx.deadline;
    for mut conn in conns.drain(..) {
        watching.spawn(async move {
            let left = deadline.saturating_duration_since(Instant::now());
            conn.wait_closed(left).await;
            conn.drain().await;
            conn
        });
    }
    while let Some(joined) = watching.join_next().await {
        if let Ok(conn) = joined {
            outcome.record(conn.answer(), conn.stalled());
        }
    }
}

async fn rapid_reset(ctx: Arc<Ctx>) -> Outcome {
    let workers = ctx.plan.flood_workers;
    churn(ctx, workers, "pairs", |mut conn, within, _| async move {
        let attack = RapidReset {
            max_pairs: 20_000,
            per_round: 100,
            request: Request::default(),
            within,
        };
        let report = reset::rapid_reset(&mut conn, &attack).await;
        (conn, report.pairs_sent as u64)
    })
    .await
}

async fn continuation_burst(ctx: Arc<Ctx>) -> Outcome {
    let workers = ctx.plan.flood_workers;
    churn(ctx, workers, "bursts", |mut conn, within, _| async move {
        let attack = ContinuationFlood {
            continuations: 1000,
            fragment: 1024,
            within,
            ..ContinuationFlood::default()
        };
        continuation::burst(&mut conn, &attack).await;
        (conn, 1)
    })
    .await
}

async fn continuation_trickle(ctx: Arc<Ctx>) -> Outcome {
    let workers = ctx.plan.trickle_workers;
    let pause = Duration::from_millis(1);
    let deadline = ctx.deadline;
    churn(
        ctx,
        workers,
        "CONTINUATIONs",
        move |mut conn, within, _| async move {
            // About as many frames as fit in the time left (a pause and a
            // write take 1-3 ms on a busy machine), so a connection the
            // server never ends still reports what it sent, near the
            // deadline.
            let left = deadline.saturating_duration_since(Instant::now());
            let attack = ContinuationFlood {
                continuations: (left.as_millis() as usize / 3).max(1),
                fragment: 64,
                pause,
                within,
                ..ContinuationFlood::default()
            };
            let report = continuation::trickle(&mut conn, &attack).await;
            (conn, report.continuations_sent as u64)
        },
    )
    .await
}

async fn held_blocks(ctx: Arc<Ctx>) -> Outcome {
    let attack = HeldBlocks {
        connections: ctx.plan.held_connections,
        block_bytes: ctx.plan.held_block_bytes,
        frame_payload: 16 * 1024,
        stall: Duration::from_millis(500),
        within: WAIT,
        ..HeldBlocks::default()
    };
    let mut outcome = Outcome::new("block bytes");
    // When the server has ended every connection, the attacker opens them
    // all again.
    while !ctx.over() {
        let holding = continuation::hold_blocks(&ctx.connector, &attack).await;
        outcome.sent += holding.bytes_sent;
        for error in holding.connect_errors {
            outcome.connect_error(error);
        }
        hold(&ctx, holding.conns, &mut outcome).await;
    }
    outcome
}

/// Unfinished header blocks in frames of the server's own largest size
/// (HEADERS and 5 CONTINUATIONs, within h2's count) holding one string
/// that never ends, so neither h2's CONTINUATION count nor its header list
/// limit fires (the attack tests' `header_blocks_in_large_frames`).
async fn held_large_frames(ctx: Arc<Ctx>) -> Outcome {
    let mut outcome = Outcome::new("block bytes");
    let Some(size) = max_frame_size(&ctx).await else {
        outcome.connect_error("no SETTINGS from the server".to_string());
        return outcome;
    };
    let size = size as usize;
    let attack = HeldBlocks {
        connections: ctx.plan.large_frame_connections,
        block_bytes: 6 * size,
        frame_payload: size,
        value_len: 8 * size,
        stall: Duration::from_millis(500),
        within: WAIT,
        ..HeldBlocks::default()
    };
    while !ctx.over() {
        let holding = continuation::hold_blocks(&ctx.connector, &attack).await;
        outcome.sent += holding.bytes_sent;
        for error in holding.connect_errors {
            outcome.connect_error(error);
        }
        hold(&ctx, holding.conns, &mut outcome).await;
    }
    outcome
}

/// The server's SETTINGS_MAX_FRAME_SIZE, from a connection of its own.
async fn max_frame_size(ctx: &Ctx) -> Option<u32> {
    let mut conn = Conn::new(ctx.connect().await.ok()?);
    conn.start(&[], WAIT)
        .await
        .then(|| conn.answer().max_frame_size())
}

/// Frames announcing the largest size the server accepts (its
/// SETTINGS_MAX_FRAME_SIZE) and sent whole but for their last byte, one
/// per connection, on many connections: a server that reads a frame whole
/// before it parses it holds one frame's worth of bytes per connection.
/// `data`: the frame is DATA on a call the connection opened (valid
/// HTTP/2 from a slow client); otherwise HEADERS opening the call. Not in
/// `piperpc-attack`; built here from its frames.
async fn partial_frames(ctx: Arc<Ctx>, data: bool) -> Outcome {
    let mut outcome = Outcome::new("frame bytes");
    let mut conns = Vec::new();
    for _ in 0..ctx.plan.held_connections {
        if ctx.over() {
            break;
        }
        let mut conn = match ctx.connect().await {
            Ok(stream) => Conn::new(stream),
            Err(error) => {
                outcome.connect_error(error);
                continue;
            }
        };
        if conn.start(&[], ctx.within()).await {
            let size = conn.answer().max_frame_size();
            let request = Request::default().block().into_bytes();
            let mut bytes = Vec::new();
            let head = if data {
                bytes.extend(frame::headers(1, &request, true, false));
                frame::Head {
                    length: size,
                    kind: frame::kind::DATA,
                    flags: 0,
                    stream: 1,
                }
            } else {
                frame::Head {
                    length: size,
                    kind: frame::kind::HEADERS,
                    flags: 0,
                    stream: 1,
                }
            };
            bytes.extend(head.encode());
            let mut payload = if data { Vec::new() } else { request };
            payload.resize(size as usize - 1, b'v');
            bytes.extend(payload);
            if conn.send_within(&bytes, ctx.within()).await == Sent::Done {
                outcome.sent += u64::from(size) - 1;
            }
        }
        conns.push(conn);
    }
    hold(&ctx, conns, &mut outcome).await;
    outcome
}

async fn hpack_bomb(ctx: Arc<Ctx>) -> Outcome {
    let workers = ctx.plan.flood_workers;
    churn(ctx, workers, "bombs", |mut conn, within, _| async move {
        let attack = HpackBomb {
            references: 4000,
            value_len: 100,
            request: Request::default(),
            within,
        };
        compression::hpack_bomb(&mut conn, &attack).await;
        (conn, 1)
    })
    .await
}

async fn table_size_update(ctx: Arc<Ctx>) -> Outcome {
    let workers = ctx.plan.flood_workers;
    churn(ctx, workers, "updates", |mut conn, within, _| async move {
        compression::table_size_update(&mut conn, 1 << 30, &Request::default(), within).await;
        (conn, 1)
    })
    .await
}

async fn control_flood(ctx: Arc<Ctx>, frame: FloodFrame) -> Outcome {
    let mut running = JoinSet::new();
    for _ in 0..ctx.plan.deaf_workers {
        let ctx = ctx.clone();
        running.spawn(async move {
            let mut outcome = Outcome::new("frames");
            while !ctx.over() {
                let stream = match ctx.connect().await {
                    Ok(stream) => stream,
                    Err(error) => {
                        outcome.connect_error(error);
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let mut conn = Conn::deaf(stream);
                // The crate's flood opens the connection and sends a first
                // 1000 frames; the same frames follow in writes of 1000,
                // each bounded by the time left, so the flood ends on time
                // whether or not the server reads.
                let attack = ControlFlood {
                    frame,
                    frames: 1000,
                    per_write: 1000,
                    stall: ctx.within().min(Duration::from_millis(250)),
                };
                let report = flood::control_flood(&mut conn, &attack).await;
                outcome.sent += report.frames_written as u64;
                let mut ended = report.ended;
                let more = more_frames(frame, 1000);
                while ended == Sent::Done && !ctx.over() {
                    let stall = ctx.within().min(Duration::from_millis(250));
                    ended = conn.send_within(&more, stall).await;
                    if ended == Sent::Done {
                        outcome.sent += 1000;
                    }
                }
                if ended == Sent::Stalled {
                    // The server stopped reading: hold the connection (and
                    // what the server queued for it) to the end.
                    tokio::time::sleep_until(ctx.deadline).await;
                }
                outcome.record_deaf(ended == Sent::Closed, ended == Sent::Stalled);
            }
            outcome
        });
    }
    gather(running, "frames").await
}

async fn zero_window(ctx: Arc<Ctx>) -> Outcome {
    let mut outcome = Outcome::new("streams");
    let mut conns = Vec::new();
    for _ in 0..ctx.plan.zero_window_connections {
        match ctx.connect().await {
            Ok(stream) => {
                let mut conn = Conn::new(stream);
                let attack = ZeroWindow {
                    streams: ctx.plan.zero_window_streams,
                    within: ctx.within(),
                    ..ZeroWindow::default()
                };
                let report = window::zero_window(&mut conn, &attack).await;
                outcome.sent += report.streams as u64;
                conns.push(conn);
            }
            Err(error) => outcome.connect_error(error),
        }
    }
    hold(&ctx, conns, &mut outcome).await;
    outcome
}

async fn stream_exhaustion(ctx: Arc<Ctx>) -> Outcome {
    let mut outcome = Outcome::new("streams");
    let mut conns = Vec::new();
    for _ in 0..ctx.plan.exhaustion_connections {
        match ctx.connect().await {
            Ok(stream) => {
                let mut conn = Conn::new(stream);
                let attack = Exhaustion {
                    streams: ctx.plan.exhaustion_streams,
                    request: Request::default(),
                    within: ctx.within(),
                };
                let report = streams::exhaust_streams(&mut conn, &attack).await;
                outcome.sent += report.opened as u64;
                conns.push(conn);
            }
            Err(error) => outcome.connect_error(error),
        }
    }
    hold(&ctx, conns, &mut outcome).await;
    outcome
}

async fn idle(ctx: Arc<Ctx>) -> Outcome {
    let crowd = slow::open_idle(&ctx.connector, ctx.plan.idle_connections, Idle::Silent).await;
    let mut outcome = Outcome::new("bytes");
    for error in crowd.connect_errors {
        outcome.connect_error(error);
    }
    hold(&ctx, crowd.conns, &mut outcome).await;
    outcome
}

async fn slowloris(ctx: Arc<Ctx>) -> Outcome {
    let attack = Slowloris {
        connections: ctx.plan.slowloris_connections,
        pause: Duration::from_millis(50),
        within: ctx.deadline.saturating_duration_since(Instant::now()),
    };
    let report = slow::slowloris(&ctx.connector, &attack).await;
    let mut outcome = Outcome::new("bytes at most on one");
    outcome.sent = report.most_bytes as u64;
    outcome.connections = report.crowd.connections as u64;
    outcome.closed = report.crowd.closed as u64;
    outcome.kept = report.crowd.still_open as u64;
    for error in report.connect_errors {
        outcome.connect_error(error);
    }
    outcome
}

async fn noise(ctx: Arc<Ctx>) -> Outcome {
    let workers = ctx.plan.flood_workers;
    churn(
        ctx,
        workers,
        "noise bursts",
        |mut conn, within, seed| async move {
            // Noise whose first bytes read as a frame of allowed size leaves
            // the server rightly waiting for the rest: move on sooner.
            let within = within.min(Duration::from_millis(100));
            garbage::noise_after_preface(&mut conn, seed, 16 * 1024, within).await;
            (conn, 1)
        },
    )
    .await
}

async fn oversized_frame(ctx: Arc<Ctx>) -> Outcome {
    let workers = ctx.plan.flood_workers;
    churn(ctx, workers, "frames", |mut conn, within, _| async move {
        garbage::oversized_frame(&mut conn, within).await;
        (conn, 1)
    })
    .await
}

async fn length_prefix(ctx: Arc<Ctx>) -> Outcome {
    let workers = ctx.plan.flood_workers;
    churn(ctx, workers, "calls", |mut conn, within, _| async move {
        garbage::lying_length_prefix(&mut conn, u32::MAX, &Request::default(), within).await;
        (conn, 1)
    })
    .await
}

/// The attacks `only` names (all when empty); an unknown name is an error
/// listing the known ones.
pub fn select(only: &[String]) -> anyhow::Result<Vec<Attack>> {
    if only.is_empty() {
        return Ok(ALL.to_vec());
    }
    only.iter()
        .map(|id| {
            ALL.iter()
                .find(|attack| attack.id == id)
                .copied()
                .ok_or_else(|| {
                    let known: Vec<&str> = ALL.iter().map(|attack| attack.id).collect();
                    anyhow::anyhow!("no attack `{id}`; there are: {}", known.join(", "))
                })
        })
        .collect()
}

/// `count` more frames of the kind [`flood::control_flood`] sends (PINGs
/// with a fixed payload: the server owes each an ACK all the same).
fn more_frames(kind: FloodFrame, count: usize) -> Vec<u8> {
    let one = match kind {
        FloodFrame::Settings => frame::settings(&[(frame::setting::INITIAL_WINDOW_SIZE, 65_535)]),
        FloodFrame::Ping => frame::ping(*b"floodPNG", false),
        FloodFrame::Unknown => frame::frame(0xfa, 0, 0, &[0x55; 16]),
    };
    one.repeat(count)
}
