//! `piperpc demo`: process A and process B, end to end.
//!
//! Starts `piperpc serve` as a child on a fresh address, waits for its ready
//! line, calls every RPC kind of both services and a health check through the
//! generated stubs, then stops the child by closing its stdin (portable to
//! Windows, where console signals to a child are awkward) and checks it
//! exited cleanly.

use std::process::Stdio;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use prost::bytes::Bytes;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;

use super::Stubs;
use super::call::format_entry;
use crate::proto::demo::{
    ChatRequest, CollectRequest, CountRequest, DeleteRequest, EchoRequest, GetRequest, ListRequest,
    PutRequest, WatchRequest, watch_event::Kind,
};
use crate::server::serve::DEFAULT_MAX_MESSAGE_SIZE;

/// Generous, because a first start under an emulator can be slow.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// Runs the demo, printing what happens.
pub async fn run() -> anyhow::Result<()> {
    let name = unique_name();
    let (mut server, address) = start_server(&name).await?;
    say!(
        "process A (pid {}) is listening on {address}",
        server.id().unwrap_or_default()
    );

    let calls = async {
        let channel = piperpc::connect(&address).await?;
        say!("process B (pid {}) connected\n", std::process::id());
        let mut stubs = Stubs::new(channel, DEFAULT_MAX_MESSAGE_SIZE);
        echo_service(&mut stubs).await?;
        keyvalue_service(&mut stubs).await?;
        health(&mut stubs).await
    };
    let outcome: anyhow::Result<()> = calls.await;

    // Close the child's stdin: `serve --stop-on-stdin-eof` drains and exits.
    drop(server.stdin.take());
    let status = tokio::time::timeout(STOP_TIMEOUT, server.wait())
        .await
        .context("process A did not stop in time")??;
    outcome?;
    if !status.success() {
        bail!("process A exited with {status}");
    }
    say!("\nprocess A stopped cleanly ({status})");
    Ok(())
}

fn unique_name() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("piperpc-demo-{}-{nanos}", std::process::id())
}

