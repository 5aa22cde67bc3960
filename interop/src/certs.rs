//! grpc's interop test certificates (certs/, from grpc's
//! src/core/tsi/test_creds/), built in so the binary runs from anywhere.
//! server1.pem names `*.test.google.fr`, `waterzooi.test.google.be`,
//! `*.test.youtube.com` and 192.168.1.3: clients pass
//! `--server_host_override=foo.test.google.fr`.

/// The test CA (`--use_test_ca`).
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub const CA_CERT: &[u8] = include_bytes!("../certs/ca.pem");
/// The server's certificate.
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub const SERVER_CERT: &[u8] = include_bytes!("../certs/server1.pem");
/// The server's private key.
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub const SERVER_KEY: &[u8] = include_bytes!("../certs/server1.key");
