//! The harness's [`Call`] against a server of another gRPC stack, started
//! outside the test: `scripts/windows-peers-node.sh` starts a grpc-js server
//! (tests/windows-peers/node/echo_server.js, which implements
//! `piperpc.demo.v1.Echo` with reflection) on a byte-type named pipe under
//! Wine and runs this test with `PIPECURL_FOREIGN_SERVER` set to its
//! address. It works the same against such a server on a Unix socket.
//!
//! Ignored by default, since it needs that server; asked for without the
//! variable set, it fails rather than passing.

use pipecurl::harness::Call;
use serde_json::json;

#[test]
#[ignore = "needs a server started outside the test: run by scripts/windows-peers-node.sh"]
fn calls_a_server_of_another_stack() {
    let address = std::env::var("PIPECURL_FOREIGN_SERVER").expect(
        "PIPECURL_FOREIGN_SERVER must name a server of piperpc.demo.v1.Echo with reflection",
    );

    let reply = Call::new(&address, "piperpc.demo.v1.Echo/Echo")
        .header("x-peer", "pipecurl-harness")
        .json(json!({"message": "from the harness", "returnMetadata": true}))
        .send_blocking()
        .expect("the unary call")
        .expect_ok();
    assert_eq!(reply.single()["message"], "from the harness");
    assert_eq!(reply.single()["metadata"]["x-peer"], "pipecurl-harness");

    let reply = Call::new(&address, "piperpc.demo.v1.Echo/Count")
        .json(json!({"count": 5}))
        .send_blocking()
        .expect("the server-streaming call")
        .expect_ok();
    let numbers: Vec<_> = reply.messages.iter().map(|m| m["number"].clone()).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5]);

    let reply = Call::new(&address, "piperpc.demo.v1.Echo/Collect")
        .json(json!([{"data": "YWJj"}, {"data": "ZGVm"}]))
        .send_blocking()
        .expect("the client-streaming call")
        .expect_ok();
    assert_eq!(reply.single()["count"], "2");
    assert_eq!(reply.single()["totalBytes"], "6");

    let reply = Call::new(&address, "piperpc.demo.v1.Echo/Chat")
        .json(json!([{"text": "a"}, {"text": "b"}]))
        .send_blocking()
        .expect("the bidi call")
        .expect_ok();
    let texts: Vec<_> = reply.messages.iter().map(|m| m["text"].clone()).collect();
    assert_eq!(texts, ["you said: a", "you said: b"]);
}
