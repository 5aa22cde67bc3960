//! Writes a throwaway CA and certificates for trying TLS and mutual TLS:
//!
//! ```text
//! cargo run -p pipecurl --example test-certs -- DIR
//! ```
//!
//! `DIR/ca.pem`; `DIR/server.pem` and `server.key` for `localhost` and
//! `127.0.0.1`; `DIR/client.pem` and `client.key`, whose SAN is
//! `spiffe://example.org/client`. For trying things out, never for
//! production: the CA's key is thrown away, and nothing protects the files.

use std::path::PathBuf;
use std::process::ExitCode;

use pipecurl::harness::tls::{Leaf, TestCa};

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: test-certs DIR");
        return ExitCode::from(2);
    };
    if let Err(error) = std::fs::create_dir_all(&dir) {
        eprintln!("error: cannot make {}: {error}", dir.display());
        return ExitCode::FAILURE;
    }
    let ca = TestCa::new("piperpc example CA");
    let server = ca.issue(&Leaf::server(["localhost", "127.0.0.1"]));
    let client = ca.issue(&Leaf::client("client").san("spiffe://example.org/client"));
    let written = std::fs::write(dir.join("ca.pem"), ca.pem()).map(|()| {
        server.write(&dir, "server");
        client.write(&dir, "client");
    });
    if let Err(error) = written {
        eprintln!("error: cannot write to {}: {error}", dir.display());
        return ExitCode::FAILURE;
    }
    println!(
        "wrote ca.pem, server.pem, server.key, client.pem, client.key in {}",
        dir.display()
    );
    ExitCode::SUCCESS
}
