//! HTTP/2 attacks (issue 22) against real `piperpc serve` processes, on
//! the platform's local transport (a Unix socket; a named pipe on Windows
//! and under Wine), TCP loopback and, where the TLS layer adds something,
//! TLS. The hostile clients are `piperpc-attack`'s (attack/); each attack
//! returns what the server answered, and each test asserts a bound that
//! does not depend on the machine's speed: frames accepted before a
//! GOAWAY, streams accepted, connections left open, memory held. Times
//! appear only as failure bounds, generous ones.
//!
//! The local transports matter most: there piperpc's `:authority`
//! rewriter reads header blocks before h2 does, and must never hold more
//! than h2 would, or h2's defences (CONTINUATION counting, header list
//! limits) never see the attack. Every attack runs on TCP too, where h2
//! sees the bytes as sent: the local transport must answer as TCP does.
//!
//! Memory bounds read the server's resident set (`VmRSS`) on Linux only;
//! elsewhere the test says "not measured on this OS" (or "skipped under
//! Wine") and checks the rest. Random bytes, a truncated preface, a silent
//! connection and an oversized frame before SETTINGS on the local
//! transport are in `hostile.rs`; this file adds them on TCP and TLS.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use piperpc::Connector;
use piperpc_attack::compression::{self, HpackBomb};
use piperpc_attack::continuation::{
    self, ContinuationFlood, HEADER_LIST_WAY_TOO_LARGE, HeldBlocks, TOO_MANY_CONTINUATIONS,
};
use piperpc_attack::flood::{self, ControlFlood, FloodFrame};
use piperpc_attack::grpc::Request;
use piperpc_attack::slow::{self, Idle, Slowloris};
use piperpc_attack::streams::{self, Exhaustion};
use piperpc_attack::window::{self, ZeroWindow};
use piperpc_attack::{Conn, Reason, garbage, reset};
use piperpc_demo::client::Stubs;
use piperpc_demo::proto::demo::EchoRequest;

use crate::common::{
    BIN, MAX_MESSAGE, START_TIMEOUT, Server, is_wine, notice, open_connections,
    settled_open_connections, unique_address,
};

/// Failure bound for anything the server should do at once.
const WITHIN: Duration = Duration::from_secs(20);
const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// What stock gRPC clients send as `:authority` on a local socket (the
/// socket's path): h2 refuses it, so piperpc's rewriter keeps reading
/// every header block of such a connection instead of stepping aside.
const STOCK_AUTHORITY: &str = "/tmp/app.sock";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    /// A Unix socket, or a named pipe on Windows.
    Local,
    Tcp,
    #[cfg(feature = "tls")]
    Tls,
}

/// Which timers the server runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Timers {
    /// No keepalive pings: nothing but the defence under test may end an
    /// attacking connection (and the attacks need not answer pings, which
    /// they cannot do in the middle of a header block).
    Off,
    /// A 1 s handshake timeout, a ping every 0.2 s answered within 0.3 s:
    /// idle and slow connections are ended quickly.
    Short,
}

/// A server under attack, with what a test needs to reach and measure it.
struct Target {
    transport: Transport,
    server: Server,
    connector: Connector,
    pid: Option<u32>,
    #[cfg(feature = "tls")]
    tls: Option<(piperpc::tls::ClientTls, pipecurl::harness::tls::TestCa)>,
}

impl Target {
    fn start(transport: Transport, timers: Timers) -> Target {
        Target::start_with(transport, timers, &[])
    }

