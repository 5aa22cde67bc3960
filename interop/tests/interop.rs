//! `piperpc-interop client --test_case=all` against `piperpc-interop server`,
//! each a real process: on a Unix socket (Unix) or a named pipe (Windows),
//! on TCP, and on TCP with TLS (feature `tls`).

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BINARY: &str = env!("CARGO_BIN_EXE_piperpc-interop");

/// Generous: the Windows suite runs under Wine, on two shared cores.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const CLIENT_TIMEOUT: Duration = Duration::from_secs(300);

/// A running `piperpc-interop server`, stopped by closing its stdin.
struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    /// The address of its (last) ready line.
    address: String,
}

impl Server {
    fn start(args: &[&str]) -> Server {
        let mut child = Command::new(BINARY)
            .arg("server")
            .args(args)
            .arg("--stop-on-stdin-eof")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start piperpc-interop server");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        let (lines, ready) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let address = loop {
            let line = ready
                .recv_timeout(READY_TIMEOUT)
                .expect("the server's ready line");
            if let Some(address) = line.strip_prefix("listening on ") {
                break address.to_string();
            }
        };
        Server {
            child,
            stdin,
            address,
        }
    }

    /// The TCP port of its address.
    fn port(&self) -> &str {
        self.address.rsplit(':').next().expect("HOST:PORT")
    }

    /// Stops it and checks that it stopped cleanly.
    fn stop(mut self) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("wait for the server");
        assert!(status.success(), "the server exited with {status}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.stdin.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs the client to its end, within [`CLIENT_TIMEOUT`].
fn client(args: &[&str]) -> Output {
    let child = Command::new(BINARY)
        .arg("client")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start piperpc-interop client");
    let id = child.id();
    let (done, waited) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match waited.recv_timeout(CLIENT_TIMEOUT) {
        Ok(output) => output.expect("the client's output"),
        Err(_) => panic!("the client (pid {id}) ran past {CLIENT_TIMEOUT:?}"),
    }
}

/// Every case passed, each said so, and the client exited 0.
fn assert_all_passed(output: &Output) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = format!("{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{report}");
    assert!(!stdout.contains("FAILED"), "{report}");
    let passed = stdout.lines().filter(|l| l.ends_with(": passed")).count();
    assert_eq!(passed, 20, "one line per case: {report}");
}

fn run_all_on(server: Server, client_args: &[&str]) {
    let mut args = vec!["--test_case=all"];
    args.extend_from_slice(client_args);
    let output = client(&args);
    server.stop();
    assert_all_passed(&output);
}

fn unique(name: &str) -> String {
    format!("piperpc-interop-{name}-{}", std::process::id())
}

#[cfg(unix)]
#[test]
fn all_cases_over_a_unix_socket() {
    let dir = std::env::temp_dir().join(unique("socket"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let address = format!("unix:{}", dir.join("interop.sock").display());
    let server = Server::start(&["--listen", &address]);
    run_all_on(server, &["--server_uri", &address]);
    let _ = std::fs::remove_dir_all(dir);
}

#[cfg(windows)]
#[test]
fn all_cases_over_a_named_pipe() {
    let address = format!(r"\\.\pipe\{}", unique("pipe"));
    let server = Server::start(&["--listen", &address]);
    run_all_on(server, &["--server_uri", &address]);
}

#[test]
fn all_cases_over_tcp() {
    let server = Server::start(&["--listen", "127.0.0.1:0"]);
    let port = server.port().to_string();
    run_all_on(server, &["--server_host=127.0.0.1", "--server_port", &port]);
}

/// As the official clients call a TLS server: the test CA, and the
/// certificate's name in place of the host's.
#[cfg(feature = "tls")]
#[test]
fn all_cases_over_tls() {
    let server = Server::start(&["--listen", "127.0.0.1:0", "--use_tls=true"]);
    assert!(server.address.starts_with("https://"), "{}", server.address);
    let port = server.port().to_string();
    run_all_on(
        server,
        &[
            "--server_host=127.0.0.1",
            "--server_port",
            &port,
            "--use_tls=true",
            "--use_test_ca=true",
            "--server_host_override=foo.test.google.fr",
        ],
    );
}

/// The official servers' flags: `--port` (loopback) and `--use_tls=false`.
#[test]
fn official_server_flags() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = probe.local_addr().expect("its port").port().to_string();
    drop(probe);
    let server = Server::start(&["--port", &port, "--use_tls=false"]);
    let output = client(&[
        "--server_host=localhost",
        "--server_port",
        &port,
        "--test_case=empty_unary,large_unary",
    ]);
    server.stop();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert_eq!(stdout.matches(": passed").count(), 2, "{stdout}");
}

/// No server: the run fails.
#[test]
fn no_server_fails_the_run() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = probe.local_addr().expect("its port").port().to_string();
    drop(probe);
    // Nothing listens there: connecting fails before any case runs.
    let output = client(&[
        "--server_port",
        &port,
        "--test_case=empty_unary,large_unary",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("empty_unary: FAILED: connecting to "),
        "{stdout}"
    );
    assert!(stdout.contains("large_unary: FAILED: "), "{stdout}");
}

/// A case that fails is reported and fails the run.
#[cfg(feature = "tls")]
#[test]
fn a_failed_case_is_reported() {
    let server = Server::start(&["--listen", "127.0.0.1:0", "--use_tls=true"]);
    let port = server.port().to_string();
    // Plaintext to a TLS server: the case runs and fails.
    let output = client(&[
        "--server_host=127.0.0.1",
        "--server_port",
        &port,
        "--test_case=empty_unary",
    ]);
    server.stop();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{stdout}");
    assert!(stdout.contains("empty_unary: FAILED: "), "{stdout}");
}
