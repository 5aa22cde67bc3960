//! A server under test: its process, its ready lines, its stop.

use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::call::Call;
use super::error::HarnessError;
use super::lines::read_lines;
use super::reply::Reply;

/// How long a server gets to announce itself unless told otherwise:
/// generous, as a cold start under Wine on a busy machine takes seconds.
const START_WITHIN: Duration = Duration::from_secs(60);
/// How long [`TestServer::stop`] waits for each step of the stop.
const STOP_WITHIN: Duration = Duration::from_secs(30);
/// What a ready line starts with.
const READY: &str = "listening on ";

/// A server process started for a test, killed if dropped before
/// [`stop`](TestServer::stop).
///
/// ```no_run
/// use pipecurl::harness::{TestServer, fresh_address};
///
/// # fn example() -> Result<(), pipecurl::harness::HarnessError> {
/// let mut command = std::process::Command::new("my-server");
/// command.args(["--listen", &fresh_address("my-server")]);
/// let server = TestServer::start(command)?;
/// println!("serving on {}", server.address());
/// let status = server.stop()?; // Err unless it exits cleanly on its own
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct TestServer {
    child: Child,
    stdin: Option<ChildStdin>,
    addresses: Vec<String>,
    /// Its standard output after the ready lines.
    lines: Option<mpsc::Receiver<String>>,
}

/// How to start a [`TestServer`]: how many ready lines to wait for, and
/// for how long. Made by [`TestServer::builder`].
#[derive(Debug)]
pub struct TestServerBuilder {
    command: Command,
    ready_lines: usize,
    within: Duration,
}

impl TestServerBuilder {
    /// Waits for `count` ready lines (one per address the server binds)
    /// rather than one.
    pub fn ready_lines(mut self, count: usize) -> TestServerBuilder {
        self.ready_lines = count;
        self
    }

    /// Gives the server `within` (rather than 60 s) to print its ready
    /// lines.
    pub fn start_within(mut self, within: Duration) -> TestServerBuilder {
        self.within = within;
        self
    }

    /// Runs the command with piped standard input and output (standard
    /// error is inherited) and waits for its ready lines, `listening on
    /// ADDRESS`; other lines before them are ignored.
    ///
    /// # Errors
    ///
    /// [`HarnessError::Spawn`] if the command cannot be run,
    /// [`HarnessError::ExitedEarly`] (with its exit status) if the process
    /// exits before its ready lines, [`HarnessError::NotReady`] if they do
    /// not come in time (the process is then killed).
    pub fn start(mut self) -> Result<TestServer, HarnessError> {
        let described = format!("{:?}", self.command);
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|source| HarnessError::Spawn {
                command: described.clone(),
                source,
            })?;
        let stdin = child.stdin.take();
        let lines = child.stdout.take().map(read_lines);
        let mut server = TestServer {
            child,
            stdin,
            addresses: Vec::new(),
            lines: None,
        };
        let deadline = Instant::now() + self.within;
        while server.addresses.len() < self.ready_lines {
            let next = match &lines {
                Some(lines) => {
                    lines.recv_timeout(deadline.saturating_duration_since(Instant::now()))
                }
                None => Err(RecvTimeoutError::Disconnected),
            };
            match next {
                Ok(line) => {
                    if let Some(address) = line.trim_end().strip_prefix(READY) {
                        server.addresses.push(address.to_string());
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(HarnessError::NotReady {
                        command: described,
                        waited: self.within,
                    });
                }
                Err(RecvTimeoutError::Disconnected) => {
                    // Its stdout closed: it has exited, or is about to.
                    let status = server.wait_until(deadline).ok_or(HarnessError::NotReady {
                        command: described.clone(),
                        waited: self.within,
                    })?;
                    return Err(HarnessError::ExitedEarly {
                        command: described,
                        status: status.map_err(HarnessError::Wait)?,
                    });
                }
            }
        }
        server.lines = lines;
        Ok(server)
    }
}

impl TestServer {
    /// Starts `command` and waits up to 60 s for its one ready line; see
    /// [`TestServerBuilder::start`].
    ///
    /// # Errors
    ///
    /// As [`TestServerBuilder::start`].
    pub fn start(command: Command) -> Result<TestServer, HarnessError> {
        TestServer::builder(command).start()
    }

    /// A builder to start `command` with other settings.
    pub fn builder(command: Command) -> TestServerBuilder {
        TestServerBuilder {
            command,
            ready_lines: 1,
            within: START_WITHIN,
        }
    }

    /// The first address the server announced (empty if it was started
    /// with [`ready_lines(0)`](TestServerBuilder::ready_lines)).
    pub fn address(&self) -> &str {
        self.addresses.first().map_or("", String::as_str)
    }

