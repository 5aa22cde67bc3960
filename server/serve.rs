//! The serve loop of `piperpc serve`.
//!
//! Every address is bound before anything is announced, so a bad address or
//! a name in use fails the whole start with a clear error instead of serving
//! half the addresses. Each address gets its own tonic server over the same
//! services (one shared store). On a stop signal, accepting stops at once
//! (the socket file goes), open calls get a bounded grace period, and endless
//! streams are ended with `UNAVAILABLE`.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use piperpc::channel::settings::tune_server;
use piperpc::deadline::DeadlineLayer;
use piperpc::message_limit::ResourceExhaustedLayer;
use piperpc::{Address, ListenerOptions};
use tonic::service::Routes;
use tonic::transport::Server;
use tonic_health::server::HealthReporter;

use super::echo::EchoService;
use super::keyvalue::KeyValueService;
use super::shutdown::Shutdown;
use super::signal::StopSignals;
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
            listener: ListenerOptions::new()
                .peer_policy(piperpc::PeerPolicy::same_user()),
            grace: Duration::from_secs(5),
            stop_on_stdin_eof: false,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            reflection: true,
            keepalive: Some(Duration::from_secs(30)),
            keepalive_timeout: Duration::from_secs(10),
        }
    }
}

/// Serves until a stop signal, then drains and returns.
pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let listeners = config
        .listen
        .iter()
        .map(|address| {
            config
                .listener
                .bind(address)
                .with_context(|| format!("cannot serve on {address}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let mut stop =
        StopSignals::install(config.stop_on_stdin_eof).context("installing signal handlers")?;
    let (trigger, shutdown) = Shutdown::new();
    let counts = listeners.iter().map(|l| l.open_connections()).collect();
    let (reporter, routes) = services(&config, shutdown.clone(), counts).await?;

    let mut servers = tokio::task::JoinSet::new();
    let mut stdout = std::io::stdout().lock();
    for listener in listeners {
        let address = listener.local_address().clone();
        tracing::info!(%address, "serving");
        writeln!(stdout, "listening on {address}")?;
        let (routes, shutdown) = (routes.clone(), shutdown.clone());
        let (keepalive, keepalive_timeout) = (config.keepalive, config.keepalive_timeout);
        servers.spawn(async move {
            let served = tune_server(Server::builder())
                .http2_keepalive_interval(keepalive)
                .http2_keepalive_timeout(Some(keepalive_timeout))
                .layer(ResourceExhaustedLayer)
                .layer(DeadlineLayer)
                .add_routes(routes)
                .serve_with_incoming_shutdown(listener.into_incoming(), shutdown.wait())
                .await;
            (address, served)
        });
    }
    stdout.flush()?;
    drop(stdout);

    let why = stop.recv().await;
    tracing::info!(
        "{why}: stopping; open calls have {:?} to finish",
        config.grace
    );
    reporter
        .set_service_status("", tonic_health::ServingStatus::NotServing)
        .await;
    trigger.fire();

    let drained = tokio::time::timeout(config.grace, async {
        while let Some(joined) = servers.join_next().await {
            match joined {
                Ok((address, Err(error))) => tracing::error!(%address, %error, "server failed"),
                Ok((address, Ok(()))) => tracing::debug!(%address, "stopped"),
                Err(error) => tracing::error!(%error, "server task failed"),
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!("grace period over; closing the remaining connections");
        servers.shutdown().await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Echo, KeyValue, Stats, health, and reflection (v1 and v1alpha) unless disabled.
async fn services(
    config: &ServeConfig,
    shutdown: Shutdown,
    counts: Vec<piperpc::OpenConnections>,
) -> anyhow::Result<(HealthReporter, Routes)> {
    let limit = config.max_message_size;
    let echo = EchoServer::new(EchoService::new(shutdown.clone()))
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);
    let keyvalue = KeyValueServer::new(KeyValueService::new(Arc::new(Store::default()), shutdown))
        .max_decoding_message_size(limit)
        .max_encoding_message_size(limit);

    let (reporter, health) = tonic_health::server::health_reporter();
    reporter.set_serving::<EchoServer<EchoService>>().await;
    reporter
        .set_serving::<KeyValueServer<KeyValueService>>()
        .await;

    let stats = StatsServer::new(StatsService::new(counts));
    let mut routes = Routes::new(echo)
        .add_service(keyvalue)
        .add_service(stats)
        .add_service(health);
    if !config.reflection {
        return Ok((reporter, routes));
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

    routes = routes
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);
    Ok((reporter, routes))
}
