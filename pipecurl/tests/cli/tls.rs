//! pipecurl against a TLS server, with grpcurl's flags and rule: a TCP
//! address is TLS unless -plaintext.

use pipecurl::harness::tls::{Leaf, TestCa};
use serde_json::json;

use crate::support::{fails_with, json_ok, server_on, text_ok};

const WORKER: &str = "spiffe://example.org/worker";

fn path(path: &std::path::Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}

#[test]
fn calls_a_mutual_tls_server_with_grpcurls_flags() {
    let ca = TestCa::new("pipecurl test CA");
    let ca_pem = ca.write("ca");
    let (cert, key) = ca
        .issue(&Leaf::server(["localhost", "127.0.0.1"]))
        .write(ca.dir(), "server");
    let (worker_cert, worker_key) = ca
        .issue(&Leaf::client("worker").san(WORKER))
        .write(ca.dir(), "worker");
    let server = server_on(
        &["127.0.0.1:0"],
        &[
            "--tls-cert",
            path(&cert),
            "--tls-key",
            path(&key),
            "--client-ca",
            path(&ca_pem),
            "--allow-san",
            WORKER,
        ],
    );
    let address = &server.addresses()[0];
    let tls = [
        "-cacert",
        path(&ca_pem),
        "-cert",
        path(&worker_cert),
        "-key",
        path(&worker_key),
    ];

    let services = text_ok(&[&tls[..], &[address, "list"]].concat());
    assert!(services.contains("piperpc.demo.v1.Echo"), "{services}");
    let body = json!({"message": "over TLS"}).to_string();
    let reply = json_ok(
        &[
            &tls[..],
            &["-d", &body, address, "piperpc.demo.v1.Echo/Echo"],
        ]
        .concat(),
    );
    assert_eq!(reply[0]["message"], "over TLS");

    // The server name is checked: a name the certificate lacks fails, and
    // -servername picks one it has.
    let wrong_name = fails_with(
        &[&tls[..], &["-servername", "other.example", address, "list"]].concat(),
        1,
    );
    assert!(
        wrong_name.contains("does not name this server"),
        "{wrong_name}"
    );
    let named = text_ok(&[&tls[..], &["-servername", "localhost", address, "list"]].concat());
    assert!(named.contains("piperpc.demo.v1.Echo"), "{named}");

    // Without a client certificate the server refuses; with -plaintext the
    // client is told the address is TLS only.
    let anonymous = fails_with(&["-cacert", path(&ca_pem), address, "list"], 1);
    assert!(
        anonymous.contains("requires a client certificate"),
        "{anonymous}"
    );
    let plaintext = fails_with(&["-plaintext", address, "list"], 1);
    assert!(plaintext.contains("serves TLS only"), "{plaintext}");
}

#[test]
fn tls_is_the_default_for_tcp_and_insecure_skips_verification() {
    let ca = TestCa::new("pipecurl test CA");
    let (cert, key) = ca
        .issue(&Leaf::server(["127.0.0.1"]))
        .write(ca.dir(), "server");
    let server = server_on(
        &["127.0.0.1:0"],
        &[
            "--tls-cert",
            path(&cert),
            "--tls-key",
            path(&key),
            "--allow-any-peer",
        ],
    );
    let address = &server.addresses()[0];
    // No -cacert: the system's CAs, which do not know this one.
    let untrusted = fails_with(&[address, "list"], 1);
    assert!(
        untrusted.contains("not signed by a trusted CA")
            || untrusted.contains("system offers none"),
        "{untrusted}"
    );
    let insecure = text_ok(&["-insecure", address, "list"]);
    assert!(insecure.contains("piperpc.demo.v1.Echo"), "{insecure}");
}

#[test]
fn tls_flags_on_a_local_address_are_a_usage_error() {
    let stderr = fails_with(&["-cacert", "ca.pem", "my-app", "list"], 1);
    assert!(stderr.contains("local addresses are never TLS"), "{stderr}");
    let stderr = fails_with(&["-plaintext", "-insecure", "127.0.0.1:1", "list"], 1);
    assert!(stderr.contains("cannot be combined"), "{stderr}");
    let stderr = fails_with(&["-cert", "c.pem", "127.0.0.1:1", "list"], 1);
    assert!(stderr.contains("-cert and -key go together"), "{stderr}");
}