    fn start_with(transport: Transport, timers: Timers, extra: &[&str]) -> Target {
        let mut flags: Vec<String> = match timers {
            Timers::Off => vec!["--keepalive".into(), "0".into()],
            Timers::Short => ["--handshake-timeout", "1", "--keepalive", "0.2"]
                .into_iter()
                .chain(["--keepalive-timeout", "0.3"])
                .map(String::from)
                .collect(),
        };
        flags.extend(extra.iter().map(|flag| flag.to_string()));
        let address = match transport {
            Transport::Local => unique_address(),
            _ => {
                flags.push("--allow-any-peer".into());
                "127.0.0.1:0".to_string()
            }
        };
        #[cfg(feature = "tls")]
        let mut tls = None;
        #[cfg(feature = "tls")]
        if transport == Transport::Tls {
            use pipecurl::harness::tls::{Leaf, TestCa};
            let ca = TestCa::new("attack CA");
            let (cert, key) = ca
                .issue(&Leaf::server(["127.0.0.1", "localhost"]))
                .write(ca.dir(), "server");
            for (flag, path) in [("--tls-cert", cert), ("--tls-key", key)] {
                flags.push(flag.into());
                flags.push(path.to_str().expect("a UTF-8 temp path").into());
            }
            let client = piperpc::tls::ClientTls::new()
                .ca_certificate(ca.pem())
                .expect("the test CA");
            tls = Some((client, ca));
        }
        // A mark in the environment finds the server among this process's
        // children, whatever its address (Linux: for its memory).
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let mark = format!(
            "{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--listen", &address])
            .args(&flags)
            .env("PIPERPC_ATTACK_TARGET", &mark);
        let server = Server::start_command(command, 1);
        #[cfg_attr(not(feature = "tls"), allow(unused_mut))]
        let mut connector = Connector::new(server.address())
            .expect("the announced address")
            .connect_timeout(START_TIMEOUT);
        #[cfg(feature = "tls")]
        if let Some((client, _)) = &tls {
            connector = connector.tls(client.clone());
        }
        Target {
            transport,
            pid: find_child(&mark),
            server,
            connector,
            #[cfg(feature = "tls")]
            tls,
        }
    }

    /// A new attacking connection that reads the server's frames.
    async fn conn(&self) -> Conn {
        Conn::new(self.stream().await)
    }

    async fn stream(&self) -> piperpc::ClientStream {
        self.connector
            .connect()
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.server.address()))
    }

    /// A well-behaved client on a connection of its own.
    async fn stubs(&self) -> Stubs {
        #[cfg_attr(not(feature = "tls"), allow(unused_mut))]
        let mut builder = piperpc::ChannelBuilder::new(self.server.address())
            .expect("the announced address")
            .connect_timeout(START_TIMEOUT);
        #[cfg(feature = "tls")]
        if let Some((client, _)) = &self.tls {
            builder = builder.tls(client.clone());
        }
        let channel = builder
            .connect()
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.server.address()));
        Stubs::new(channel, MAX_MESSAGE)
    }

    /// The call the attacks make: the demo's Echo, naming `localhost`.
    fn request(&self) -> Request {
        Request::default()
    }

    /// The server still answers a new client.
    async fn still_serving(&self) {
        let mut stubs = self.stubs().await;
        let reply = stubs.echo.echo(EchoRequest::default()).await;
        assert!(
            reply.is_ok(),
            "{:?}: a legitimate call failed after the attack: {reply:?}",
            self.transport
        );
    }

    /// The server's resident memory now, where the OS says.
    fn resident(&self) -> Option<u64> {
        self.pid.and_then(resident_bytes)
    }

    /// Starts a memory bound: the server's resident set now.
    fn memory(&self) -> Memory {
        Memory {
            baseline: self.resident(),
        }
    }
}

/// A server's resident set before an attack.
struct Memory {
    baseline: Option<u64>,
}

impl Memory {
    /// The server's resident set grew by less than `bound` since the
    /// baseline (Linux only; elsewhere says so).
    fn assert_grew_less_than(&self, target: &Target, bound: u64, what: &str) {
        let (Some(before), Some(now)) = (self.baseline, target.resident()) else {
            let why = if is_wine() {
                "skipped under Wine"
            } else {
                "not measured on this OS"
            };
            notice(&format!(
                "{what} ({:?}): server memory {why}",
                target.transport
            ));
            return;
        };
        let grown = now.saturating_sub(before);
        notice(&format!(
            "{what} ({:?}): server RSS {} KiB -> {} KiB (+{} KiB, bound {} KiB)",
            target.transport,
            before / KIB,
            now / KIB,
            grown / KIB,
            bound / KIB
        ));
        assert!(
            grown < bound,
            "{what} ({:?}): the server's memory grew by {} KiB, over the bound of {} KiB",
            target.transport,
            grown / KIB,
            bound / KIB
        );
    }
}

