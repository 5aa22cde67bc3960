//! pipecurl's grpcurl flags beyond the basics: `-rpc-header`,
//! `-reflect-header`, `-authority`, `-vv` and `-msg-template`, written
//! with one dash as grpcurl users type them.

use crate::support::{fails_with, json_ok, server, text_ok};

const ECHO_METHOD: &str = "piperpc.demo.v1.Echo/Echo";
const WITH_METADATA: &str = r#"{"message": "m", "return_metadata": true}"#;

#[test]
fn rpc_headers_go_with_the_call_and_reflect_headers_do_not() {
    let server = server();
    let args = [
        "-H",
        "x-both: 1",
        "-rpc-header",
        "x-rpc: 2",
        "-reflect-header",
        "x-reflect: 3",
        "-d",
        WITH_METADATA,
        server.address(),
        ECHO_METHOD,
    ];
    let reply = &json_ok(&args)[0];
    assert_eq!(reply["metadata"]["x-both"], "1", "{reply}");
    assert_eq!(reply["metadata"]["x-rpc"], "2", "{reply}");
    assert!(reply["metadata"].get("x-reflect").is_none(), "{reply}");
    let stderr = fails_with(&["-rpc-header", "no colon", server.address(), "list"], 1);
    assert!(stderr.contains("no colon"), "{stderr}");
}

#[test]
fn authority_is_sent_and_checked() {
    let server = server();
    let reply = &json_ok(&[
        "-authority",
        "example.org:8443",
        "-d",
        WITH_METADATA,
        server.address(),
        ECHO_METHOD,
    ])[0];
    assert_eq!(reply["message"], "m", "{reply}");
    let stderr = fails_with(
        &["-authority", "not an/authority", server.address(), "list"],
        1,
    );
    assert!(stderr.contains("not a valid authority"), "{stderr}");
}

#[test]
fn very_verbose_adds_timing_data_to_verbose_output() {
    let server = server();
    let text = text_ok(&["-vv", "-d", WITH_METADATA, server.address(), ECHO_METHOD]);
    for part in [
        "Resolved method descriptor:\n",
        "Response contents:\n",
        "Sent 1 request and received 1 response\nTiming Data: ",
        "\n  Dial: ",
        "\n  ResolveMethod: ",
        "\n  InvokeRPC: ",
    ] {
        assert!(text.contains(part), "{part:?} in\n{text}");
    }
}

#[test]
fn msg_template_shows_every_field_of_a_message() {
    let server = server();
    let text = text_ok(&[
        server.address(),
        "describe",
        "-msg-template",
        "piperpc.demo.v1.EchoRequest",
    ]);
    assert!(
        text.starts_with("piperpc.demo.v1.EchoRequest is a message:\nmessage EchoRequest {\n"),
        "{text}"
    );
    assert!(
        text.ends_with(
            "}\n\nMessage template:\n{\n  \"message\": \"\",\n  \"payload\": \"\",\n  \
             \"returnMetadata\": false,\n  \"delayMs\": 0\n}\n"
        ),
        "{text}"
    );
    let stderr = fails_with(&["-msg-template", server.address(), "list"], 1);
    assert!(stderr.contains("only with describe"), "{stderr}");
}
