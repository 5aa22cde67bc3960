//! The middleware example as a user runs it: the server binary in one
//! process, clients in this one or the client binary, over a real pipe or
//! socket. Each test checks one piece of the stack from outside, the way
//! a caller meets it.

use std::io::Read;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use pipecurl::harness::{HarnessError, TestServer, fresh_address};
use tonic::Code;
use tonic::service::interceptor::InterceptedService;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

use middleware_example::pb::jobs_client::JobsClient;
use middleware_example::pb::{RunRequest, StatsReply, StatsRequest, WatchRequest};
use middleware_example::{BearerToken, TOKEN_ENV};

/// Generous: the machine is shared and busy, and Wine is slow to start.
const TIMEOUT: Duration = Duration::from_secs(60);
/// The token the tests' servers require.
const TOKEN: &str = "test-token-42";

// --- the token ---------------------------------------------------------------

#[test]
fn the_client_is_refused_without_the_token_and_served_with_it() {
    let server = start_server(4);
    let mut client = Command::new(env!("CARGO_BIN_EXE_middleware-client"));
    client.args(["--connect", server.address(), "--token", TOKEN]);
    let output = run(client);
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "without a token: Unauthenticated: no authorization metadata: \
         send `authorization: Bearer TOKEN`\n\
         Run: done (1 running)\n\
         Watch: 1/3 2/3 3/3\n",
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "client: {:?}", output.status);
    server.stop().expect("a clean stop");
}

/// The interceptor answers every call: no token, a wrong one and the
/// right one, unary and streaming. The server takes its token from the
/// environment here, as a deployment would hand it over.
#[test]
fn a_call_without_the_right_token_is_unauthenticated_with_the_reason() {
    let address = fresh_address("middleware");
    let mut command = server_command(&["--listen", &address, "--stop-on-stdin-eof"]);
    command.env(TOKEN_ENV, "from-the-environment");
    let server = TestServer::start(command).expect("the server starts");
    block_on(async {
        let channel = piperpc::connect(server.address()).await.unwrap();

        let mut anonymous = JobsClient::new(channel.clone());
        let refused = anonymous.run(RunRequest { millis: 0 }).await.unwrap_err();
        assert_eq!(refused.code(), Code::Unauthenticated, "{refused}");
        assert_eq!(
            refused.message(),
            "no authorization metadata: send `authorization: Bearer TOKEN`"
        );
        let refused = anonymous
            .watch(WatchRequest { steps: 2 })
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::Unauthenticated, "{refused}");

        // The default token is not the one the environment set.
        let mut wrong = jobs_client(channel.clone(), middleware_example::DEFAULT_TOKEN);
        let refused = wrong.run(RunRequest { millis: 0 }).await.unwrap_err();
        assert_eq!(refused.code(), Code::Unauthenticated, "{refused}");
        assert_eq!(refused.message(), "the bearer token is not valid");

        let mut jobs = jobs_client(channel, "from-the-environment");
        let reply = jobs.run(RunRequest { millis: 0 }).await.unwrap();
        assert_eq!(reply.into_inner().running, 1);
        let steps = collect_steps(&mut jobs, 2).await;
        assert_eq!(steps, [(1, 2), (2, 2)]);
    });
    server.stop().expect("a clean stop");
}

// --- the trace layer -----------------------------------------------------------

/// `TraceLayer` is the outermost layer: it sees every call, those the
/// interceptor refuses (which no handler sees) and those a handler fails,
/// and classifies the failures by their gRPC status.
#[test]
fn the_trace_layer_sees_every_call_refused_ones_included() {
    let server = start_server(4);
    let stats = block_on(async {
        let channel = piperpc::connect(server.address()).await.unwrap();
        let mut jobs = jobs_client(channel.clone(), TOKEN);
        // Three calls that succeed...
        jobs.run(RunRequest { millis: 0 }).await.unwrap();
        assert_eq!(collect_steps(&mut jobs, 2).await.len(), 2);
        jobs.run(RunRequest { millis: 1 }).await.unwrap();
        // ...one a handler refuses...
        let invalid = jobs.run(RunRequest { millis: 1_000_000 }).await;
        assert_eq!(invalid.unwrap_err().code(), Code::InvalidArgument);
        // ...and two the interceptor refuses.
        let mut anonymous = JobsClient::new(channel.clone());
        let refused = anonymous.run(RunRequest { millis: 0 }).await;
        assert_eq!(refused.unwrap_err().code(), Code::Unauthenticated);
        let mut wrong = jobs_client(channel, "not-the-token");
        let refused = wrong.watch(WatchRequest { steps: 1 }).await;
        assert_eq!(refused.unwrap_err().code(), Code::Unauthenticated);

        jobs.stats(StatsRequest {}).await.unwrap().into_inner()
    });
    assert_eq!(
        stats,
        StatsReply {
            // Every call above, and the Stats call itself.
            traced: 7,
            // The invalid argument and the two unauthenticated calls.
            traced_failures: 3,
            // The refused calls never reached a handler.
            handled: 5,
        }
    );
    server.stop().expect("a clean stop");
}