/// The pid of this process's child whose environment carries `mark`.
#[cfg(target_os = "linux")]
fn find_child(mark: &str) -> Option<u32> {
    let needle = format!("PIPERPC_ATTACK_TARGET={mark}\0");
    let me = std::process::id().to_string();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces, so split
        // after its closing parenthesis.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1));
        if ppid != Some(me.as_str()) {
            continue;
        }
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        if String::from_utf8_lossy(&environ).contains(&needle) {
            return Some(pid);
        }
    }
    None
}

#[cfg(not(target_os = "linux"))]
fn find_child(_: &str) -> Option<u32> {
    None
}

/// `VmRSS` of `pid`, in bytes.
#[cfg(target_os = "linux")]
fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * KIB)
}

#[cfg(not(target_os = "linux"))]
fn resident_bytes(_: u32) -> Option<u64> {
    None
}

/// One `#[tokio::test]` per transport, each running `attack(transport)`.
macro_rules! on_transports {
    ($attack:ident: $($test:ident => $transport:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                $attack(Transport::$transport).await;
            }
        )+
    };
}

// ---- Rapid reset ----------------------------------------------------------

/// hyper lets 20 streams wait reset and unaccepted; the attack's rounds
/// of 50 pairs, a PING round trip each, make the count exact to a round
/// (the first round is enough on Linux). Generous: a server that happens
/// to accept streams in the middle of a round starts its count again.
const MAX_RESET_PAIRS: usize = 500;

async fn rapid_reset_with(transport: Transport, authority: Option<&str>) {
    let target = Target::start(transport, Timers::Off);
    let mut request = target.request();
    if let Some(authority) = authority {
        request = request.authority(authority);
    }
    let attack = reset::RapidReset {
        request,
        ..reset::RapidReset::default()
    };
    let report = reset::rapid_reset(&mut target.conn().await, &attack).await;
    notice(&format!(
        "rapid reset ({transport:?}): {} pairs sent, {} read, then {}",
        report.pairs_sent,
        report.pairs_read,
        report.answer.summary()
    ));
    assert_eq!(
        report.answer.goaway_reason(),
        Some(Reason::ENHANCE_YOUR_CALM),
        "{transport:?}: {}",
        report.answer.summary()
    );
    assert!(
        report.pairs_sent <= MAX_RESET_PAIRS,
        "{transport:?}: {} HEADERS + RST_STREAM pairs before the GOAWAY",
        report.pairs_sent
    );
    target.still_serving().await;
}

async fn rapid_reset(transport: Transport) {
    rapid_reset_with(transport, None).await;
}

on_transports!(rapid_reset:
    rapid_reset_is_stopped_on_the_local_transport => Local,
    rapid_reset_is_stopped_on_tcp => Tcp,
);

#[cfg(feature = "tls")]
on_transports!(rapid_reset: rapid_reset_is_stopped_on_tls => Tls);

/// The rewriter reads every block of a connection whose first request
/// named a socket path: the pairs still reach h2 one by one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rapid_reset_with_a_stock_clients_authority_is_stopped_locally() {
    rapid_reset_with(Transport::Local, Some(STOCK_AUTHORITY)).await;
}

// ---- CONTINUATION floods --------------------------------------------------

fn assert_too_many_continuations(transport: Transport, report: &continuation::FloodReport) {
    assert!(
        report.answer.calmed(TOO_MANY_CONTINUATIONS),
        "{transport:?}: after HEADERS and {} CONTINUATIONs without END_HEADERS \
         the server did not answer GOAWAY ENHANCE_YOUR_CALM too_many_continuations: {}",
        report.continuations_sent,
        report.answer.summary()
    );
}

