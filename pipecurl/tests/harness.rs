//! The harness against a real `piperpc serve` (the demo's server) over the
//! platform's local address: start, call every kind of method with JSON,
//! statuses, metadata both ways, stop with a clean exit, and the failures
//! a test must see clearly.

use std::process::Command;
use std::time::Duration;

use pipecurl::harness::{Call, HarnessError, TestServer, fresh_address, workspace_bin};
use serde_json::json;
use tonic::Code;

fn serve(extra: &[&str]) -> TestServer {
    let mut command = Command::new(workspace_bin("piperpc"));
    command.args([
        "serve",
        "--stop-on-stdin-eof",
        "--listen",
        &fresh_address("harness"),
    ]);
    command.args(extra);
    TestServer::start(command).unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn unary_server_stream_and_client_stream_calls_with_json() {
    let server = serve(&[]);
    assert_eq!(server.addresses(), [server.address().to_string()]);

    let reply = server
        .call(
            "piperpc.demo.v1.Echo/Echo",
            json!({"message": "hi", "payload": "AQID"}),
        )
        .await
        .unwrap()
        .expect_ok();
    assert_eq!(reply.single()["message"], "hi");
    assert_eq!(reply.single()["payload"], "AQID");
    assert_eq!(reply.header("content-type"), Some("application/grpc"));
    // The status is in the reply's fields, not among the trailers.
    assert_eq!(reply.trailer("grpc-status"), None, "{:?}", reply.trailers);

    let reply = server
        .call("piperpc.demo.v1.Echo/Count", json!({"count": 3}))
        .await
        .unwrap()
        .expect_ok();
    let numbers: Vec<_> = reply.messages.iter().map(|m| m["number"].clone()).collect();
    assert_eq!(numbers, [json!(1), json!(2), json!(3)]);

    let reply = server
        .call(
            "piperpc.demo.v1.Echo/Collect",
            json!([{"data": "YWI="}, {"data": "Y2Rl"}, {}]),
        )
        .await
        .unwrap()
        .expect_ok();
    assert_eq!(reply.messages, [json!({"count": "3", "totalBytes": "5"})]);

    let status = server.stop().expect("a clean stop");
    assert_eq!(status.code(), Some(0));
}

#[tokio::test]
async fn a_bidi_call_takes_each_element_and_defaults_are_shown() {
    let server = serve(&[]);
    let reply = server
        .call(
            "piperpc.demo.v1.Echo/Chat",
            json!([{"text": "one"}, {"text": "two"}]),
        )
        .await
        .unwrap()
        .expect_ok();
    assert_eq!(
        reply.messages,
        [
            json!({"sequence": "1", "text": "you said: one"}),
            json!({"sequence": "2", "text": "you said: two"}),
        ]
    );
    // No request for a unary method is one empty message; fields at their
    // default are in the JSON.
    let reply = server
        .call("piperpc.demo.v1.Echo.Echo", json!({}))
        .await
        .unwrap()
        .expect_ok();
    assert_eq!(reply.single()["message"], "");
    server.stop().expect("a clean stop");
}

#[tokio::test]
async fn a_non_ok_status_is_a_reply_with_its_message() {
    let server = serve(&[]);
    let reply = server
        .call("piperpc.demo.v1.KeyValue/Get", json!({"key": "absent"}))
        .await
        .expect("a status is not a harness error");
    assert_eq!(reply.status, Code::NotFound, "{reply:?}");
    assert!(!reply.is_ok());
    assert_eq!(reply.status_message, "no value under key `absent`");
    assert!(reply.messages.is_empty());
    // The server's trailer, apart from the status entries.
    assert_eq!(reply.trailer("x-missing-key"), Some("absent"), "{reply:?}");
    assert_eq!(reply.trailer("grpc-status"), None, "{reply:?}");

    // A deadline is a status too.
    let reply = server
        .prepare("piperpc.demo.v1.Echo/Echo")
        .json(json!({"message": "slow", "delayMs": 60000}))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    match reply {
        Ok(reply) => assert_eq!(reply.status, Code::DeadlineExceeded, "{reply:?}"),
        // The local timeout can win the race with the server's answer.
        Err(HarnessError::TimedOut { .. }) => {}
        Err(other) => panic!("{other}"),
    }
    server.stop().expect("a clean stop");
}

#[tokio::test]
#[should_panic(expected = "the call ended with NotFound")]
async fn expect_ok_names_the_status() {
    let server = serve(&[]);
    let reply = server
        .call("piperpc.demo.v1.KeyValue/Get", json!({"key": "absent"}))
        .await
        .unwrap();
    reply.expect_ok();
}

#[tokio::test]
async fn metadata_goes_with_the_call_and_comes_back() {
    let server = serve(&[]);
    let reply = server
        .prepare("piperpc.demo.v1.Echo/Echo")
        .header("x-tenant", "blue")
        .header("x-trace-id", "abc-123")
        .json(json!({"message": "m", "return_metadata": true}))
        .send()
        .await
        .unwrap()
        .expect_ok();
    let metadata = &reply.single()["metadata"];
    assert_eq!(metadata["x-tenant"], "blue", "{metadata}");
    assert_eq!(metadata["x-trace-id"], "abc-123", "{metadata}");

    let error = server
        .prepare("piperpc.demo.v1.Echo/Echo")
        .header("bad name", "x")
        .send()
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("\"bad name: x\" is not valid gRPC metadata"),
        "{error}"
    );
    server.stop().expect("a clean stop");
}

