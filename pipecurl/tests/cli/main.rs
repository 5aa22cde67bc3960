//! The `pipecurl` binary against a real `piperpc serve` (the demo's
//! server) over the platform's local address (a named pipe on Windows, a
//! Unix socket elsewhere): listing, describing, every RPC kind, metadata,
//! deadlines and the errors a user meets, with grpcurl's exit statuses.

mod flags;
mod hung;
mod support;
#[cfg(feature = "tls")]
mod tls;

use std::path::Path;

use serde_json::{Value, json};

use support::{
    Interactive, fails_with, json_ok, json_values, pipecurl, pipecurl_with_stdin, server,
    server_on, succeeded, text_ok, unique_address,
};

const ECHO: &str = "piperpc.demo.v1.Echo";

#[test]
fn list_services_and_methods() {
    let server = server();
    let a = server.address();
    let services = text_ok(&[a, "list"]);
    let services: Vec<&str> = services.lines().collect();
    for expected in [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        ECHO,
        "piperpc.demo.v1.KeyValue",
    ] {
        assert!(services.contains(&expected), "{expected} in {services:?}");
    }
    let mut sorted = services.clone();
    sorted.sort();
    assert_eq!(services, sorted, "sorted, as grpcurl lists them");

    assert_eq!(
        text_ok(&[a, "list", ECHO]),
        "piperpc.demo.v1.Echo.Chat\npiperpc.demo.v1.Echo.Collect\n\
         piperpc.demo.v1.Echo.Count\npiperpc.demo.v1.Echo.Echo\n"
    );
    let stderr = fails_with(&[a, "list", "piperpc.demo.v1.Nope"], 1);
    assert!(
        stderr.contains("\"piperpc.demo.v1.Nope\" not found"),
        "{stderr}"
    );
}

#[test]
fn describe_a_service_and_a_message() {
    let server = server();
    let a = server.address();
    let service = text_ok(&[a, "describe", ECHO]);
    assert!(
        service.starts_with("piperpc.demo.v1.Echo is a service:\n"),
        "{service}"
    );
    for line in [
        "// Echo exercises the four RPC kinds of gRPC.",
        "service Echo {",
        "  rpc Echo ( .piperpc.demo.v1.EchoRequest ) returns ( .piperpc.demo.v1.EchoResponse );",
        "  rpc Count ( .piperpc.demo.v1.CountRequest ) returns ( stream .piperpc.demo.v1.CountResponse );",
        "  rpc Collect ( stream .piperpc.demo.v1.CollectRequest ) returns ( .piperpc.demo.v1.CollectResponse );",
        "  rpc Chat ( stream .piperpc.demo.v1.ChatRequest ) returns ( stream .piperpc.demo.v1.ChatResponse );",
    ] {
        assert!(service.lines().any(|l| l == line), "{line:?} in\n{service}");
    }

    assert_eq!(
        text_ok(&[a, "describe", "piperpc.demo.v1.EchoResponse"]),
        "piperpc.demo.v1.EchoResponse is a message:\n\
         message EchoResponse {\n\
         \x20 string message = 1;\n\
         \x20 bytes payload = 2;\n\
         \x20 // The request metadata (ASCII entries only), when asked for.\n\
         \x20 map<string, string> metadata = 3;\n\
         \x20 // The caller's process id as the OS reported it to the server (0 if unknown).\n\
         \x20 uint32 peer_pid = 4;\n\
         }\n"
    );
    // Nested types resolve through reflection too.
    let kind = text_ok(&[a, "describe", "piperpc.demo.v1.WatchEvent.Kind"]);
    assert!(kind.contains("KIND_DELETE = 2;"), "{kind}");

    let stderr = fails_with(&[a, "describe", "piperpc.demo.v1.Nope"], 1);
    assert!(
        stderr.contains("Failed to resolve symbol \"piperpc.demo.v1.Nope\""),
        "{stderr}"
    );
}