    /// Every address the server announced, in order.
    pub fn addresses(&self) -> &[String] {
        &self.addresses
    }

    /// The next line the server printed after its ready lines, waiting up
    /// to `within` for it; `None` if none came in time or its standard
    /// output has closed. Lines are kept until read, so nothing is missed.
    pub fn next_line(&self, within: Duration) -> Option<String> {
        self.lines.as_ref()?.recv_timeout(within).ok()
    }

    /// The server's process id, to signal it.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Freezes the server with SIGSTOP, as a deadlock or a debugger would,
    /// to test that clients give up on a server that stopped answering (the
    /// kernel still completes connections from its socket's backlog).
    /// Returns once the process is stopped, or has exited: SIGSTOP only
    /// starts a stop, and until the thread that takes it gets a CPU the
    /// server's other threads go on accepting and answering.
    ///
    /// ```no_run
    /// # fn example(server: pipecurl::harness::TestServer) {
    /// server.pause();
    /// // ... a client's connect must time out here ...
    /// server.resume();
    /// # }
    /// ```
    #[cfg(unix)]
    pub fn pause(&self) {
        super::unix::pause(&self.child);
    }

    /// Lets a [paused](TestServer::pause) server run again, with SIGCONT.
    #[cfg(unix)]
    pub fn resume(&self) {
        super::unix::signal(&self.child, libc::SIGCONT);
    }

    /// Calls `method` (`package.Service/Method`) on the first address with
    /// `request` as JSON: one message, or for a client-streaming method,
    /// each element of an array (a non-array is one message). See [`Call`]
    /// to add metadata or change the timeout.
    ///
    /// # Errors
    ///
    /// As [`Call::send`]: a harness failure, never a gRPC status.
    pub async fn call(&self, method: &str, request: Value) -> Result<Reply, HarnessError> {
        self.prepare(method).json(request).send().await
    }

    /// A [`Call`] of `method` on the first address, to set up and send.
    pub fn prepare(&self, method: &str) -> Call {
        Call::new(self.address(), method)
    }

    /// Stops the server as a supervisor would and checks it exits cleanly:
    /// closes its standard input and waits up to 30 s; then, on Unix,
    /// sends SIGTERM and waits 30 s more; finally kills it.
    ///
    /// # Errors
    ///
    /// [`HarnessError::Killed`] if it had to be killed (or, on Unix, if it
    /// needed SIGTERM), [`HarnessError::Unclean`] if it exited with a
    /// status other than 0, [`HarnessError::Wait`] if waiting failed.
    pub fn stop(self) -> Result<ExitStatus, HarnessError> {
        self.stop_within(STOP_WITHIN)
    }

    /// [`stop`](TestServer::stop), waiting `within` at each step.
    ///
    /// # Errors
    ///
    /// As [`stop`](TestServer::stop).
    pub fn stop_within(mut self, within: Duration) -> Result<ExitStatus, HarnessError> {
        drop(self.stdin.take());
        let exited = self.wait_until(Instant::now() + within);
        #[cfg(unix)]
        if exited.is_none() {
            super::unix::terminate(&self.child);
            if let Some(status) = self.wait_until(Instant::now() + within) {
                status.map_err(HarnessError::Wait)?;
            }
            self.kill_now();
            return Err(HarnessError::Killed { waited: within });
        }
        match exited {
            None => {
                self.kill_now();
                Err(HarnessError::Killed { waited: within })
            }
            Some(status) => match status.map_err(HarnessError::Wait)? {
                status if status.success() => Ok(status),
                status => Err(HarnessError::Unclean(status)),
            },
        }
    }

    /// Waits up to `within` for the server to exit by itself (after a
    /// signal the test sent, say), killing it if it does not.
    ///
    /// # Errors
    ///
    /// [`HarnessError::Killed`] if it did not exit in time,
    /// [`HarnessError::Wait`] if waiting failed. Any exit status is Ok.
    pub fn wait_within(mut self, within: Duration) -> Result<ExitStatus, HarnessError> {
        match self.wait_until(Instant::now() + within) {
            Some(status) => status.map_err(HarnessError::Wait),
            None => {
                self.kill_now();
                Err(HarnessError::Killed { waited: within })
            }
        }
    }

    /// Kills the server outright (SIGKILL, TerminateProcess) and reaps it.
    pub fn kill(mut self) {
        self.kill_now();
    }

    fn kill_now(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The exit status, or None if the process still runs at `deadline`.
    fn wait_until(&mut self, deadline: Instant) -> Option<std::io::Result<ExitStatus>> {
        super::wait::until(&mut self.child, deadline)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill_now();
    }
}
