//! Starting `piperpc serve` and `piperpc call` as real processes.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use piperpc_demo::client::Stubs;

pub const BIN: &str = env!("CARGO_BIN_EXE_piperpc");
/// Generous: a cold start under Wine takes seconds.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
pub const MAX_MESSAGE: usize = 4 * 1024 * 1024;

/// A fresh address of the platform's local kind, spelled out so test
/// output shows what was used (`\\.\pipe\...` or `unix:...`).
pub fn unique_address() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = format!("piperpc-test-{}-{n}", std::process::id());
    if cfg!(windows) {
        format!(r"\\.\pipe\{name}")
    } else {
        format!("unix:{}/{name}.sock", std::env::temp_dir().display())
    }
}

/// Process A, stopped (or killed) when dropped.
pub struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    /// Every address the server announced, in order.
    pub addresses: Vec<String>,
}

impl Server {
    /// Serves on a fresh local address.
    pub fn start() -> Server {
        Server::start_on(&[&unique_address()], &[])
    }

    /// Serves on each of `addresses`, with `extra` flags.
    pub fn start_on(addresses: &[&str], extra: &[&str]) -> Server {
        let mut command = Command::new(BIN);
        command.arg("serve").arg("--stop-on-stdin-eof");
        for address in addresses {
            command.args(["--listen", address]);
        }
        command.args(extra);
        let (child, stdin, lines) = spawn_line_by_line(command);
        let mut server = Server {
            child,
            stdin,
            lines,
            addresses: Vec::new(),
        };
        for _ in addresses {
            let line = server
                .lines
                .recv_timeout(START_TIMEOUT)
                .expect("server did not report ready");
            let address = line
                .strip_prefix("listening on ")
                .unwrap_or_else(|| panic!("unexpected ready line: {line}"));
            server.addresses.push(address.to_string());
        }
        server
    }

    /// The first address served.
    pub fn address(&self) -> &str {
        &self.addresses[0]
    }

    /// Asks for a graceful stop (closes stdin) and waits for the exit.
    pub fn stop(mut self, within: Duration) -> ExitStatus {
        drop(self.stdin.take());
        wait_timeout(&mut self.child, within).expect("server did not stop in time")
    }

    /// Kills the process outright (SIGKILL / TerminateProcess).
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Sends SIGTERM (Unix only).
    #[cfg(unix)]
    pub fn terminate(&self) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
    }

    /// Waits for the process to exit.
    pub fn wait(mut self, within: Duration) -> ExitStatus {
        wait_timeout(&mut self.child, within).expect("server did not exit in time")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `command` with piped stdin and stdout; its stdout arrives line by
/// line on the returned channel (read by a thread, so a test can wait on it
/// with a timeout).
pub fn spawn_line_by_line(
    mut command: Command,
) -> (Child, Option<ChildStdin>, mpsc::Receiver<String>) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {command:?}: {e}"));
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("stdout");
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, stdin, lines)
}

/// A `piperpc call` process in the middle of an endless server stream, to be
/// killed by the test: returns once it has printed its first `lines`
/// messages.
pub fn client_mid_stream(address: &str, lines: usize) -> Child {
    let mut command = Command::new(BIN);
    command.args([
        "call",
        "--connect",
        address,
        "count",
        "1000000",
        "--interval-ms",
        "5",
    ]);
    let (child, _stdin, printed) = spawn_line_by_line(command);
    for expected in 1..=lines {
        let line = printed
            .recv_timeout(START_TIMEOUT)
            .expect("the stream never started");
        assert_eq!(line, expected.to_string());
    }
    child
}

/// Waits for `child`, or gives up (and kills it) after `within`.
pub fn wait_timeout(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `piperpc call --connect ADDRESS ARGS...` as process B.
pub fn call(address: &str, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command.args(["call", "--connect", address]).args(args);
    run(command, Duration::from_secs(60))
}

/// Runs `command` to completion, failing the test if it takes longer than
/// `within`.
pub fn run(mut command: Command, within: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let status = wait_timeout(&mut child, within)
        .unwrap_or_else(|| panic!("{command:?} did not finish within {within:?}"));
    Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// stdout of a call that must succeed.
pub fn call_ok(address: &str, args: &[&str]) -> String {
    let output = call(address, args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "call {args:?} failed: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The server's open-connection count, from its Stats service.
pub async fn open_connections(stubs: &Stubs) -> u64 {
    let request = piperpc_demo::proto::demo::GetStatsRequest {};
    let stats = stubs.stats().get(request).await.expect("Stats.Get");
    stats.into_inner().open_connections
}

/// Waits (up to 30 s) for the open-connection count to reach `expected`
/// and returns the last count seen. A client sees its connection closed a
/// moment before the server has dropped it, so a count is polled, not read
/// once.
pub async fn settled_open_connections(stubs: &Stubs, expected: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let open = open_connections(stubs).await;
        if open == expected || Instant::now() > deadline {
            return open;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// In-test client stubs on a new connection.
pub async fn stubs(address: &str) -> Stubs {
    let channel = piperpc::connect(address)
        .await
        .unwrap_or_else(|e| panic!("connect {address}: {e}"));
    Stubs::new(channel, MAX_MESSAGE)
}

/// True (after saying so) when running under Wine and `why` means the test
/// cannot show anything there.
pub fn skipped_under_wine(why: &str) -> bool {
    if is_wine() {
        notice(&format!("skipped under Wine: {why}"));
        return true;
    }
    false
}

/// Writes a notice (a skip, a figure) past libtest's output capture, so it shows in the
/// run's output even though the test is reported as passed.
pub fn notice(notice: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{notice}");
}

pub use piperpc_demo::platform::is_wine;