/// What an operator sees: at `RUST_LOG=info`, a `request` span per call,
/// naming its method, with a line as it starts and as it ends; a refused
/// call's end is a warning with its gRPC code.
#[test]
fn the_server_logs_each_call_in_a_span_of_its_own() {
    let address = fresh_address("middleware");
    let mut command = server_command(&["--listen", &address, "--token", TOKEN]);
    command.arg("--stop-on-stdin-eof").env("RUST_LOG", "info");
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("the server starts");
    let stdin = child.stdin.take();
    // Standard error read to its end on a thread, so the server never
    // blocks on a full pipe.
    let mut stderr = child.stderr.take().unwrap();
    let logs = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut ready = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut ready).unwrap();
    assert_eq!(ready.trim_end(), format!("listening on {address}"));

    block_on(async {
        let channel = piperpc::connect(address.as_str()).await.unwrap();
        let mut jobs = jobs_client(channel.clone(), TOKEN);
        jobs.run(RunRequest { millis: 0 }).await.unwrap();
        jobs.run(RunRequest { millis: 0 }).await.unwrap();
        assert_eq!(collect_steps(&mut jobs, 3).await.len(), 3);
        let refused = JobsClient::new(channel).run(RunRequest { millis: 0 }).await;
        assert_eq!(refused.unwrap_err().code(), Code::Unauthenticated);
    });

    drop(stdin);
    let status = pipecurl::harness::wait_or_kill(&mut child, TIMEOUT).expect("it stops");
    assert!(status.success(), "{status:?}");
    let logs = logs.join().unwrap();
    let lines = |method: &str, event: &str| {
        logs.lines()
            .filter(|line| line.contains("request{") && line.contains(method))
            .filter(|line| line.contains(event))
            .count()
    };
    let run = "uri=http://localhost/jobs.v1.Jobs/Run";
    let watch = "uri=http://localhost/jobs.v1.Jobs/Watch";
    assert_eq!(lines(run, "started processing request"), 3, "{logs}");
    assert_eq!(lines(watch, "started processing request"), 1, "{logs}");
    assert_eq!(lines(run, "end of stream"), 2, "{logs}");
    assert_eq!(lines(watch, "end of stream"), 1, "{logs}");
    let refused = logs
        .lines()
        .filter(|line| line.contains("WARN") && line.contains(run))
        .filter(|line| line.contains("response failed") && line.contains("Code: 16"))
        .count();
    assert_eq!(refused, 1, "{logs}");
}

// --- the concurrency limit ---------------------------------------------------

/// Eight slow jobs sent at once, over two connections: with a limit of 2,
/// no job ever sees more than 2 running, and 2 did run together. With a
/// limit of 6, more run together: the counting can see the difference.
#[test]
fn the_concurrency_limit_holds_across_connections() {
    let (each, most) = jobs_at_once(2);
    assert!(each.iter().all(|&running| running <= 2), "{each:?}");
    assert_eq!(most, 2, "the jobs did not overlap at all: {each:?}");

    let (each, most) = jobs_at_once(6);
    assert!(each.iter().all(|&running| running <= 6), "{each:?}");
    assert!(
        most > 2,
        "without a tight limit more jobs overlap: {each:?}"
    );
}

/// Starts a server with `limit`, runs eight 400 ms jobs at once over two
/// connections: how many ran as each started, and the most at once.
fn jobs_at_once(limit: u16) -> (Vec<u32>, u32) {
    let server = start_server(limit);
    let replies = block_on(async {
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..2 {
            let channel = piperpc::connect(server.address()).await.unwrap();
            for _ in 0..4 {
                let mut jobs = jobs_client(channel.clone(), TOKEN);
                calls.spawn(async move { jobs.run(RunRequest { millis: 400 }).await });
            }
        }
        calls.join_all().await
    });
    server.stop().expect("a clean stop");
    let replies = replies
        .into_iter()
        .map(|reply| reply.expect("every job runs, if later").into_inner())
        .collect::<Vec<_>>();
    let each = replies.iter().map(|reply| reply.running).collect();
    let most = replies.iter().map(|reply| reply.most_running).max();
    (each, most.unwrap())
}

// --- health and reflection ---------------------------------------------------

