//! `piperpc serve` under socket activation, without systemd: the test does
//! what systemd does with `examples/systemd/`'s units (binds the socket,
//! starts `ExecStart=` with it as descriptor 3, `LISTEN_PID`, `LISTEN_FDS`,
//! `LISTEN_FDNAMES` and a `NOTIFY_SOCKET` it reads), so the units and the
//! server are checked together. Where systemd's own tools are installed,
//! `systemd-analyze verify` checks the units and `systemd-socket-activate`
//! starts the server; elsewhere those two say they are skipped.

use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::os::unix::net::{UnixDatagram, UnixListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use piperpc_demo::proto::demo::EchoRequest;

use crate::common::{BIN, Server, notice, run, stubs};

const UNITS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/systemd");
const PATIENCE: Duration = Duration::from_secs(60);

fn scratch(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "piperpc-e2e-activation-{}-{tag}-{n}",
        std::process::id()
    ))
}

/// The values of `key=` in `[section]` of a unit file.
fn unit_values(unit: &str, section: &str, key: &str) -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(UNITS).join(unit)).unwrap();
    let mut current = String::new();
    let mut values = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = name.to_string();
        } else if let Some((k, v)) = line.split_once('=')
            && current == section
            && k.trim() == key
        {
            values.push(v.trim().to_string());
        }
    }
    values
}

/// A datagram socket standing in for systemd's notification socket.
struct Notifications {
    socket: UnixDatagram,
    path: PathBuf,
}

impl Notifications {
    fn new() -> Notifications {
        let path = scratch("notify");
        let socket = UnixDatagram::bind(&path).unwrap();
        socket.set_read_timeout(Some(PATIENCE)).unwrap();
        Notifications { socket, path }
    }

    fn next(&self) -> String {
        let mut buffer = [0; 256];
        let n = self.socket.recv(&mut buffer).expect("a notification");
        String::from_utf8_lossy(&buffer[..n]).into_owned()
    }
}

impl Drop for Notifications {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// `program args...` started as systemd starts a socket-activated service:
/// `sockets` at descriptors 3, 4, ..., `LISTEN_PID` its own pid (a shell
/// sets it, then becomes the program: exec keeps the pid).
fn activated(program: &Path, args: &[&str], sockets: &[i32], names: &str) -> Command {
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(r#"LISTEN_PID=$$ exec "$0" "$@""#)
        .arg(program)
        .args(args)
        .env("LISTEN_FDS", sockets.len().to_string())
        .env("LISTEN_FDNAMES", names);
    let fds = sockets.to_vec();
    // SAFETY: only dup2 and close (async-signal-safe) between fork and
    // exec; through high numbers first, so no descriptor still to move is
    // overwritten, and the copies at 3, 4, ... are not close-on-exec.
    unsafe {
        command.pre_exec(move || {
            for (i, &fd) in fds.iter().enumerate() {
                if libc::dup2(fd, 900 + i as i32) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            for i in 0..fds.len() as i32 {
                if libc::dup2(900 + i, 3 + i) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                libc::close(900 + i);
            }
            Ok(())
        });
    }
    command
}

/// The example unit pair, as systemd would run it: the socket where
/// `ListenStream=` says (under a runtime directory of the test's), the
/// server as `ExecStart=` says, called by the bare name the socket unit
/// promises, ready and stopping told to `NOTIFY_SOCKET`, the file left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_units_serve_the_demo_by_its_bare_name() {
    let listen = unit_values("piperpc-demo.socket", "Socket", "ListenStream");
    assert_eq!(listen, ["%t/piperpc/piperpc-demo.sock"], "{listen:?}");
    assert_eq!(
        unit_values("piperpc-demo.socket", "Socket", "SocketMode"),
        ["0600"]
    );
    let names = unit_values("piperpc-demo.socket", "Socket", "FileDescriptorName");
    assert_eq!(
        unit_values("piperpc-demo.service", "Service", "Type"),
        ["notify"]
    );
    let exec = unit_values("piperpc-demo.service", "Service", "ExecStart");
    let exec: Vec<&str> = exec[0].split_whitespace().collect();
    assert!(exec[0].ends_with("/piperpc"), "{exec:?}");

    // systemd's part: %t is the runtime directory, the socket's directory
    // is DirectoryMode=0700, the file SocketMode=0600.
    let runtime_dir = scratch("runtime");
    std::fs::DirBuilder::new()
        .mode(0o700)
        .recursive(true)
        .create(runtime_dir.join("piperpc"))
        .unwrap();
    let path = PathBuf::from(listen[0].replace("%t", &runtime_dir.display().to_string()));
    let socket = UnixListener::bind(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let notifications = Notifications::new();

    let mut command = activated(Path::new(BIN), &exec[1..], &[socket.as_raw_fd()], &names[0]);
    command
        .env("NOTIFY_SOCKET", &notifications.path)
        .env("XDG_RUNTIME_DIR", &runtime_dir);
    let server = Server::start_command(command, 1);
    assert_eq!(server.address(), format!("unix:{}", path.display()));
    assert_eq!(notifications.next(), "READY=1");

    // A client of the same session finds it by the bare name.
    let mut call = Command::new(BIN);
    call.args(["call", "--connect", "piperpc-demo", "echo", "activated"])
        .env("XDG_RUNTIME_DIR", &runtime_dir);
    let output = run(call, PATIENCE);
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "activated\n");
    // ConnectInfo on the inherited socket: the caller's pid.
    let reply = stubs(server.address())
        .await
        .echo
        .echo(EchoRequest::default())
        .await
        .expect("echo");
    assert_eq!(reply.into_inner().peer_pid, std::process::id());

    let status = server.stop(PATIENCE);
    assert!(status.success(), "{status}");
    assert_eq!(notifications.next(), "STOPPING=1");
    assert!(path.exists(), "the socket file is systemd's, and stays");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    drop(socket);
    let _ = std::fs::remove_dir_all(&runtime_dir);
}

/// An inherited TCP socket meets the checks of a `--listen HOST:PORT`:
/// plaintext is refused without `--allow-any-peer`, and served with it,
/// beside a `--listen` address.
#[test]
fn an_inherited_tcp_socket_is_checked_and_served_as_a_listen_address() {
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port();

    let refused = activated(Path::new(BIN), &["serve"], &[tcp.as_raw_fd()], "web");
    let output = run(refused, PATIENCE);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port} would be plaintext TCP")),
        "{stderr}"
    );