async fn continuation_burst_with(transport: Transport, authority: Option<&str>) {
    let target = Target::start(transport, Timers::Off);
    let mut request = target.request();
    if let Some(authority) = authority {
        request = request.authority(authority);
    }
    let attack = ContinuationFlood {
        request,
        ..ContinuationFlood::default()
    };
    // Never answers pings: a PING inside a header block is itself an error.
    let mut conn = target.conn().await.rude();
    let report = continuation::burst(&mut conn, &attack).await;
    assert_eq!(
        report.continuations_sent,
        continuation::H2_MAX_CONTINUATIONS + 1
    );
    assert_too_many_continuations(transport, &report);
    target.still_serving().await;
}

async fn continuation_burst(transport: Transport) {
    continuation_burst_with(transport, None).await;
}

on_transports!(continuation_burst:
    continuation_burst_gets_goaway_on_the_local_transport => Local,
    continuation_burst_gets_goaway_on_tcp => Tcp,
);

#[cfg(feature = "tls")]
on_transports!(continuation_burst: continuation_burst_gets_goaway_on_tls => Tls);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn continuation_burst_with_a_stock_clients_authority_gets_goaway_locally() {
    continuation_burst_with(Transport::Local, Some(STOCK_AUTHORITY)).await;
}

async fn continuation_trickle(transport: Transport) {
    let target = Target::start(transport, Timers::Off);
    let attack = ContinuationFlood {
        fragment: 0,
        request: target.request(),
        ..ContinuationFlood::default()
    };
    let mut conn = target.conn().await.rude();
    let report = continuation::trickle(&mut conn, &attack).await;
    assert_too_many_continuations(transport, &report);
    target.still_serving().await;
}

on_transports!(continuation_trickle:
    continuation_trickle_gets_goaway_on_the_local_transport => Local,
    continuation_trickle_gets_goaway_on_tcp => Tcp,
);

#[cfg(feature = "tls")]
on_transports!(continuation_trickle: continuation_trickle_gets_goaway_on_tls => Tls);

/// 50 connections × 200 KiB of unfinished header block (1 KiB fields, 16
/// KiB frames): 10 MiB if the server held them all. h2 stops decoding at
/// 32 KiB of fields and holds at most a frame; whatever reads before it
/// must hold no more.
const HELD_BOUND: u64 = 4 * MIB;

async fn held_header_blocks_with(transport: Transport, authority: Option<&str>) {
    let target = Target::start(transport, Timers::Off);
    let observer = target.stubs().await;
    let memory = target.memory();
    let mut request = target.request();
    if let Some(authority) = authority {
        request = request.authority(authority);
    }
    let attack = HeldBlocks {
        request,
        ..HeldBlocks::default()
    };
    let holding = continuation::hold_blocks(&target.connector, &attack).await;
    assert!(
        holding.connect_errors.is_empty(),
        "{:?}",
        holding.connect_errors
    );
    // Measured while every connection is still open on our side.
    memory.assert_grew_less_than(&target, HELD_BOUND, "50 unfinished 200 KiB header blocks");
    let report = holding.settle(WITHIN).await;
    notice(&format!(
        "held blocks ({transport:?}): {} GOAWAY ENHANCE_YOUR_CALM, {} other GOAWAY, \
         {} closed, {} open; e.g. {}",
        report.calmed,
        report.other_goaway,
        report.closed,
        report.still_open,
        report.answers[0].summary()
    ));
    assert_eq!(
        report.still_open, 0,
        "{transport:?}: {} of {} connections still hold an unfinished block",
        report.still_open, report.connections
    );
    assert_eq!(report.connections, attack.connections);
    target.still_serving().await;
    // Only the observer is left.
    assert_eq!(settled_open_connections(&observer, 1).await, 1);
}

async fn held_header_blocks(transport: Transport) {
    held_header_blocks_with(transport, None).await;
}

on_transports!(held_header_blocks:
    held_header_blocks_are_bounded_on_the_local_transport => Local,
    held_header_blocks_are_bounded_on_tcp => Tcp,
);

/// A block naming a socket path is one the rewriter must hold to rewrite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_header_blocks_with_a_stock_clients_authority_are_bounded_locally() {
    held_header_blocks_with(Transport::Local, Some(STOCK_AUTHORITY)).await;
}

