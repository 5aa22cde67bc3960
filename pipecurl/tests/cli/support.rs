//! Running `pipecurl` as a real process and reading what it printed, and
//! the demo's `piperpc serve` for it to talk to.

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use pipecurl::harness::{TestServer, fresh_address, workspace_bin};
use serde_json::Value;

pub const PIPECURL: &str = env!("CARGO_BIN_EXE_pipecurl");
/// Generous: gRPC under Wine is slow.
pub const WITHIN: Duration = Duration::from_secs(60);

/// A fresh address of the platform's local kind.
pub fn unique_address() -> String {
    fresh_address("pipecurl-test")
}

/// The demo's server on a fresh local address.
pub fn server() -> TestServer {
    server_on(&[&unique_address()], &[])
}

/// The demo's server on each of `addresses`, with `extra` flags.
pub fn server_on(addresses: &[&str], extra: &[&str]) -> TestServer {
    let mut command = Command::new(workspace_bin("piperpc"));
    command.args(["serve", "--stop-on-stdin-eof"]);
    for address in addresses {
        command.args(["--listen", address]);
    }
    command.args(extra);
    TestServer::builder(command)
        .ready_lines(addresses.len())
        .start()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `command` started with its stdout arriving line by line (the harness's
/// [`pipecurl::harness::spawn_lines`]).
pub fn spawn_line_by_line(command: Command) -> (Child, Option<ChildStdin>, mpsc::Receiver<String>) {
    pipecurl::harness::spawn_lines(command).unwrap_or_else(|e| panic!("{e}"))
}

/// Waits for `child`, or gives up (and kills it) after `within`.
pub fn wait_timeout(child: &mut Child, within: Duration) -> Option<ExitStatus> {
    pipecurl::harness::wait_or_kill(child, within)
}

/// Runs `command` to completion, failing the test if it takes longer than
/// `within`.
pub fn run(command: Command, within: Duration) -> Output {
    pipecurl::harness::run(command, within).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `pipecurl ARGS...` with no standard input.
pub fn pipecurl(args: &[&str]) -> Output {
    let mut command = Command::new(PIPECURL);
    command.args(args);
    run(command, WITHIN)
}

/// Runs `pipecurl ARGS...` with `input` as its standard input.
pub fn pipecurl_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(PIPECURL)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pipecurl");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let stdout = read_all(child.stdout.take().expect("stdout"));
    let stderr = read_all(child.stderr.take().expect("stderr"));
    let status = wait_timeout(&mut child, WITHIN)
        .unwrap_or_else(|| panic!("pipecurl {args:?} did not finish within {WITHIN:?}"));
    writer.join().expect("stdin writer");
    Output {
        status,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

fn read_all(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = from.read_to_end(&mut buf);
        buf
    })
}

/// stdout of a run that must succeed, as the JSON values it holds.
pub fn json_ok(args: &[&str]) -> Vec<Value> {
    json_values(&succeeded(args, pipecurl(args)))
}

/// stdout of a run that must succeed, as text.
pub fn text_ok(args: &[&str]) -> String {
    succeeded(args, pipecurl(args))
}

/// The stdout of `output`, after checking it succeeded.
pub fn succeeded(args: &[&str], output: Output) -> String {
    assert!(
        output.status.success(),
        "pipecurl {args:?} failed: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

/// stderr of a run that must exit with `code`.
pub fn fails_with(args: &[&str], code: i32) -> String {
    let output = pipecurl(args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(
        output.status.code(),
        Some(code),
        "pipecurl {args:?}\nstdout: {}\nstderr: {stderr}",
        String::from_utf8_lossy(&output.stdout)
    );
    stderr
}

/// Every JSON value in `text`, one after another.
pub fn json_values(text: &str) -> Vec<Value> {
    serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("not a sequence of JSON values ({e}):\n{text}"))
}

/// A pipecurl process fed through its stdin while it runs.
pub struct Interactive {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
}

impl Interactive {
    /// Starts `pipecurl ARGS...` with piped stdin and stdout.
    pub fn start(args: &[&str]) -> Interactive {
        let mut command = Command::new(PIPECURL);
        command.args(args);
        let (child, stdin, lines) = spawn_line_by_line(command);
        Interactive {
            child,
            stdin,
            lines,
        }
    }

    /// Writes one line to the process.
    pub fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        writeln!(stdin, "{line}").expect("write to pipecurl");
        stdin.flush().expect("flush to pipecurl");
    }

    /// The next pretty-printed JSON object it prints (up to a line `}`).
    pub fn next_object(&mut self) -> Value {
        let mut text = String::new();
        loop {
            let line = self
                .lines
                .recv_timeout(WITHIN)
                .expect("pipecurl printed no answer in time");
            text.push_str(&line);
            text.push('\n');
            if line == "}" {
                return serde_json::from_str(&text).expect("an answer in JSON");
            }
        }
    }

    /// Closes its stdin and waits for it to exit; returns the exit code.
    pub fn finish(mut self) -> Option<i32> {
        drop(self.stdin.take());
        wait_timeout(&mut self.child, WITHIN)
            .expect("pipecurl did not exit after its input ended")
            .code()
    }
}

impl Drop for Interactive {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