#[test]
fn unary_echo() {
    let server = server();
    let body = r#"{"message": "hello", "payload": "AQID"}"#;
    let replies = json_ok(&["-d", body, server.address(), "piperpc.demo.v1.Echo/Echo"]);
    assert_eq!(replies.len(), 1);
    let reply = &replies[0];
    assert_eq!(reply["message"], "hello");
    assert_eq!(reply["payload"], "AQID", "bytes are base64 in proto3 JSON");
    // The server learned pipecurl's pid from the OS.
    assert!(reply["peerPid"].as_u64().unwrap_or(0) > 0, "{reply}");

    // SERVICE.METHOD works too, and no -d sends an empty message.
    let replies = json_ok(&[server.address(), "piperpc.demo.v1.Echo.Echo"]);
    assert_eq!(replies.len(), 1);
    assert!(replies[0].get("message").is_none(), "{:?}", replies[0]);
}

#[test]
fn server_stream_prints_each_message_in_order() {
    let server = server();
    let replies = json_ok(&[
        "-d",
        r#"{"count": 3, "payload_size": 2}"#,
        server.address(),
        "piperpc.demo.v1.Echo/Count",
    ]);
    assert_eq!(
        replies,
        [1, 2, 3].map(|n| json!({"number": n, "payload": "eHg="}))
    );
}

#[test]
fn client_stream_takes_a_sequence_of_objects() {
    let server = server();
    let method = "piperpc.demo.v1.Echo/Collect";
    let inline = r#"{"data": "YWI="} {"data": "Y2Rl"}{}"#;
    let replies = json_ok(&["-d", inline, server.address(), method]);
    assert_eq!(replies, [json!({"count": "3", "totalBytes": "5"})]);

    let args = ["-d", "@", server.address(), method];
    let stdin = "{\"data\": \"YWI=\"}\n{\"data\": \"Y2Rl\"}\n";
    let replies = json_values(&succeeded(&args, pipecurl_with_stdin(&args, stdin)));
    assert_eq!(replies, [json!({"count": "2", "totalBytes": "5"})]);
}

