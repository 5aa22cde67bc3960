//! The servers under test, each a child process of its own.
//!
//! Separate processes, as in real use, and one per subject, so each one's
//! memory is its own and no subject's work runs in another's process. Each
//! prints `listening on ADDRESS` when ready and exits when its standard
//! input closes, which works the same on every OS.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use piperpc::Address;

use crate::client::Targets;
use crate::results::Subject;
use crate::session::index;

/// Generous: a cold start under Wine takes seconds.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// One server child process.
#[derive(Debug)]
pub struct ServerProcess {
    name: &'static str,
    child: Child,
    stdin: Option<ChildStdin>,
    /// The address it announced.
    pub address: String,
}

impl ServerProcess {
    /// Starts this executable with `args` and waits for its ready line.
    pub fn start(name: &'static str, args: &[&str]) -> anyhow::Result<ServerProcess> {
        let exe = std::env::current_exe().context("locating the piperpc-bench executable")?;
        ServerProcess::start_exe(name, &exe, args, None)
    }

    /// Starts `exe` (a piperpc-bench executable, this one or another
    /// build) with `args` and waits for its ready line; with `RUST_LOG` set
    /// to `log` unless the user set it.
    pub fn start_exe(
        name: &'static str,
        exe: &std::path::Path,
        args: &[&str],
        log: Option<&str>,
    ) -> anyhow::Result<ServerProcess> {
        let mut command = Command::new(exe);
        if let Some(log) = log.filter(|_| std::env::var_os("RUST_LOG").is_none()) {
            command.env("RUST_LOG", log);
        }
        let mut child = command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting the {name} server ({})", exe.display()))?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().context("the server's stdout")?;
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = ServerProcess {
            name,
            child,
            stdin,
            address: String::new(),
        };
        let line = lines.recv_timeout(READY_TIMEOUT).map_err(|_| {
            let status = server.child.try_wait().ok().flatten();
            match status {
                Some(status) => {
                    anyhow::anyhow!("the {name} server exited ({status}) before it was ready")
                }
                None => anyhow::anyhow!("the {name} server was not ready within {READY_TIMEOUT:?}"),
            }
        })?;
        let Some(address) = line.strip_prefix("listening on ") else {
            bail!("the {name} server said `{line}`, not `listening on ...`");
        };
        server.address = address.to_string();
        Ok(server)
    }

    /// The child process, for reading its memory.
    pub fn child(&self) -> &Child {
        &self.child
    }

    /// How it exited, if it has (a server that exits on its own has
    /// crashed: they exit only when told to).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Closes its standard input and waits for a clean exit.
    pub fn stop(mut self) -> anyhow::Result<()> {
        drop(self.stdin.take());
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait()? {
                if !status.success() {
                    bail!("the {} server exited with {status}", self.name);
                }
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "the {} server did not stop within {STOP_TIMEOUT:?}",
                    self.name
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The servers of a run, one per subject, in [`Subject::ALL`] order.
#[derive(Debug)]
pub struct Servers {
    processes: Vec<ServerProcess>,
    _dir: RunDir,
}

impl Servers {
    /// Starts, on fresh addresses: the piperpc server on a local address,
    /// the same services in plain tonic on a local pipe and on
    /// `127.0.0.1:0`, and the raw and floor servers on local pipes of the
    /// piperpc one's kind.
    pub fn start() -> anyhow::Result<Servers> {
        let dir = RunDir::create()?;
        let mut processes = Vec::with_capacity(Subject::ALL.len());
        for subject in Subject::ALL {
            let args = role_args(subject, &dir, subject.key());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let process = ServerProcess::start(subject.name(), &args)?;
            processes.push(process);
        }
        Ok(Servers {
            processes,
            _dir: dir,
        })
    }

    /// The server of `subject`.
    pub fn get(&self, subject: Subject) -> &ServerProcess {
        &self.processes[index(subject)]
    }

    /// Where clients reach each server.
    pub fn targets(&self) -> anyhow::Result<Targets> {
        Ok(Targets {
            local: Address::parse(&self.get(Subject::Piperpc).address)?,
            tonic_local: self.get(Subject::TonicLocal).address.clone(),
            tcp: self.get(Subject::Tcp).address.clone(),
            raw: self.get(Subject::Raw).address.clone(),
            floor: self.get(Subject::Floor).address.clone(),
        })
    }

    /// Stops them all; an unclean exit of any is an error.
    pub fn stop(self) -> anyhow::Result<()> {
        let results: Vec<_> = self
            .processes
            .into_iter()
            .map(ServerProcess::stop)
            .collect();
        results.into_iter().collect()
    }
}

/// The arguments that make this executable `subject`'s server, listening
/// on a fresh address named `name` in `dir` (TCP: a port the OS picks).
pub fn role_args(subject: Subject, dir: &RunDir, name: &str) -> Vec<String> {
    let (role, prefixed) = match subject {
        Subject::Piperpc => ("grpc-server", true),
        Subject::TonicLocal => ("tonic-local-server", false),
        Subject::Tcp => return vec!["tcp-server".to_string()],
        Subject::Raw => ("raw-server", false),
        Subject::Floor => ("floor-server", false),
    };
    vec![
        role.to_string(),
        "--listen".to_string(),
        dir.address(name, prefixed),
    ]
}

/// Where a run's sockets live: a fresh private directory on Unix, removed
/// at the end; nothing on Windows, whose pipes vanish with their servers.
#[derive(Debug)]
pub struct RunDir {
    #[cfg_attr(windows, allow(dead_code))]
    path: PathBuf,
    tag: String,
}

impl RunDir {
    /// A fresh directory for a run's sockets.
    pub fn create() -> anyhow::Result<RunDir> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let tag = format!("piperpc-bench-{}-{nanos}", std::process::id());
        let path = std::env::temp_dir().join(&tag);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .mode(0o700)
                .create(&path)
                .with_context(|| format!("creating {}", path.display()))?;
        }
        Ok(RunDir { path, tag })
    }

    /// A path for a file named `name` in this directory (Unix; on Windows
    /// the directory is not made, so nothing may be put there).
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// A fresh local address named `name`: a pipe name, or a socket path
    /// in this directory (with piperpc's `unix:` prefix if `prefixed`).
    pub fn address(&self, name: &str, prefixed: bool) -> String {
        if cfg!(windows) {
            format!(r"\\.\pipe\{}-{name}", self.tag)
        } else {
            let socket = self.path.join(format!("{name}.sock")).display().to_string();
            if prefixed {
                format!("unix:{socket}")
            } else {
                socket
            }
        }
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
