//! `Server::spawn_calls`: by default a connection's calls run in its own
//! task; with `spawn_calls(true)` each call runs in a task of its own, so
//! the calls of one connection can run on several workers at once.
//!
//! The service below notes the tokio task each call's handler runs in;
//! two calls on one channel (one connection) show which way the server
//! ran them.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use piperpc::{Address, ChannelBuilder, Server};
use tonic::body::Body;
use tonic::server::NamedService;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;
use tower::Service;

/// A service noting the task each call's handler runs in.
#[derive(Clone)]
struct Noting<S> {
    inner: S,
    tasks: Arc<Mutex<Vec<tokio::task::Id>>>,
}

impl<S: NamedService> NamedService for Noting<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> Service<http::Request<Body>> for Noting<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let answer = self.inner.call(request);
        let tasks = self.tasks.clone();
        Box::pin(async move {
            // Here, not in `call`: hyper calls the service from the
            // connection's task and runs the future where the executor
            // puts it.
            let task = tokio::task::id();
            tasks.lock().unwrap_or_else(|e| e.into_inner()).push(task);
            answer.await
        })
    }
}

/// The tasks that ran three calls made one after another on one
/// connection to a server with `spawn_calls`.
async fn tasks_of_three_calls(spawn_calls: bool) -> Vec<tokio::task::Id> {
    let name = format!("piperpc-spawn-calls-{}-{spawn_calls}", std::process::id());
    let address = if cfg!(windows) {
        Address::NamedPipe(format!(r"\\.\pipe\{name}"))
    } else {
        Address::Unix(std::env::temp_dir().join(format!("{name}.sock")))
    };
    let tasks = Arc::new(Mutex::new(Vec::new()));
    let (_reporter, health) = tonic_health::server::health_reporter();
    let bound = Server::builder()
        .spawn_calls(spawn_calls)
        .add_service(Noting {
            inner: health,
            tasks: tasks.clone(),
        })
        .bind([&address])
        .expect("bind");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(bound.serve_with_shutdown(async {
        let _ = stopped.await;
    }));

    let channel = ChannelBuilder::new(&address)
        .expect("an address")
        .connect()
        .await
        .expect("connect");
    let mut client = HealthClient::new(channel);
    for _ in 0..3 {
        client
            .check(HealthCheckRequest::default())
            .await
            .expect("a check is answered");
    }

    let _ = stop.send(());
    server.await.expect("server task").expect("server");
    let tasks = tasks.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(tasks.len(), 3, "every call was noted");
    tasks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_a_connections_calls_run_in_its_task() {
    let tasks = tasks_of_three_calls(false).await;
    assert!(
        tasks.iter().all(|task| *task == tasks[0]),
        "one task for all: {tasks:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_spawn_calls_each_call_runs_in_a_task_of_its_own() {
    let tasks = tasks_of_three_calls(true).await;
    assert!(
        tasks[0] != tasks[1] && tasks[1] != tasks[2] && tasks[0] != tasks[2],
        "a task each: {tasks:?}"
    );
}