#[tokio::test]
async fn unknown_methods_and_bad_json_are_clear_errors() {
    let server = serve(&[]);
    let error = server
        .call("piperpc.demo.v1.Echo/Shout", json!({}))
        .await
        .unwrap_err();
    assert!(matches!(error, HarnessError::Method { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("service \"piperpc.demo.v1.Echo\" does not include a method named \"Shout\""),
        "{error}"
    );
    let error = server
        .call("piperpc.demo.v1.Nope/Echo", json!({}))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("\"piperpc.demo.v1.Nope\" not found"),
        "{error}"
    );

    let error = server
        .call(
            "piperpc.demo.v1.KeyValue/Put",
            json!({"key": "k", "vaule": "dg=="}),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, HarnessError::Request { .. }), "{error:?}");
    assert!(error.to_string().contains("vaule"), "{error}");
    let error = server
        .call("piperpc.demo.v1.Echo/Echo", json!([{}, {}]))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("not a piperpc.demo.v1.EchoRequest"),
        "{error}"
    );
    // Nothing was stored: the bad Put never went out.
    let reply = server
        .call("piperpc.demo.v1.KeyValue/Get", json!({"key": "k"}))
        .await
        .unwrap();
    assert_eq!(reply.status, Code::NotFound);
    server.stop().expect("a clean stop");
}

#[tokio::test]
async fn a_server_without_reflection_or_without_a_listener_is_a_clear_error() {
    let server = serve(&["--no-reflection"]);
    let error = server
        .call("piperpc.demo.v1.Echo/Echo", json!({}))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("does not support the reflection API"),
        "{error}"
    );
    server.stop().expect("a clean stop");

    let nobody = fresh_address("harness-nobody");
    let error = Call::new(nobody.as_str(), "piperpc.demo.v1.Echo/Echo")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, HarnessError::Connect { .. }), "{error:?}");
    assert!(error.to_string().contains(&nobody), "{error}");
}

#[test]
fn a_server_that_exits_before_its_ready_line_is_a_clear_error() {
    let mut command = Command::new(workspace_bin("piperpc"));
    command.args(["serve", "--listen", "not an address"]);
    let error = TestServer::start(command).unwrap_err();
    match &error {
        HarnessError::ExitedEarly { status, .. } => assert!(!status.success(), "{status}"),
        other => panic!("{other}"),
    }
    let message = error.to_string();
    assert!(
        message.contains("exited") && message.contains("listening on ADDRESS"),
        "{message}"
    );

    let error = TestServer::start(Command::new("/nonexistent/server")).unwrap_err();
    assert!(matches!(error, HarnessError::Spawn { .. }), "{error:?}");
}

#[test]
fn a_server_that_never_gets_ready_is_a_clear_error() {
    // One address announces one ready line; the second never comes.
    let mut command = Command::new(workspace_bin("piperpc"));
    command.args([
        "serve",
        "--stop-on-stdin-eof",
        "--listen",
        &fresh_address("harness"),
    ]);
    let error = TestServer::builder(command)
        .ready_lines(2)
        .start_within(Duration::from_secs(5))
        .start()
        .unwrap_err();
    assert!(matches!(error, HarnessError::NotReady { .. }), "{error:?}");
    assert!(error.to_string().contains("within 5s"), "{error}");
}

#[test]
fn a_test_without_a_runtime_calls_with_send_blocking() {
    let server = serve(&[]);
    let reply = server
        .prepare("piperpc.demo.v1.Echo/Echo")
        .json(json!({"message": "blocking"}))
        .send_blocking()
        .unwrap()
        .expect_ok();
    assert_eq!(reply.single()["message"], "blocking");
    server.stop().expect("a clean stop");
}

#[test]
fn a_server_that_ignores_its_stdin_fails_the_stop() {
    // Without --stop-on-stdin-eof the demo server ignores its stdin.
    let mut command = Command::new(workspace_bin("piperpc"));
    command.args(["serve", "--listen", &fresh_address("harness")]);
    let server = TestServer::start(command).unwrap();
    let error = server.stop_within(Duration::from_secs(2)).unwrap_err();
    assert!(matches!(error, HarnessError::Killed { .. }), "{error:?}");
}