async fn start_server(name: &str) -> anyhow::Result<(Child, String)> {
    let exe = std::env::current_exe().context("locating the piperpc binary")?;
    let mut command = Command::new(exe);
    command
        .args(["serve", "--listen", name, "--stop-on-stdin-eof"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if std::env::var_os("RUST_LOG").is_none() {
        command.env("RUST_LOG", "warn");
    }
    let mut child = command.spawn().context("starting process A")?;
    let stdout = child.stdout.take().context("process A has no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let ready = tokio::time::timeout(READY_TIMEOUT, lines.next_line())
        .await
        .context("process A did not report ready in time")??
        .context("process A exited before it was ready")?;
    let address = ready
        .strip_prefix("listening on ")
        .with_context(|| format!("unexpected first line from process A: {ready}"))?
        .to_string();
    Ok((child, address))
}

async fn echo_service(stubs: &mut Stubs) -> anyhow::Result<()> {
    let reply = stubs
        .echo
        .echo(EchoRequest {
            message: "hello over a local pipe".into(),
            payload: Bytes::from_static(&[7; 1024]),
            return_metadata: false,
            delay_ms: 0,
        })
        .await?
        .into_inner();
    say!(
        "Echo.Echo       unary          {:?} + {} payload bytes came back; the server saw caller pid {}",
        reply.message,
        reply.payload.len(),
        reply.peer_pid
    );

    let request = CountRequest {
        count: 5,
        ..Default::default()
    };
    let mut stream = stubs.echo.count(request).await?.into_inner();
    let mut numbers = Vec::new();
    while let Some(message) = stream.message().await? {
        numbers.push(message.number.to_string());
    }
    say!(
        "Echo.Count      server stream  received {}",
        numbers.join(" ")
    );

    let words = ["alpha", "beta", "gamma"];
    let requests = words.map(|w| CollectRequest { data: w.into() });
    let reply = stubs
        .echo
        .collect(tokio_stream::iter(requests))
        .await?
        .into_inner();
    say!(
        "Echo.Collect    client stream  sent {words:?}; server counted {} messages, {} bytes",
        reply.count,
        reply.total_bytes
    );

    let requests = ["hi", "how are you?"].map(|t| ChatRequest { text: t.into() });
    let mut answers = stubs
        .echo
        .chat(tokio_stream::iter(requests))
        .await?
        .into_inner();
    while let Some(answer) = answers.message().await? {
        say!(
            "Echo.Chat       bidi stream    answer #{}: {:?}",
            answer.sequence,
            answer.text
        );
    }
    Ok(())
}

async fn keyvalue_service(stubs: &mut Stubs) -> anyhow::Result<()> {
    // Watch first, so the changes below show up on it.
    let mut watch = stubs
        .keyvalue
        .watch(WatchRequest {
            prefix: "demo/".into(),
        })
        .await?
        .into_inner();

    for (key, value) in [
        ("demo/colour", "teal"),
        ("demo/shape", "circle"),
        ("other/x", "1"),
    ] {
        let request = PutRequest {
            key: key.into(),
            value: value.into(),
        };
        let reply = stubs.keyvalue.put(request).await?.into_inner();
        let revision = reply.entry.map(|e| e.revision).unwrap_or_default();
        say!("KeyValue.Put    unary          {key} = {value} (revision {revision})");
    }
    let got = stubs
        .keyvalue
        .get(GetRequest {
            key: "demo/colour".into(),
        })
        .await?
        .into_inner();
    say!(
        "KeyValue.Get    unary          demo/colour -> {}",
        String::from_utf8_lossy(&got.entry.unwrap_or_default().value)
    );

    let mut list = stubs
        .keyvalue
        .list(ListRequest {
            prefix: "demo/".into(),
        })
        .await?
        .into_inner();
    let mut listed = Vec::new();
    while let Some(entry) = list.message().await? {
        listed.push(format_entry(&entry));
    }
    say!(
        "KeyValue.List   server stream  demo/* -> [{}]",
        listed.join(", ")
    );

    let deleted = stubs
        .keyvalue
        .delete(DeleteRequest {
            key: "demo/shape".into(),
        })
        .await?
        .into_inner();
    say!(
        "KeyValue.Delete unary          demo/shape (revision {})",
        deleted.revision
    );
    let missing = stubs
        .keyvalue
        .get(GetRequest {
            key: "demo/shape".into(),
        })
        .await;
    match missing {
        Err(status) if status.code() == Code::NotFound => {
            say!("KeyValue.Get    unary          demo/shape -> NOT_FOUND, as expected")
        }
        other => bail!("expected NOT_FOUND for a deleted key, got {other:?}"),
    }

    // Two puts and a delete under demo/; other/x is filtered out.
    for _ in 0..3 {
        let event = tokio::time::timeout(Duration::from_secs(10), watch.message())
            .await
            .context("Watch did not deliver a change in time")??
            .context("Watch ended early")?;
        let kind = if event.kind() == Kind::Delete {
            "delete"
        } else {
            "put"
        };
        let key = event.entry.map(|e| e.key).unwrap_or_default();
        say!(
            "KeyValue.Watch  server stream  {kind} {key} (revision {})",
            event.revision
        );
    }
    Ok(())
}

async fn health(stubs: &mut Stubs) -> anyhow::Result<()> {
    for service in ["", "piperpc.demo.v1.Echo", "piperpc.demo.v1.KeyValue"] {
        let request = HealthCheckRequest {
            service: service.into(),
        };
        let status = stubs.health.check(request).await?.into_inner().status();
        let shown = if service.is_empty() {
            "(server)"
        } else {
            service
        };
        say!(
            "Health.Check    unary          {shown}: {}",
            status.as_str_name()
        );
    }
    Ok(())
}