/// tonic-health behind the same layers: SERVING for the server and for
/// the jobs service, to a caller with the token (the interceptor guards
/// every service on this server, health included).
#[test]
fn health_reports_serving() {
    let server = start_server(4);
    block_on(async {
        let channel = piperpc::connect(server.address()).await.unwrap();
        let token = BearerToken::new(TOKEN).unwrap();
        let mut health = HealthClient::new(InterceptedService::new(channel.clone(), token));
        for service in ["", "jobs.v1.Jobs"] {
            let request = HealthCheckRequest {
                service: service.into(),
            };
            let reply = health.check(request).await.unwrap().into_inner();
            assert_eq!(reply.status(), ServingStatus::Serving, "{service:?}");
        }
        let unknown = HealthCheckRequest {
            service: "no.Such".into(),
        };
        let missing = health.check(unknown).await.unwrap_err();
        assert_eq!(missing.code(), Code::NotFound, "{missing}");

        let refused = HealthClient::new(channel)
            .check(HealthCheckRequest::default())
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::Unauthenticated, "{refused}");
    });
    server.stop().expect("a clean stop");
}

/// tonic-reflection lists the services, so tools need no `.proto`: and
/// pipecurl's harness calls a method by its name and JSON through it.
#[test]
fn reflection_lists_the_services_and_tools_call_them_by_name() {
    let server = start_server(4);
    let mut services = block_on(async {
        let channel = piperpc::connect(server.address()).await.unwrap();
        let token = BearerToken::new(TOKEN).unwrap();
        let mut reflection = ServerReflectionClient::new(InterceptedService::new(channel, token));
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut replies = reflection
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .unwrap()
            .into_inner();
        let reply = replies.message().await.unwrap().expect("one reply");
        match reply.message_response {
            Some(MessageResponse::ListServicesResponse(list)) => list
                .service
                .into_iter()
                .map(|service| service.name)
                .collect::<Vec<_>>(),
            other => panic!("not a list of services: {other:?}"),
        }
    });
    services.sort();
    assert!(
        services.starts_with(&["grpc.health.v1.Health".to_string()])
            && services.contains(&"jobs.v1.Jobs".to_string()),
        "{services:?}"
    );

    let reply = server
        .prepare("jobs.v1.Jobs/Watch")
        .header("authorization", &format!("Bearer {TOKEN}"))
        .json(serde_json::json!({"steps": 2}))
        .send_blocking()
        .expect("a call through reflection")
        .expect_ok();
    assert_eq!(reply.messages.len(), 2);
    assert_eq!(reply.messages[1], serde_json::json!({"step": 2, "of": 2}));

    // Without the token even reflection is refused: the tool cannot
    // resolve the method.
    let refused = server
        .prepare("jobs.v1.Jobs/Watch")
        .json(serde_json::json!({"steps": 2}))
        .send_blocking()
        .expect_err("no reflection without the token");
    assert!(matches!(refused, HarnessError::Method { .. }), "{refused}");
    server.stop().expect("a clean stop");
}

// --- the command line ----------------------------------------------------------

#[test]
fn a_concurrency_limit_of_zero_is_refused() {
    let output = run(server_command(&["--concurrency-limit", "0"]));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("--concurrency-limit"), "{stderr}");
}

// --- helpers -----------------------------------------------------------------

/// The server binary on a fresh address with `limit`, requiring [`TOKEN`],
/// ready for calls.
fn start_server(limit: u16) -> TestServer {
    let address = fresh_address("middleware");
    let limit = limit.to_string();
    let command = server_command(&[
        "--listen",
        &address,
        "--token",
        TOKEN,
        "--concurrency-limit",
        &limit,
        "--stop-on-stdin-eof",
    ]);
    TestServer::start(command).expect("the server starts and reports ready")
}

fn server_command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_middleware-server"));
    // The logs of refused calls are warnings: keep the tests' output to
    // what fails.
    command
        .args(args)
        .env_remove(TOKEN_ENV)
        .env("RUST_LOG", "error");
    command
}

/// A jobs client on `channel` that sends `token`.
fn jobs_client(
    channel: piperpc::Channel,
    token: &str,
) -> JobsClient<InterceptedService<piperpc::Channel, BearerToken>> {
    let token = BearerToken::new(token).unwrap();
    JobsClient::new(InterceptedService::new(channel, token))
}

/// A `Watch` of `steps` steps, as (step, of) pairs.
async fn collect_steps(
    jobs: &mut JobsClient<InterceptedService<piperpc::Channel, BearerToken>>,
    steps: u32,
) -> Vec<(u32, u32)> {
    let mut stream = jobs
        .watch(WatchRequest { steps })
        .await
        .unwrap()
        .into_inner();
    let mut seen = Vec::new();
    while let Some(progress) = stream.message().await.unwrap() {
        seen.push((progress.step, progress.of));
    }
    seen
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let output = runtime.block_on(future);
    // Its connections close with it, before the server is stopped.
    drop(runtime);
    output
}

/// Runs `command` to its end within [`TIMEOUT`].
fn run(command: Command) -> Output {
    pipecurl::harness::run(command, TIMEOUT).unwrap_or_else(|e| panic!("{e}"))
}
