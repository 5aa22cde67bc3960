//! Load, faults and their recovery.

use std::process::Command;
use std::time::{Duration, Instant};

use piperpc_demo::client::Stubs;
use piperpc_demo::proto::demo::{ChatRequest, CountRequest, EchoRequest};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Code;

use crate::common::{
    BIN, Server, call_ok, is_wine, open_connections, run, settled_open_connections, stubs,
    unique_address,
};

/// Several client processes, each with many connections, each making mixed
/// calls; every answer and every acknowledged write is checked.
#[test]
fn many_connections_from_several_processes_lose_nothing() {
    // Wine is far slower per call; the same test with fewer connections.
    let (processes, per_process) = if is_wine() { (4, 16) } else { (4, 64) };
    let server = Server::start();
    let loaders: Vec<_> = (0..processes)
        .map(|p| {
            let mut command = Command::new(BIN);
            command.args(["load", "--connect", server.address()]).args([
                "--connections",
                &per_process.to_string(),
                "--calls",
                "200",
                "--key-prefix",
                &format!("p{p}"),
            ]);
            std::thread::spawn(move || run(command, Duration::from_secs(600)))
        })
        .collect();
    let mut total_ok = 0;
    for loader in loaders {
        let output = loader.join().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let field = |name: &str| -> u64 {
            let prefix = format!("{name}=");
            stdout
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix(&prefix))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in {stdout}"))
        };
        assert_eq!(field("errors"), 0, "{stdout}");
        assert_eq!(field("ok"), per_process as u64 * 200, "{stdout}");
        assert_eq!(field("verified"), field("writes"), "{stdout}");
        assert!(field("writes") > 0, "{stdout}");
        total_ok += field("ok");
    }
    crate::common::notice(&format!(
        "load: {} connections from {processes} processes: {total_ok} calls answered correctly, 0 errors",
        processes * per_process
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_over_the_connection_limit_wait_instead_of_failing() {
    let server = Server::start_on(&[&unique_address()], &["--max-connections", "2"]);
    let address = server.address().to_string();
    let held: Vec<Stubs> = vec![stubs(&address).await, stubs(&address).await];
    for mut stubs in held.iter().cloned() {
        stubs.echo.echo(EchoRequest::default()).await.unwrap();
    }

    // A third client queues; its call must not fail while it waits.
    let waiting = tokio::spawn({
        let address = address.clone();
        async move {
            let channel = piperpc::ChannelBuilder::new(
                piperpc::Address::parse(&address).unwrap(),
            )
            .connect_timeout(Duration::from_secs(30))
            .connect()
            .await
            .map_err(|e| e.to_string())?;
            let mut stubs = Stubs::new(channel, 1 << 22);
            let request = EchoRequest {
                message: "third".into(),
                ..Default::default()
            };
            stubs
                .echo
                .echo(request)
                .await
                .map(|r| r.into_inner().message)
                .map_err(|s| s.to_string())
        }
    });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !waiting.is_finished(),
        "the third client was not held back: {:?}",
        waiting.await
    );

    drop(held);
    let answer = tokio::time::timeout(Duration::from_secs(30), waiting)
        .await
        .expect("the third client was never served")
        .unwrap();
    assert_eq!(answer.as_deref(), Ok("third"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_fails_open_streams_at_once_and_the_channel_recovers() {
    let address = unique_address();
    let server = Server::start_on(&[&address], &[]);
    let mut stubs = stubs(&address).await;
    let request = CountRequest {
        count: 100_000,
        payload_size: 0,
        interval_ms: 10,
    };
    let mut count = stubs.echo.count(request).await.unwrap().into_inner();
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let mut chat = stubs
        .echo
        .chat(ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    tx.send(ChatRequest { text: "hi".into() }).await.unwrap();
    assert!(chat.message().await.unwrap().is_some());
    assert!(count.message().await.unwrap().is_some());

    server.kill();
    let killed = Instant::now();
    for ended in [drain(&mut count).await, drain(&mut chat).await] {
        assert_eq!(ended.code(), Code::Unavailable, "{ended:?}");
    }
    let noticed = killed.elapsed();
    assert!(
        noticed < Duration::from_secs(1),
        "streams noticed the dead server after {noticed:?}"
    );

    // A new server on the same address (a stale socket file on Unix); the
    // same Channel gets through again.
    let _second = Server::start_on(&[&address], &[]);
    let mut attempts = 0;
    while let Err(status) = stubs.echo.echo(EchoRequest::default()).await {
        attempts += 1;
        assert!(attempts < 50, "never recovered: {status:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn drain<T>(stream: &mut tonic::Streaming<T>) -> tonic::Status {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), stream.message()).await {
            Ok(Ok(Some(_))) => continue,
            Ok(Ok(None)) => panic!("stream ended cleanly though the server was killed"),
            Ok(Err(status)) => return status,
            Err(_) => panic!("stream hung after the server was killed"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_mid_stream_frees_its_connection() {
    let server = Server::start();
    let observer = stubs(server.address()).await;
    assert_eq!(
        open_connections(&observer).await,
        1,
        "only the observer is connected"
    );

    let mut victim = crate::common::client_mid_stream(server.address(), 1);
    assert_eq!(open_connections(&observer).await, 2);
    victim.kill().unwrap();
    victim.wait().unwrap();
    assert_eq!(
        settled_open_connections(&observer, 1).await,
        1,
        "the killed client's connection was not freed"
    );
    assert_eq!(call_ok(server.address(), &["echo", "fine"]), "fine\n");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_unary_calls_in_flight() {
    let server = Server::start_on(&[&unique_address()], &["--grace", "20"]);
    let address = server.address().to_string();
    let mut stubs = stubs(&address).await;
    let slow = tokio::spawn(async move {
        let request = EchoRequest {
            message: "worth waiting for".into(),
            delay_ms: 1500,
            ..Default::default()
        };
        stubs.echo.echo(request).await
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped = tokio::task::spawn_blocking(move || server.stop(Duration::from_secs(30)));
    let reply = slow.await.unwrap().expect("the call in flight completes");
    assert_eq!(reply.into_inner().message, "worth waiting for");
    assert!(stopped.await.unwrap().success());
    #[cfg(unix)]
    {
        let parsed = piperpc::Address::parse(&address).unwrap();
        assert!(
            !parsed.unix_path().unwrap().exists(),
            "socket file left behind"
        );
    }
}