/// The same within h2's CONTINUATION count, in frames of the server's own
/// maximum size (1 MiB, piperpc's local HTTP/2 settings) holding one
/// string that never ends: HEADERS and 5 CONTINUATIONs, 6 MiB, nothing h2
/// can decode, so neither its count nor its header list limit fires: 10
/// connections held 60 MiB until the listener's guard ended such a block
/// at twice the header list size.
async fn header_blocks_in_large_frames(transport: Transport) {
    let target = Target::start(transport, Timers::Off);
    let observer = target.stubs().await;
    let memory = target.memory();
    let attack = HeldBlocks {
        connections: 10,
        block_bytes: 6 * MIB as usize,
        frame_payload: MIB as usize,
        value_len: 8 * MIB as usize,
        request: target.request(),
        ..HeldBlocks::default()
    };
    let holding = continuation::hold_blocks(&target.connector, &attack).await;
    memory.assert_grew_less_than(&target, HELD_BOUND, "10 unfinished 6 MiB header blocks");
    let report = holding.settle(WITHIN).await;
    assert_eq!(report.still_open, 0, "{transport:?}: {report:?}");
    target.still_serving().await;
    assert_eq!(settled_open_connections(&observer, 1).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_blocks_in_large_frames_are_bounded_on_the_local_transport() {
    header_blocks_in_large_frames(Transport::Local).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_blocks_in_large_frames_are_bounded_on_tcp() {
    header_blocks_in_large_frames(Transport::Tcp).await;
}

// ---- HPACK ----------------------------------------------------------------

async fn hpack_bomb_with(transport: Transport, authority: Option<&str>) {
    let target = Target::start(transport, Timers::Off);
    let memory = target.memory();
    let mut request = target.request();
    if let Some(authority) = authority {
        request = request.authority(authority);
    }
    let attack = HpackBomb {
        request,
        ..HpackBomb::default()
    };
    let report = compression::hpack_bomb(&mut target.conn().await, &attack).await;
    notice(&format!(
        "HPACK bomb ({transport:?}): {} bytes decoding to {} bytes: {}",
        report.block_bytes,
        report.decoded_bytes,
        report.answer.summary()
    ));
    assert!(
        report.answer.calmed(HEADER_LIST_WAY_TOO_LARGE),
        "{transport:?}: {}",
        report.answer.summary()
    );
    assert!(!report.answer.answered(1), "{}", report.answer.summary());
    memory.assert_grew_less_than(&target, 4 * MIB, "HPACK bomb");
    target.still_serving().await;
}

async fn hpack_bomb(transport: Transport) {
    hpack_bomb_with(transport, None).await;
}

on_transports!(hpack_bomb:
    hpack_bomb_is_refused_on_the_local_transport => Local,
    hpack_bomb_is_refused_on_tcp => Tcp,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hpack_bomb_with_a_stock_clients_authority_is_refused_locally() {
    hpack_bomb_with(Transport::Local, Some(STOCK_AUTHORITY)).await;
}

/// A table size update above the 4096 the server advertised is a
/// connection error: the request is never answered.
async fn oversized_table_size_updates(transport: Transport) {
    let target = Target::start(transport, Timers::Off);
    for size in [4097, 1 << 28] {
        for authority in [None, Some(STOCK_AUTHORITY)] {
            if authority.is_some() && transport != Transport::Local {
                continue;
            }
            let mut request = target.request();
            if let Some(authority) = authority {
                request = request.authority(authority);
            }
            let mut conn = target.conn().await;
            let report = compression::table_size_update(&mut conn, size, &request, WITHIN).await;
            let answer = &report.answer;
            assert!(
                matches!(
                    answer.goaway_reason(),
                    Some(Reason::COMPRESSION_ERROR | Reason::PROTOCOL_ERROR)
                ) || (answer.goaway.is_none() && answer.closed.is_some()),
                "{transport:?}: a table size update to {size} ({authority:?}) was not a \
                 connection error: {}",
                answer.summary()
            );
            assert!(
                !answer.answered(1),
                "{transport:?}: a request after a table size update to {size} was answered: {}",
                answer.summary()
            );
        }
    }
    target.still_serving().await;
}

on_transports!(oversized_table_size_updates:
    oversized_table_size_updates_are_refused_on_the_local_transport => Local,
    oversized_table_size_updates_are_refused_on_tcp => Tcp,
);

// ---- Floods of control frames, never read ---------------------------------

async fn control_flood(transport: Transport, frame: FloodFrame) {
    let target = Target::start(transport, Timers::Off);
    let observer = target.stubs().await;
    let memory = target.memory();
    let mut conn = Conn::deaf(target.stream().await);
    let attack = ControlFlood::new(frame);
    let report = flood::control_flood(&mut conn, &attack).await;
    notice(&format!(
        "{frame:?} flood ({transport:?}): {} of {} frames written ({} KiB), then {:?}",
        report.frames_written,
        attack.frames,
        report.bytes_written / KIB,
        report.ended
    ));
    // The flooding connection is still open, its answers unread.
    memory.assert_grew_less_than(&target, 8 * MIB, &format!("{frame:?} flood"));
    target.still_serving().await;
    let mut echo = observer.clone();
    assert!(echo.echo.echo(EchoRequest::default()).await.is_ok());
    let stalled = conn.stalled();
    drop(conn);
    if cfg!(windows) && transport == Transport::Local && stalled {
        // mio flushes a named pipe's pending writes before it closes the
        // handle; the server, stalled on answers nobody reads, never takes
        // them, so with keepalive off the connection stays (keepalive,
        // on by default, would end it).
        notice(&format!(
            "{frame:?} flood ({transport:?}): the connection's end after a stalled write \
             not checked on named pipes"
        ));
        return;
    }
    assert_eq!(settled_open_connections(&observer, 1).await, 1);
}

async fn settings_flood(transport: Transport) {
    control_flood(transport, FloodFrame::Settings).await;
}

async fn ping_flood(transport: Transport) {
    control_flood(transport, FloodFrame::Ping).await;
}

async fn unknown_frame_flood(transport: Transport) {
    control_flood(transport, FloodFrame::Unknown).await;
}

on_transports!(settings_flood:
    settings_flood_is_bounded_on_the_local_transport => Local,
    settings_flood_is_bounded_on_tcp => Tcp,
);

on_transports!(ping_flood:
    ping_flood_is_bounded_on_the_local_transport => Local,
    ping_flood_is_bounded_on_tcp => Tcp,
);

on_transports!(unknown_frame_flood:
    unknown_frame_flood_is_bounded_on_the_local_transport => Local,
);

// ---- Flow control and streams ---------------------------------------------

/// 20 streams, each asking for 6.4 GB behind a shut window.
async fn zero_window(transport: Transport) {
    let target = Target::start(transport, Timers::Off);
    let memory = target.memory();
    let mut conn = target.conn().await;
    let attack = ZeroWindow::default();
    let report = window::zero_window(&mut conn, &attack).await;
    assert_eq!(
        report.responses,
        attack.streams,
        "{transport:?}: not every stream was answered: {}",
        report.answer.summary()
    );
    assert_eq!(
        report.data_bytes,
        0,
        "{transport:?}: DATA sent through a zero window: {}",
        report.answer.summary()
    );
    // A pause, not a measurement: time for a server that buffers without
    // bound to show it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    memory.assert_grew_less_than(&target, 16 * MIB, "20 streams behind a zero window");
    target.still_serving().await;
}

on_transports!(zero_window:
    zero_window_streams_are_bounded_on_the_local_transport => Local,
    zero_window_streams_are_bounded_on_tcp => Tcp,
);

/// piperpc keeps hyper's limit of 200 streams at once per connection.
const MAX_STREAMS: u32 = 200;

async fn stream_exhaustion(transport: Transport) {
    let target = Target::start(transport, Timers::Off);
    let mut conn = target.conn().await;
    let attack = Exhaustion {
        request: target.request(),
        ..Exhaustion::default()
    };
    let report = streams::exhaust_streams(&mut conn, &attack).await;
    let summary = report.answer.summary();
    assert_eq!(report.limit, Some(MAX_STREAMS), "{transport:?}: {summary}");
    assert!(
        report.accepted <= MAX_STREAMS as usize,
        "{transport:?}: {} streams accepted at once: {summary}",
        report.accepted
    );
    assert_eq!(
        report.refused,
        attack.streams - MAX_STREAMS as usize,
        "{transport:?}: {summary}"
    );
    assert_eq!(report.other_resets, 0, "{transport:?}: {summary}");
    assert!(report.answer.goaway.is_none(), "{transport:?}: {summary}");
    target.still_serving().await;
}

on_transports!(stream_exhaustion:
    stream_exhaustion_is_refused_on_the_local_transport => Local,
    stream_exhaustion_is_refused_on_tcp => Tcp,
);

// ---- Idle and slow connections --------------------------------------------

const CROWD: usize = 20;

/// Silent connections end at the handshake timeout; connections that sent
/// a preface and then stopped answering end at the keepalive timeout.
async fn idle_connections(transport: Transport) {
    let target = Target::start(transport, Timers::Short);
    let observer = target.stubs().await;
    for how in [
        Idle::Silent,
        Idle::AfterPreface {
            answers_pings: false,
        },
    ] {
        let crowd = slow::open_idle(&target.connector, CROWD, how).await;
        assert!(
            crowd.connect_errors.is_empty(),
            "{:?}",
            crowd.connect_errors
        );
        let report = crowd.settle(WITHIN).await;
        assert_eq!(
            report.still_open, 0,
            "{transport:?}: {how:?} connections were not closed: {report:?}"
        );
    }
    assert_eq!(settled_open_connections(&observer, 1).await, 1);
    target.still_serving().await;
}

on_transports!(idle_connections:
    idle_connections_are_closed_on_the_local_transport => Local,
    idle_connections_are_closed_on_tcp => Tcp,
);

/// A client that answers pings and sends nothing else is alive: only the
/// connection limit bounds how many such the server keeps.
async fn live_idle_connections(transport: Transport) {
    const LIMIT: u64 = 8;
    let target = Target::start_with(transport, Timers::Off, &["--max-connections", "8"]);
    let observer = target.stubs().await;
    let connector = target
        .connector
        .clone()
        .connect_timeout(Duration::from_millis(300));
    let crowd = slow::open_idle(
        &connector,
        3 * LIMIT as usize,
        Idle::AfterPreface {
            answers_pings: true,
        },
    )
    .await;
    let open = settled_open_connections(&observer, LIMIT).await;
    notice(&format!(
        "live idle connections ({transport:?}): {} opened, {} refused at connect, {open} \
         kept by the server (limit {LIMIT})",
        crowd.conns.len(),
        crowd.connect_errors.len()
    ));
    assert!(
        open <= LIMIT,
        "{transport:?}: {open} connections kept, over {LIMIT}"
    );
    drop(crowd);
    assert!(open_connections(&observer).await <= LIMIT);
}

on_transports!(live_idle_connections:
    live_idle_connections_are_bounded_by_the_limit_on_the_local_transport => Local,
    live_idle_connections_are_bounded_by_the_limit_on_tcp => Tcp,
);

async fn slowloris(transport: Transport) {
    let target = Target::start(transport, Timers::Short);
    let observer = target.stubs().await;
    let attack = Slowloris {
        connections: CROWD,
        ..Slowloris::default()
    };
    let report = slow::slowloris(&target.connector, &attack).await;
    notice(&format!(
        "slowloris ({transport:?}): {:?}, at most {} bytes trickled per connection",
        report.crowd, report.most_bytes
    ));
    assert!(
        report.connect_errors.is_empty(),
        "{:?}",
        report.connect_errors
    );
    assert_eq!(report.crowd.connections, CROWD);
    assert_eq!(
        report.crowd.still_open, 0,
        "{transport:?}: slowloris connections kept: {report:?}"
    );
    assert_eq!(settled_open_connections(&observer, 1).await, 1);
    target.still_serving().await;
}

on_transports!(slowloris:
    slowloris_connections_are_closed_on_the_local_transport => Local,
    slowloris_connections_are_closed_on_tcp => Tcp,
);

#[cfg(feature = "tls")]
on_transports!(slowloris: slowloris_connections_are_closed_on_tls => Tls);

// ---- Refused peers --------------------------------------------------------

/// A plaintext client of a TLS address is a refused peer: the listener
/// answers it with a small HTTP/2 server of its own. The attacks must meet
/// h2's limits there too, and refused connections must not pile up.
#[cfg(feature = "tls")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_peers_are_bounded() {
    let target = Target::start(Transport::Tls, Timers::Off);
    let plaintext = Connector::new(target.server.address())
        .expect("the announced address")
        .connect_timeout(START_TIMEOUT);
    let attack = ContinuationFlood::default();
    let mut conn = Conn::new(plaintext.connect().await.expect("connect")).rude();
    let report = continuation::burst(&mut conn, &attack).await;
    assert!(
        report.answer.calmed(TOO_MANY_CONTINUATIONS) || report.answer.closed.is_some(),
        "a refused peer's CONTINUATION flood: {}",
        report.answer.summary()
    );
    drop(conn);
    let crowd = slow::open_idle(
        &plaintext,
        2 * CROWD,
        Idle::AfterPreface {
            answers_pings: true,
        },
    )
    .await;
    assert!(
        crowd.connect_errors.is_empty(),
        "{:?}",
        crowd.connect_errors
    );
    let report = crowd.settle(WITHIN).await;
    assert_eq!(
        report.still_open, 0,
        "refused peers answering pings kept their connections: {report:?}"
    );
    target.still_serving().await;
}

// ---- Garbage --------------------------------------------------------------

/// Noise after the preface, and a frame announcing 16 MiB after the
/// SETTINGS exchange: both end the connection.
async fn garbage_frames(transport: Transport) {
    let target = Target::start(transport, Timers::Off);
    let mut conn = target.conn().await;
    let answer = garbage::noise_after_preface(&mut conn, 2, 4096, WITHIN).await;
    assert!(
        answer.closed.is_some(),
        "{transport:?}: noise did not close the connection: {}",
        answer.summary()
    );
    let mut conn = target.conn().await;
    let answer = garbage::oversized_frame(&mut conn, WITHIN).await;
    assert!(
        answer.closed.is_some(),
        "{transport:?}: an oversized frame did not close the connection: {}",
        answer.summary()
    );
    if let Some(reason) = answer.goaway_reason() {
        assert_eq!(reason, Reason::FRAME_SIZE_ERROR, "{}", answer.summary());
    }
    target.still_serving().await;
}

on_transports!(garbage_frames:
    garbage_frames_close_the_connection_on_the_local_transport => Local,
    garbage_frames_close_the_connection_on_tcp => Tcp,
);

#[cfg(feature = "tls")]
on_transports!(garbage_frames: garbage_frames_close_the_connection_on_tls => Tls);

/// A message announcing 4 GiB - 1 is refused by its prefix.
async fn lying_length_prefix(transport: Transport) {
    const RESOURCE_EXHAUSTED: u32 = 8;
    let target = Target::start(transport, Timers::Off);
    let mut conn = target.conn().await;
    let report = garbage::lying_length_prefix(&mut conn, u32::MAX, &target.request(), WITHIN).await;
    assert_eq!(
        report.grpc_status,
        Some(RESOURCE_EXHAUSTED),
        "{transport:?}: {}",
        report.answer.summary()
    );
    // The connection itself is fine.
    assert_eq!(conn.sync(WITHIN).await, piperpc_attack::Synced::Acked);
    target.still_serving().await;
}

on_transports!(lying_length_prefix:
    a_4_gib_length_prefix_is_resource_exhausted_on_the_local_transport => Local,
    a_4_gib_length_prefix_is_resource_exhausted_on_tcp => Tcp,
);
