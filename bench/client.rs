//! One client connection to one subject, whatever the subject.
//!
//! The measurements are written once against [`Conn`] and run unchanged
//! against every subject: only how the connection is made differs, and
//! that is the point of the comparison.
//!
//! - piperpc: `piperpc::ChannelBuilder`, as an application would.
//! - tonic UDS / pipe: a tonic `Endpoint` with a connector opening the local
//!   pipe ([`crate::tonic_local`]), tonic's defaults.
//! - TCP: `tonic::transport::Endpoint::connect` with tonic's defaults (its
//!   server is plain tonic too).
//! - raw: [`RawConn`] over the same kind of local socket as piperpc.
//! - floor: [`FloorConn`], the same with blocking calls.

use std::time::Instant;

use anyhow::Context;
use piperpc::{Address, ChannelBuilder};

use crate::floor::client::FloorConn;
use crate::grpc::Grpc;
use crate::raw::client::RawConn;
use crate::results::Subject;

/// Where each subject's server listens.
#[derive(Clone, Debug)]
pub struct Targets {
    /// The piperpc server's local address (`unix:...` or `\\.\pipe\...`).
    pub local: Address,
    /// The plain tonic local server's socket path or pipe name.
    pub tonic_local: String,
    /// The TCP server's URI (`http://127.0.0.1:PORT`).
    pub tcp: String,
    /// The raw server's socket path or pipe name.
    pub raw: String,
    /// The floor server's socket path or pipe name.
    pub floor: String,
}

/// When a ping-pong stops: the throughput figures run one for a time, the
/// instruction counts (`piperpc-bench cost`) for a number of exchanges.
#[derive(Clone, Copy, Debug)]
pub enum Until {
    /// After the exchange that ends at or after this instant.
    Time(Instant),
    /// After this many exchanges (at least one).
    Exchanges(u64),
}

impl Until {
    /// Whether a ping-pong that has made `exchanges` exchanges is done.
    pub fn reached(self, exchanges: u64) -> bool {
        match self {
            Until::Time(end) => Instant::now() >= end,
            Until::Exchanges(count) => exchanges >= count,
        }
    }
}

/// An open connection to one subject's server.
#[derive(Debug)]
pub enum Conn {
    /// gRPC over piperpc's local transport.
    Piperpc(Grpc<piperpc::Channel>),
    /// gRPC over the same kind of local pipe, tonic's own channel.
    TonicLocal(Grpc<tonic::transport::Channel>),
    /// gRPC over TCP loopback, tonic's own channel.
    Tcp(Grpc<tonic::transport::Channel>),
    /// No gRPC, tokio.
    Raw(RawConn),
    /// No gRPC, blocking.
    Floor(FloorConn),
}

impl Conn {
    /// Opens a new connection (a new socket or pipe, never a shared one) to
    /// `subject`'s server.
    pub async fn open(targets: &Targets, subject: Subject) -> anyhow::Result<Conn> {
        Ok(match subject {
            Subject::Piperpc => {
                let channel = ChannelBuilder::new(&targets.local)?
                    .connect()
                    .await
                    .with_context(|| format!("connecting to {}", targets.local))?;
                Conn::Piperpc(Grpc::new(channel))
            }
            Subject::TonicLocal => {
                let channel = crate::tonic_local::connect(&targets.tonic_local)
                    .await
                    .with_context(|| format!("connecting to {}", targets.tonic_local))?;
                Conn::TonicLocal(Grpc::new(channel))
            }
            Subject::Tcp => {
                let channel = tonic::transport::Endpoint::from_shared(targets.tcp.clone())?
                    .connect()
                    .await
                    .with_context(|| format!("connecting to {}", targets.tcp))?;
                Conn::Tcp(Grpc::new(channel))
            }
            Subject::Raw => Conn::Raw(
                RawConn::connect(&targets.raw)
                    .await
                    .with_context(|| format!("connecting to the raw server at {}", targets.raw))?,
            ),
            Subject::Floor => Conn::Floor(
                tokio::task::block_in_place(|| FloorConn::connect(&targets.floor)).with_context(
                    || format!("connecting to the floor server at {}", targets.floor),
                )?,
            ),
        })
    }

    /// Opens `count` connections to `subject`'s server, one after another.
    pub async fn open_many(
        targets: &Targets,
        subject: Subject,
        count: usize,
    ) -> anyhow::Result<Vec<Conn>> {
        let mut conns = Vec::with_capacity(count);
        for _ in 0..count {
            conns.push(Conn::open(targets, subject).await?);
        }
        Ok(conns)
    }

    /// A unary round trip of `size` bytes each way.
    pub async fn round_trip(&mut self, size: usize) -> anyhow::Result<()> {
        match self {
            Conn::Piperpc(grpc) => grpc.round_trip(size).await,
            Conn::TonicLocal(grpc) | Conn::Tcp(grpc) => grpc.round_trip(size).await,
            Conn::Raw(raw) => Ok(raw.round_trip(size).await?),
            Conn::Floor(floor) => Ok(tokio::task::block_in_place(|| floor.round_trip(size))?),
        }
    }

    /// `count` messages of `size` bytes from server to client; returns the
    /// payload bytes received.
    pub async fn stream(&mut self, count: u32, size: usize) -> anyhow::Result<u64> {
        match self {
            Conn::Piperpc(grpc) => grpc.stream(count, size).await,
            Conn::TonicLocal(grpc) | Conn::Tcp(grpc) => grpc.stream(count, size).await,
            Conn::Raw(raw) => Ok(raw.stream(count, size).await?),
            Conn::Floor(floor) => Ok(tokio::task::block_in_place(|| floor.stream(count, size))?),
        }
    }

    /// `size`-byte messages answered one at a time, until `until`; returns
    /// the exchanges made (at least one). gRPC uses one bidirectional
    /// stream; raw and floor, their echo.
    pub async fn ping_pong(&mut self, size: usize, until: Until) -> anyhow::Result<u64> {
        match self {
            Conn::Piperpc(grpc) => grpc.ping_pong(size, until).await,
            Conn::TonicLocal(grpc) | Conn::Tcp(grpc) => grpc.ping_pong(size, until).await,
            Conn::Floor(floor) => tokio::task::block_in_place(|| {
                let mut exchanges = 0;
                loop {
                    floor.round_trip(size)?;
                    exchanges += 1;
                    if until.reached(exchanges) {
                        return Ok(exchanges);
                    }
                }
            }),
            Conn::Raw(raw) => {
                let mut exchanges = 0;
                loop {
                    raw.round_trip(size).await?;
                    exchanges += 1;
                    if until.reached(exchanges) {
                        return Ok(exchanges);
                    }
                }
            }
        }
    }
}