#[test]
fn bidi_answers_each_line_from_stdin_as_it_arrives() {
    let server = server();
    let mut chat = Interactive::start(&["-d", "@", server.address(), "piperpc.demo.v1.Echo/Chat"]);
    // The next line is written only after the answer to the last one was
    // read: pipecurl must send each message as soon as it is parsed.
    for (i, text) in ["one", "two", "three"].into_iter().enumerate() {
        chat.send_line(&format!(r#"{{"text": "{text}"}}"#));
        assert_eq!(
            chat.next_object(),
            json!({"sequence": (i + 1).to_string(), "text": format!("you said: {text}")})
        );
    }
    assert_eq!(chat.finish(), Some(0));
}

#[test]
fn keyvalue_put_get_list_delete() {
    let server = server();
    let a = server.address();
    let call = |method: &str, body: &str| {
        json_ok(&["-d", body, a, &format!("piperpc.demo.v1.KeyValue/{method}")])
    };
    let put = call("Put", r#"{"key": "fruit/apple", "value": "cmVk"}"#);
    assert_eq!(
        put,
        [json!({"entry": {"key": "fruit/apple", "value": "cmVk", "revision": "1"}})]
    );
    call("Put", r#"{"key": "fruit/kiwi", "value": "Z3JlZW4="}"#);
    let replaced = call("Put", r#"{"key": "fruit/apple", "value": "Z3JlZW4="}"#);
    assert_eq!(replaced[0]["replaced"], true);

    let got = call("Get", r#"{"key": "fruit/apple"}"#);
    assert_eq!(got[0]["entry"]["value"], "Z3JlZW4=");
    assert_eq!(got[0]["entry"]["revision"], "3");

    let listed = call("List", r#"{"prefix": "fruit/"}"#);
    let keys: Vec<&Value> = listed.iter().map(|entry| &entry["key"]).collect();
    assert_eq!(keys, ["fruit/apple", "fruit/kiwi"]);

    let deleted = call("Delete", r#"{"key": "fruit/kiwi"}"#);
    assert_eq!(deleted[0]["revision"], "4");

    // NOT_FOUND is 5: exit 64 + 5, the code's name and message on stderr.
    let stderr = fails_with(
        &[
            "-d",
            r#"{"key": "fruit/kiwi"}"#,
            a,
            "piperpc.demo.v1.KeyValue/Get",
        ],
        69,
    );
    assert!(
        stderr.contains("Code: NotFound") && stderr.contains("fruit/kiwi"),
        "{stderr}"
    );
}

#[test]
fn health_check() {
    let server = server();
    let method = "grpc.health.v1.Health/Check";
    assert_eq!(
        json_ok(&[server.address(), method]),
        [json!({"status": "SERVING"})]
    );
    let body = r#"{"service": "piperpc.demo.v1.KeyValue"}"#;
    assert_eq!(
        json_ok(&["-d", body, server.address(), method]),
        [json!({"status": "SERVING"})]
    );
}

#[test]
fn metadata_from_h_reaches_the_server() {
    let server = server();
    let args = [
        "-H",
        "x-trace-id: abc-123",
        "-H",
        "X-Tenant:blue",
        "-d",
        r#"{"message": "m", "return_metadata": true}"#,
        server.address(),
        "piperpc.demo.v1.Echo/Echo",
    ];
    let reply = &json_ok(&args)[0];
    assert_eq!(reply["metadata"]["x-trace-id"], "abc-123", "{reply}");
    assert_eq!(reply["metadata"]["x-tenant"], "blue", "{reply}");

    // -v shows what was sent and received around the response.
    let mut verbose = vec!["-v"];
    verbose.extend_from_slice(&args);
    let text = text_ok(&verbose);
    for part in [
        "Resolved method descriptor:\n// Unary: returns the message and payload it was sent.\n\
         rpc Echo ( .piperpc.demo.v1.EchoRequest ) returns ( .piperpc.demo.v1.EchoResponse );\n",
        "Request metadata to send:\nx-tenant: blue\nx-trace-id: abc-123\n",
        "Response headers received:\ncontent-type: application/grpc\n",
        "Response contents:\n{\n",
        "Response trailers received:\n(empty)\nSent 1 request and received 1 response\n",
    ] {
        assert!(text.contains(part), "{part:?} in\n{text}");
    }
}

#[test]
fn an_expired_deadline_exits_with_64_plus_deadline_exceeded() {
    let server = server();
    // The first number comes at once, the second a minute later; the
    // deadline falls in between.
    let args = [
        "--max-time",
        "4",
        "-d",
        r#"{"count": 2, "interval_ms": 60000}"#,
        server.address(),
        "piperpc.demo.v1.Echo/Count",
    ];
    let output = pipecurl(&args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(64 + 4), "{stderr}");
    assert!(stderr.contains("Code: DeadlineExceeded"), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(json_values(&stdout), [json!({"number": 1})]);
}

#[test]
fn an_unknown_method_or_service_is_a_clear_error() {
    let server = server();
    let a = server.address();
    let stderr = fails_with(&[a, "piperpc.demo.v1.Echo/Shout"], 1);
    assert!(
        stderr
            .contains("service \"piperpc.demo.v1.Echo\" does not include a method named \"Shout\""),
        "{stderr}"
    );
    let stderr = fails_with(&[a, "piperpc.demo.v1.Nope/Echo"], 1);
    assert!(
        stderr.contains("service \"piperpc.demo.v1.Nope\" not found"),
        "{stderr}"
    );
    let stderr = fails_with(&[a, "Echo"], 1);
    assert!(stderr.contains("SERVICE/METHOD"), "{stderr}");
}

#[test]
fn invalid_json_exits_1_and_sends_nothing() {
    let server = server();
    let a = server.address();
    let put = "piperpc.demo.v1.KeyValue/Put";
    let stderr = fails_with(&["-d", r#"{"key": "k", "value": "dg==""#, a, put], 1);
    assert!(stderr.contains("line 1 column"), "{stderr}");
    let stderr = fails_with(
        &["-d", "{\"key\": \"k\",\n \"vaule\": \"dg==\"}", a, put],
        1,
    );
    assert!(
        stderr.contains("vaule") && stderr.contains("line 2 column"),
        "{stderr}"
    );
    // Nothing was stored: the call never went out.
    fails_with(
        &["-d", r#"{"key": "k"}"#, a, "piperpc.demo.v1.KeyValue/Get"],
        69,
    );

    // A stream is checked whole before its first message is sent.
    let stderr = fails_with(
        &[
            "-d",
            r#"{"data": "YQ=="} {"data": 7}"#,
            a,
            "piperpc.demo.v1.Echo/Collect",
        ],
        1,
    );
    assert!(stderr.contains("message 2"), "{stderr}");
}

#[test]
fn a_server_without_reflection_is_called_with_proto_files() {
    let address = unique_address();
    let server = server_on(&[&address], &["--no-reflection"]);
    let a = server.address();
    let stderr = fails_with(&[a, "list"], 1);
    assert!(
        stderr.contains("does not support the reflection API"),
        "{stderr}"
    );

    let proto_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../proto");
    let proto_dir = proto_dir.to_str().expect("a UTF-8 path");
    let from_proto = [
        "--proto",
        "piperpc/demo/v1/echo.proto",
        "--import-path",
        proto_dir,
    ];
    let mut args = from_proto.to_vec();
    args.extend([
        "-d",
        r#"{"message": "no reflection"}"#,
        a,
        "piperpc.demo.v1.Echo/Echo",
    ]);
    assert_eq!(json_ok(&args)[0]["message"], "no reflection");

    // list and describe read the files alone, without an address.
    let mut args = from_proto.to_vec();
    args.push("list");
    assert_eq!(text_ok(&args), "piperpc.demo.v1.Echo\n");
    let mut args = from_proto.to_vec();
    args.extend(["describe", "piperpc.demo.v1.CountRequest"]);
    assert!(text_ok(&args).contains("uint32 interval_ms = 3;"));

    // A protoset does the same.
    let protoset = std::env::temp_dir().join(format!("pipecurl-{}.protoset", std::process::id()));
    std::fs::write(&protoset, piperpc_demo::proto::FILE_DESCRIPTOR_SET).expect("write protoset");
    let protoset_arg = protoset.to_str().expect("a UTF-8 path");
    let reply = json_ok(&[
        "--protoset",
        protoset_arg,
        "-d",
        r#"{"key": "k", "value": "dg=="}"#,
        a,
        "piperpc.demo.v1.KeyValue/Put",
    ]);
    let _ = std::fs::remove_file(&protoset);
    assert_eq!(reply[0]["entry"]["revision"], "1");
}

#[test]
fn an_address_with_no_server_names_the_address() {
    let address = unique_address();
    let stderr = fails_with(&[&address, "list"], 1);
    let shown = piperpc::Address::parse(&address).unwrap().to_string();
    assert!(
        stderr.contains(&format!("no server is listening on {shown}")),
        "{stderr}"
    );
}

#[test]
fn verify_server_refuses_a_server_of_another_user() {
    let server = server();
    let health = "grpc.health.v1.Health/Check";
    let ok = json_ok(&["--verify-server", "same-user", server.address(), health]);
    assert_eq!(ok[0]["status"], "SERVING");

    let stranger = if cfg!(windows) { "S-1-5-18" } else { "12345" };
    let stderr = fails_with(&["--verify-server", stranger, server.address(), health], 1);
    assert!(stderr.contains("refusing to send it anything"), "{stderr}");
}

#[test]
fn every_address_form_the_transport_knows() {
    let local = unique_address();
    let mut addresses = vec![local.as_str(), "127.0.0.1:0"];
    let abstract_name = format!("unix-abstract:piperpc-pipecurl-{}", std::process::id());
    if cfg!(target_os = "linux") {
        addresses.push(&abstract_name);
    }
    let server = server_on(&addresses, &["--allow-any-peer"]);
    for address in server.addresses() {
        let body = json!({"message": address}).to_string();
        let reply = json_ok(&[
            "-plaintext",
            "-d",
            &body,
            address,
            "piperpc.demo.v1.Echo/Echo",
        ]);
        assert_eq!(reply[0]["message"], address.as_str());
    }
}