    let local = crate::common::unique_address();
    let command = activated(
        Path::new(BIN),
        &["serve", "--allow-any-peer", "--listen", &local],
        &[tcp.as_raw_fd()],
        "web",
    );
    let server = Server::start_command(command, 2);
    assert_eq!(server.addresses[0], local);
    assert_eq!(server.addresses[1], format!("http://127.0.0.1:{port}"));
    let tcp_address = format!("127.0.0.1:{port}");
    assert_eq!(
        crate::common::call_ok(&tcp_address, &["--plaintext", "echo", "tcp"]),
        "tcp\n"
    );
    assert_eq!(
        crate::common::call_ok(&local, &["echo", "local"]),
        "local\n"
    );
    server.stop(PATIENCE);
}

/// Sockets meant for another process (LISTEN_PID not ours) are not taken:
/// the server binds its default address as if nothing was passed.
#[test]
fn sockets_for_another_process_are_left_alone() {
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--listen", &crate::common::unique_address()])
        .env("LISTEN_PID", "1")
        .env("LISTEN_FDS", "1");
    let server = Server::start_command(command, 1);
    assert!(
        server.address().starts_with("unix:"),
        "{}",
        server.address()
    );
    server.stop(PATIENCE);
}

/// A descriptor that is no listening stream socket fails the start,
/// naming it.
#[test]
fn a_wrong_descriptor_fails_serve_naming_it() {
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let output = run(
        activated(Path::new(BIN), &["serve"], &[udp.as_raw_fd()], "oops"),
        PATIENCE,
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("inherited file descriptor 3: it is not a stream socket"),
        "{stderr}"
    );
}

/// `systemd-analyze verify` on the unit pair (system mode: no user
/// manager is needed), with `ExecStart=` pointing at the built binary:
/// any warning fails the test.
#[test]
fn systemd_analyze_verifies_the_example_units() {
    let Some(analyze) = which("systemd-analyze") else {
        notice("skipped: systemd-analyze is not installed (apt-get install systemd)");
        return;
    };
    let dir = scratch("units");
    std::fs::create_dir_all(&dir).unwrap();
    for unit in ["piperpc-demo.socket", "piperpc-demo.service"] {
        let text = std::fs::read_to_string(Path::new(UNITS).join(unit)).unwrap();
        let text = text.replace("%h/.cargo/bin/piperpc", BIN);
        std::fs::write(dir.join(unit), text).unwrap();
    }
    let mut command = Command::new(analyze);
    command
        .args(["verify", "--man=no"])
        .arg(dir.join("piperpc-demo.socket"))
        .arg(dir.join("piperpc-demo.service"));
    let output = run(command, PATIENCE);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.trim().is_empty(), "systemd-analyze warns: {stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// systemd's own launcher passes the socket: the variables as systemd
/// sets them, not as this file's `activated` does.
#[test]
fn systemd_socket_activate_starts_the_server() {
    let Some(launcher) = which("systemd-socket-activate") else {
        notice("skipped: systemd-socket-activate is not installed (apt-get install systemd)");
        return;
    };
    let path = scratch("launcher").with_extension("sock");
    let notifications = Notifications::new();
    let mut command = Command::new(launcher);
    command
        .arg("--listen")
        .arg(&path)
        .arg("--fdname=local")
        .arg(format!(
            "--setenv=NOTIFY_SOCKET={}",
            notifications.path.display()
        ))
        .args([BIN, "serve"]);
    // It binds the socket, waits for the first connection, then starts the
    // server with it: the harness's ready line comes after that connection.
    let (mut child, stdin, lines) = crate::common::spawn_line_by_line({
        command.arg("--stop-on-stdin-eof");
        command
    });
    let deadline = std::time::Instant::now() + PATIENCE;
    while !path.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the launcher never bound"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let address = format!("unix:{}", path.display());
    assert_eq!(
        crate::common::call_ok(&address, &["echo", "launched"]),
        "launched\n"
    );
    assert_eq!(
        lines.recv_timeout(PATIENCE).unwrap(),
        format!("listening on {address}")
    );
    assert_eq!(notifications.next(), "READY=1");
    drop(stdin);
    let status = crate::common::wait_timeout(&mut child, PATIENCE).expect("a clean exit");
    assert!(status.success(), "{status}");
    assert_eq!(notifications.next(), "STOPPING=1");
    let _ = std::fs::remove_file(&path);
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(program))
        .find(|candidate| candidate.is_file())
}
