//! Starting `piperpc serve` and `piperpc call` as real processes. The
//! server's start (ready lines), stop (a clean exit on stdin's end) and the
//! Wine checks are `pipecurl::harness`'s; what is here adds the signals
//! some tests send and the `piperpc call` runs the harness has no use for.

use std::process::{Child, ChildStdin, Command, ExitStatus, Output};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pipecurl::harness::{TestServer, fresh_address};
pub use pipecurl::harness::{is_wine, skipped_under_wine};
use piperpc_demo::client::Stubs;

pub const BIN: &str = env!("CARGO_BIN_EXE_piperpc");
/// Generous: a cold start under Wine takes seconds.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);
pub const MAX_MESSAGE: usize = 4 * 1024 * 1024;

/// A fresh address of the platform's local kind, spelled out so test
/// output shows what was used (`\\.\pipe\...` or `unix:...`).
pub fn unique_address() -> String {
    fresh_address("piperpc-test")
}

/// Process A, started and stopped by the harness (killed when dropped),
/// with the signals some tests send it.
pub struct Server {
    inner: TestServer,
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
        command.arg("serve");
        for address in addresses {
            command.args(["--listen", address]);
        }
        command.args(extra);
        Server::start_command(command, addresses.len())
    }

    /// Runs `command` (a `piperpc serve` command line, perhaps behind a
    /// wrapper such as `setpriv`) and waits for it to announce `addresses`
    /// addresses.
    pub fn start_command(mut command: Command, addresses: usize) -> Server {
        command.arg("--stop-on-stdin-eof");
        let inner = TestServer::builder(command)
            .ready_lines(addresses)
            .start_within(START_TIMEOUT)
            .start()
            .unwrap_or_else(|e| panic!("{e}"));
        Server {
            addresses: inner.addresses().to_vec(),
            inner,
        }
    }

    /// The first address served.
    pub fn address(&self) -> &str {
        &self.addresses[0]
    }

    /// Asks for a graceful stop (closes stdin) and waits for the exit,
    /// which must be clean.
    pub fn stop(self, within: Duration) -> ExitStatus {
        self.inner
            .stop_within(within)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Kills the process outright (SIGKILL / TerminateProcess).
    pub fn kill(self) {
        self.inner.kill();
    }

    /// Sends SIGTERM (Unix only).
    #[cfg(unix)]
    pub fn terminate(&self) {
        self.signal(libc::SIGTERM);
    }

    /// Freezes the process with SIGSTOP (Unix only), as a deadlock or a
    /// debugger would: the kernel still completes connections from the
    /// socket's backlog, and nothing answers them. Returns once it is
    /// stopped (the harness's [`TestServer::pause`]).
    #[cfg(unix)]
    pub fn pause(&self) {
        self.inner.pause();
    }

    /// Lets a paused process run again with SIGCONT (Unix only).
    #[cfg(unix)]
    pub fn resume(&self) {
        self.inner.resume();
    }

    #[cfg(unix)]
    fn signal(&self, signal: libc::c_int) {
        let pid = libc::pid_t::try_from(self.inner.id()).expect("a pid");
        // SAFETY: kill(2) on our own child's pid, not yet reaped.
        unsafe { libc::kill(pid, signal) };
    }

    /// Waits for the process to exit (after a signal: Unix only).
    #[cfg(unix)]
    pub fn wait(self, within: Duration) -> ExitStatus {
        self.inner
            .wait_within(within)
            .unwrap_or_else(|e| panic!("{e}"))
    }
}

/// `command` started with its stdout arriving line by line (the harness's
/// [`pipecurl::harness::spawn_lines`]).
pub fn spawn_line_by_line(command: Command) -> (Child, Option<ChildStdin>, mpsc::Receiver<String>) {
    pipecurl::harness::spawn_lines(command).unwrap_or_else(|e| panic!("{e}"))
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
    // Dropping `printed` is safe: the harness's reader drains the client's
    // stdout to the end, so the client never meets a broken pipe and runs
    // until the test kills it.
    child
}

/// Waits for `child`, or gives up (and kills it) after `within`.
pub fn wait_timeout(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    pipecurl::harness::wait_or_kill(child, within)
}

/// Runs `piperpc call --connect ADDRESS ARGS...` as process B.
pub fn call(address: &str, args: &[&str]) -> Output {
    let mut command = Command::new(BIN);
    command.args(["call", "--connect", address]).args(args);
    run(command, Duration::from_secs(60))
}

/// `piperpc serve ARGS...`, which must exit at once with status 1 (a
/// refused setup); returns its stderr.
pub fn serve_fails(args: &[&str]) -> String {
    let mut command = Command::new(BIN);
    command.arg("serve").args(args);
    let output = run(command, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    stderr
}

/// Runs `command` to completion, failing the test if it takes longer than
/// `within`.
pub fn run(command: Command, within: Duration) -> Output {
    pipecurl::harness::run(command, within).unwrap_or_else(|e| panic!("{e}"))
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

/// Writes a notice (a skip, a figure) past libtest's output capture, so it shows in the
/// run's output even though the test is reported as passed.
pub fn notice(notice: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{notice}");
}
