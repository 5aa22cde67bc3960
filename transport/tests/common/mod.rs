//! What several of the framework's integration tests share: fresh local
//! addresses, a server of health checks started in the test's runtime, and
//! a layer that sees, counts and can hold up the calls under it.
#![allow(dead_code, unreachable_pub)] // each test file uses its own share; `pub` for them

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use piperpc::Address;
use piperpc::server::Bound;
use tonic::body::Body;
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};
use tower::{Layer, Service};

/// Generous: the machine is shared, and a bound only has to show "not
/// forever".
pub const PATIENCE: Duration = Duration::from_secs(20);

/// A fresh address of the platform's local kind: a named pipe on Windows,
/// a socket in the temp directory elsewhere.
pub fn unique_address(prefix: &str) -> Address {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!(
        "piperpc-{prefix}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let written = if cfg!(windows) {
        format!(r"\\.\pipe\{name}")
    } else {
        format!("unix:{}/{name}.sock", std::env::temp_dir().display())
    };
    Address::parse(&written).unwrap()
}

/// Serves `bound` in the background until the test ends.
pub fn spawn(bound: Bound) {
    tokio::spawn(bound.serve());
}

/// A health client on a fresh channel to `address`.
pub async fn health(address: &str) -> HealthClient<piperpc::Channel> {
    HealthClient::new(piperpc::connect(address).await.unwrap())
}

/// One health check of the whole server.
pub async fn check(
    client: &mut HealthClient<piperpc::Channel>,
) -> Result<HealthCheckResponse, tonic::Status> {
    client
        .check(HealthCheckRequest::default())
        .await
        .map(tonic::Response::into_inner)
}

/// What a [`ProbeLayer`] saw: calls so far, calls running now, the most
/// that ran at once; and a gate that holds calls until opened.
#[derive(Clone, Debug)]
pub struct Probe {
    pub calls: Arc<AtomicUsize>,
    pub running: Arc<AtomicUsize>,
    pub peak: Arc<AtomicUsize>,
    gate: Arc<tokio::sync::Semaphore>,
}

impl Probe {
    /// A probe whose calls go through at once.
    pub fn open() -> Probe {
        let probe = Probe::closed();
        probe.release();
        probe
    }

    /// A probe whose calls wait until [`Probe::release`].
    pub fn closed() -> Probe {
        Probe {
            calls: Arc::default(),
            running: Arc::default(),
            peak: Arc::default(),
            gate: Arc::new(tokio::sync::Semaphore::new(0)),
        }
    }

    /// Lets every call through, now and from now on.
    pub fn release(&self) {
        self.gate.close();
    }

    /// Waits until `n` calls are running at once.
    pub async fn until_running(&self, n: usize) {
        tokio::time::timeout(PATIENCE, async {
            while self.running.load(Ordering::SeqCst) < n {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{n} calls never ran at once"));
    }

    pub fn layer(&self) -> ProbeLayer {
        ProbeLayer(self.clone())
    }
}

/// Puts a [`Probe`] in front of a service.
#[derive(Clone, Debug)]
pub struct ProbeLayer(Probe);

impl<S> Layer<S> for ProbeLayer {
    type Service = Probed<S>;

    fn layer(&self, inner: S) -> Probed<S> {
        Probed {
            inner,
            probe: self.0.clone(),
        }
    }
}

/// A service behind a [`Probe`].
#[derive(Clone, Debug)]
pub struct Probed<S> {
    inner: S,
    probe: Probe,
}

impl<S> Service<http::Request<Body>> for Probed<S>
where
    S: Service<http::Request<Body>, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = S::Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let probe = self.probe.clone();
        let mut inner = self.inner.clone();
        probe.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            let now = probe.running.fetch_add(1, Ordering::SeqCst) + 1;
            probe.peak.fetch_max(now, Ordering::SeqCst);
            let _ = probe.gate.acquire().await;
            let response = inner.call(request).await;
            probe.running.fetch_sub(1, Ordering::SeqCst);
            response
        })
    }
}
