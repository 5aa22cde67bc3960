//! A handler that holds its worker thread is noticed: the server logs a
//! warning naming the remedy (`spawn_blocking`), since its neighbours'
//! calls wait and nothing else would say why (BENCHMARKS.md,
//! "`Server::spawn_calls` off or on").
//!
//! A test binary of its own: the warning is rate-limited process-wide, and
//! the log is read through the process's global subscriber.

mod common;

use std::convert::Infallible;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use common::{PATIENCE, check, health, spawn, unique_address};
use piperpc::Server;
use tonic::body::Body;
use tower::{Layer, Service};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Metadata, Subscriber, span};

/// Keeps the message of every warning and error logged.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= Level::WARN
    }

    fn new_span(&self, _: &span::Attributes<'_>) -> span::Id {
        span::Id::from_u64(1)
    }

    fn record(&self, _: &span::Id, _: &span::Record<'_>) {}

    fn record_follows_from(&self, _: &span::Id, _: &span::Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(message.0);
    }

    fn enter(&self, _: &span::Id) {}

    fn exit(&self, _: &span::Id) {}
}

/// Makes every call compute for the given time, without awaiting, before
/// it is answered.
#[derive(Clone, Copy, Debug)]
struct SpinLayer(Duration);

impl<S> Layer<S> for SpinLayer {
    type Service = Spinning<S>;

    fn layer(&self, inner: S) -> Spinning<S> {
        Spinning {
            inner,
            spin: self.0,
        }
    }
}

/// A service behind a [`SpinLayer`].
#[derive(Clone, Debug)]
struct Spinning<S> {
    inner: S,
    spin: Duration,
}

impl<S> Service<http::Request<Body>> for Spinning<S>
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
        let mut inner = self.inner.clone();
        let spin = self.spin;
        Box::pin(async move {
            let start = Instant::now();
            while start.elapsed() < spin {
                std::hint::spin_loop();
            }
            inner.call(request).await
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_that_holds_its_thread_is_logged() {
    let recorder = Recorder::default();
    tracing::subscriber::set_global_default(recorder.clone()).expect("the only subscriber");
    let address = unique_address("slow-handler");
    let bound = Server::builder()
        .layer(SpinLayer(Duration::from_millis(150)))
        .add_service(tonic_health::server::health_reporter().1)
        .bind([&address])
        .unwrap();
    spawn(bound);
    let mut client = health(&address.to_string()).await;
    check(&mut client).await.expect("the slow call is answered");

    // Logged at the end of the poll that answered, maybe just after the
    // answer arrived.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let logged = recorder.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        if let Some(warning) = logged.iter().find(|m| m.contains("held a worker thread")) {
            assert!(warning.contains("spawn_blocking"), "{warning}");
            break;
        }
        assert!(Instant::now() < deadline, "no warning; logged: {logged:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
