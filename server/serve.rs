//! `piperpc serve`: the demo services on the framework's [`Server`].
//!
//! Everything a server needs (the peer policy, HTTP/2 settings, deadline
//! and RESOURCE_EXHAUSTED layers, keepalive, drain, binding every address
//! before announcing any) comes from `piperpc::Server`; this file
//! only chooses the services and maps the command line onto it.
//!
//! Under systemd it serves the sockets of a `.socket` unit (see
//! `examples/systemd/`) beside any `--listen` address, and reports
//! `READY=1` and `STOPPING=1` when `NOTIFY_SOCKET` is set (`Type=notify`).

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use piperpc::http2::{KEEPALIVE_INTERVAL, KEEPALIVE_TIMEOUT};
use piperpc::server::{Bound, DEFAULT_GRACE_PERIOD, StopSignal};
use piperpc::{Address, ListenerOptions, Server};
use tonic_health::server::HealthReporter;

use super::echo::EchoService;
use super::keyvalue::KeyValueService;
use super::stats::StatsService;
use super::store::Store;
use crate::proto::{
    FILE_DESCRIPTOR_SET,
    demo::{echo_server::EchoServer, key_value_server::KeyValueServer, stats_server::StatsServer},
};

/// The default largest message accepted, as in every gRPC implementation.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 4 * 1024 * 1024;

/// What `piperpc serve` was asked to do.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Addresses to serve on, all at once.
    pub listen: Vec<Address>,
    /// How each is bound: who may connect, socket mode, pipe security.
    pub listener: ListenerOptions,
    /// How long open calls may run on after a stop signal.
    pub grace: Duration,
    /// Also stop when standard input closes.
    pub stop_on_stdin_eof: bool,
    /// Largest message accepted or sent, in bytes.
    pub max_message_size: usize,
    /// Serve gRPC server reflection (v1 and v1alpha).
    pub reflection: bool,
    /// Interval of HTTP/2 pings to each client (`None`: no pings).
    pub keepalive: Option<Duration>,
    /// How long a client has to answer a ping before it is disconnected.
    pub keepalive_timeout: Duration,
}

impl ServeConfig {
    /// Serving `listen` with `piperpc serve`'s defaults: same-user peers
    /// only, 5 s grace, 4 MiB messages, reflection on, pings every 30 s.
    pub fn new(listen: Vec<Address>) -> ServeConfig {
        ServeConfig {
            listen,
            listener: ListenerOptions::new().peer_policy(piperpc::PeerPolicy::same_user()),
            grace: DEFAULT_GRACE_PERIOD,
            stop_on_stdin_eof: false,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            reflection: true,
            keepalive: Some(KEEPALIVE_INTERVAL),
            keepalive_timeout: KEEPALIVE_TIMEOUT,
        }
    }
}

/// Serves until a stop signal, then drains and returns.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let listen = config.listen.clone();
    serve_bound(config, move |server| server.bind(&listen)).await
}

/// As [`serve`], and serves `sockets` too: the listening sockets a service
/// manager passed (systemd socket activation, `piperpc::systemd::listen_fds`),
/// under the same peer policy and options as the addresses.
#[cfg(unix)]
pub async fn serve_inherited(
    config: ServeConfig,
    sockets: Vec<piperpc::InheritedSocket>,
) -> anyhow::Result<()> {
    let listen = config.listen.clone();
    serve_bound(config, move |server| server.bind_all(&listen, sockets)).await
}

/// Serves what `bind` binds with the configured server: announces it
/// (the ready line, and `READY=1` to a service manager that listens on
/// `NOTIFY_SOCKET`), and at a stop says `STOPPING=1` and drains.
async fn serve_bound(
    config: ServeConfig,
    bind: impl FnOnce(Server) -> Result<Bound, piperpc::Error>,
) -> anyhow::Result<()> {
    let stats = StatsService::default();
    let (reporter, server) = services(&config, stats.clone()).await?;
    let server = server
        .listener_options(config.listener.clone())
        .keepalive(config.keepalive)
        .keepalive_timeout(config.keepalive_timeout)
        .grace_period(config.grace);
    let bound = bind(server).context("cannot serve")?;
    stats.count(bound.open_connections());

    // Installed before the ready line: a signal right after it must stop
    // the server gracefully.
    let mut stop = StopSignal::install().context("installing signal handlers")?;
    if config.stop_on_stdin_eof {
        stop = stop.or_stdin_closed();
    }
    bound.announce()?;
    notify("READY=1");
    bound
        .serve_with_shutdown(async move {
            let why = stop.wait().await;
            tracing::info!("{why}: stopping");
            notify("STOPPING=1");
            reporter
                .set_service_status("", tonic_health::ServingStatus::NotServing)
                .await;
        })
        .await?;
    Ok(())
}

/// Tells a service manager that listens on `NOTIFY_SOCKET` (systemd's
/// `Type=notify`) how the server is; nothing without the variable. A
/// failure is logged, not fatal: the server serves either way.
fn notify(state: &str) {
    #[cfg(unix)]
    match piperpc::systemd::notify(state) {
        Ok(true) => tracing::info!("told the service manager {state}"),
        Ok(false) => {}
        Err(error) => tracing::warn!(%error, "could not tell the service manager {state}"),
    }
    #[cfg(not(unix))]
    let _ = state;
}

/// Echo, KeyValue, Stats, health, and reflection (v1 and v1alpha) unless disabled.
async fn services(
    config: &ServeConfig,
    stats: StatsService,
) -> anyhow::Result<(HealthReporter, Server)> {
    let limit = config.max_message_size;
    let echo = EchoServer::new(EchoService)
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);
    let keyvalue = KeyValueServer::new(KeyValueService::new(Arc::new(Store::default())))
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);

    let (reporter, health) = tonic_health::server::health_reporter();
    reporter.set_serving::<EchoServer<EchoService>>().await;
    reporter
        .set_serving::<KeyValueServer<KeyValueService>>()
        .await;

    let server = Server::builder()
        .add_service(echo)
        .add_service(keyvalue)
        .add_service(StatsServer::new(stats))
        .add_service(health);
    if !config.reflection {
        return Ok((reporter, server));
    }
    let reflection = || {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    };
    let reflection_v1 = reflection().build_v1().context("building reflection v1")?;
    let reflection_v1alpha = reflection()
        .build_v1alpha()
        .context("building reflection v1alpha")?;
    Ok((
        reporter,
        server
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha),
    ))
}
