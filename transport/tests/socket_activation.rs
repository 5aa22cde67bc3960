//! Serving sockets the OS hands over (systemd socket activation), without
//! systemd: the test binds the sockets itself and starts a server process
//! with them at descriptors 3 and 4 and the environment systemd would set
//! (`LISTEN_PID`, `LISTEN_FDS`, `LISTEN_FDNAMES`, `NOTIFY_SOCKET`), its
//! `NOTIFY_SOCKET` a datagram socket the test reads. The server process is
//! this test binary again, running only [`child_server`].
//!
//! The in-process tests check the same through `ListenerOptions::adopt` and
//! `Server::bind_inherited` directly, and that a descriptor of the wrong
//! kind is refused, naming it.
#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixDatagram, UnixListener};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use piperpc::server::Server;
use piperpc::{ConnectInfo, Error, InheritedSocket, PeerPolicy};
use tonic::service::InterceptorLayer;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

/// Generous: the machine is shared, and a bound only has to show "not
/// forever".
const PATIENCE: Duration = Duration::from_secs(30);

/// Set in the server process's environment: which peer policy it serves.
const CHILD: &str = "PIPERPC_ACTIVATION_CHILD";

fn scratch(tag: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "piperpc-activation-{}-{tag}-{n}",
        std::process::id()
    ))
}

async fn health(address: &str) -> Result<(), tonic::Status> {
    let channel = piperpc::connect(address).await.expect("connect");
    HealthClient::new(channel)
        .check(HealthCheckRequest::default())
        .await
        .map(|_| ())
}

/// Records the `ConnectInfo` of every call it sees.
fn recorder() -> (
    InterceptorLayer<impl tonic::service::Interceptor + Clone>,
    Arc<Mutex<Vec<ConnectInfo>>>,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let layer = InterceptorLayer::new(move |request: tonic::Request<()>| {
        if let Some(info) = request.extensions().get::<ConnectInfo>() {
            record.lock().unwrap().push(info.clone());
        }
        Ok(request)
    });
    (layer, seen)
}

// In-process: adopting a socket.

#[tokio::test]
async fn an_adopted_unix_socket_is_served_under_the_servers_policy_and_its_file_kept() {
    let path = scratch("unix").with_extension("sock");
    let bound_elsewhere = UnixListener::bind(&path).unwrap();
    // The mode its owner chose (a .socket unit's SocketMode=), not ours.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let socket = InheritedSocket::from_fd(bound_elsewhere.into()).unwrap();
    assert_eq!(socket.local_address().unix_path(), Some(path.as_path()));

    let (_reporter, service) = tonic_health::server::health_reporter();
    let (layer, seen) = recorder();
    let bound = Server::builder()
        .layer(layer)
        .add_service(service)
        .bind_inherited([socket])
        .unwrap();
    assert_eq!(bound.local_addresses()[0].unix_path(), Some(path.as_path()));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(bound.serve_with_shutdown(async {
        let _ = stopped.await;
    }));

    let address = format!("unix:{}", path.display());
    health(&address)
        .await
        .expect("a same-user call is admitted");
    {
        let seen = seen.lock().unwrap();
        let info = seen.last().expect("the call's ConnectInfo");
        assert_eq!(info.peer_pid, Some(std::process::id()));
        // SAFETY: geteuid has no preconditions.
        assert_eq!(info.peer_uid, Some(unsafe { libc::geteuid() }));
    }
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "an adopted socket's file is not chmod'ed");

    stop.send(()).unwrap();
    serving.await.unwrap().unwrap();
    assert!(
        path.exists(),
        "the file of an adopted socket is its owner's"
    );
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn a_refusing_policy_applies_to_an_adopted_socket() {
    let path = scratch("refused").with_extension("sock");
    let socket = InheritedSocket::from_fd(UnixListener::bind(&path).unwrap().into()).unwrap();
    let (_reporter, service) = tonic_health::server::health_reporter();
    let bound = Server::builder()
        .peer_policy(PeerPolicy::nobody())
        .add_service(service)
        .bind_inherited([socket])
        .unwrap();
    let serving = tokio::spawn(bound.serve());
    let status = health(&format!("unix:{}", path.display()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
    serving.abort();
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn an_adopted_tcp_socket_gets_the_servers_defaults_and_carries_the_peer_address() {
    let bound_elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = bound_elsewhere.local_addr().unwrap().port();
    let socket = InheritedSocket::from_fd(bound_elsewhere.into()).unwrap();
    let address = socket.local_address().to_string();
    assert_eq!(address, format!("http://127.0.0.1:{port}"));

    // The server's default policy (same user) has no way to know a TCP
    // peer's user: refused, as on a bound TCP address.
    let (_reporter, service) = tonic_health::server::health_reporter();
    let bound = Server::builder()
        .add_service(service.clone())
        .bind_inherited([socket])
        .unwrap();
    let serving = tokio::spawn(bound.serve());
    let status = health(&address).await.unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
    serving.abort();
    let _ = serving.await;

    // Admitted by a policy that admits it, with its address in ConnectInfo.
    let bound_elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let socket = InheritedSocket::from_fd(bound_elsewhere.into()).unwrap();
    let address = socket.local_address().to_string();
    let (layer, seen) = recorder();
    let bound = Server::builder()
        .peer_policy(PeerPolicy::any())
        .layer(layer)
        .add_service(service)
        .bind_inherited([socket])
        .unwrap();
    let serving = tokio::spawn(bound.serve());
    health(&address).await.expect("admitted");
    let peer = seen.lock().unwrap().last().unwrap().peer_addr;
    assert!(
        peer.is_some_and(|peer| peer.ip().is_loopback() && peer.port() != port),
        "{peer:?}"
    );
    serving.abort();
}

#[test]
fn a_descriptor_that_is_not_a_listening_stream_socket_is_refused_by_number() {
    fn refused(fd: OwnedFd, expected: &str) {
        let number = fd.as_raw_fd();
        let error = InheritedSocket::from_fd(fd).unwrap_err();
        assert!(
            matches!(error, Error::Inherited { fd, .. } if fd == number),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(
            text.contains(&format!("descriptor {number}")) && text.contains(expected),
            "{text}"
        );
    }
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    refused(udp.into(), "not a stream socket (a datagram socket)");
    let file = std::fs::File::open("/dev/null").unwrap();
    refused(file.into(), "is not a socket");
    let (connected, _other) = std::os::unix::net::UnixStream::pair().unwrap();
    refused(connected.into(), "does not listen");
    let datagram = UnixDatagram::unbound().unwrap();
    refused(datagram.into(), "datagram");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn an_adopted_abstract_socket_needs_a_peer_policy_as_a_bound_one() {
    use std::os::linux::net::SocketAddrExt;
    let name = format!("piperpc-activation-{}", std::process::id());
    let address = std::os::unix::net::SocketAddr::from_abstract_name(&name).unwrap();
    let listener = UnixListener::bind_addr(&address).unwrap();
    let socket = InheritedSocket::from_fd(listener.into()).unwrap();
    assert_eq!(
        socket.local_address().to_string(),
        format!("unix-abstract:{name}")
    );
    let error = piperpc::ListenerOptions::new().adopt(socket).unwrap_err();
    assert!(matches!(error, Error::Insecure { .. }), "{error:?}");
}

// Across processes: the environment systemd sets.

/// The server process: serves what `piperpc::systemd::listen_fds` finds,
/// tells `NOTIFY_SOCKET` it is ready, prints each call's `ConnectInfo`, and
/// at the end of its stdin says it is stopping. Does nothing in an ordinary
/// test run.
#[test]
fn child_server() {
    let Ok(policy) = std::env::var(CHILD) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let sockets = piperpc::systemd::listen_fds().unwrap_or_else(|e| panic!("{e}"));
        for socket in &sockets {
            println!("inherited {} {:?}", socket.local_address(), socket.name());
        }
        // Taken once: a second look finds nothing to own twice.
        assert!(piperpc::systemd::listen_fds().unwrap().is_empty());
        let policy = match policy.as_str() {
            "nobody" => PeerPolicy::nobody(),
            // This user on the Unix socket; loopback on TCP, which has no user.
            _ => PeerPolicy::custom(|peer| match (peer.peer_uid, peer.peer_addr) {
                // SAFETY: geteuid has no preconditions.
                (Some(uid), _) if uid == unsafe { libc::geteuid() } => Ok(()),
                (_, Some(addr)) if addr.ip().is_loopback() => Ok(()),
                _ => Err(piperpc::peer_policy::Refusal::new("not this user")),
            }),
        };
        let layer = InterceptorLayer::new(|request: tonic::Request<()>| {
            if let Some(info) = request.extensions().get::<ConnectInfo>() {
                match info.peer_addr {
                    Some(addr) => println!("call from tcp {addr}"),
                    None => println!(
                        "call from unix pid {} uid {}",
                        info.peer_pid.unwrap_or(0),
                        info.peer_uid.unwrap_or(u32::MAX)
                    ),
                }
            }
            Ok(request)
        });
        let (_reporter, service) = tonic_health::server::health_reporter();
        let bound = Server::builder()
            .peer_policy(policy)
            .layer(layer)
            .add_service(service)
            .bind_inherited(sockets)
            .expect("serve the passed sockets");
        bound.announce().unwrap();
        assert!(piperpc::systemd::notify_ready().expect("READY=1"));
        bound
            .serve_with_shutdown(async {
                let _ = tokio::task::spawn_blocking(|| {
                    std::io::copy(&mut std::io::stdin(), &mut std::io::sink())
                })
                .await;
                assert!(piperpc::systemd::notify_stopping().expect("STOPPING=1"));
            })
            .await
            .unwrap();
        println!("stopped");
    });
}

/// A server process started as systemd starts a socket-activated service.
struct Activated {
    child: Child,
    lines: mpsc::Receiver<String>,
    stderr: Option<std::thread::JoinHandle<String>>,
    notify: UnixDatagram,
    notify_path: PathBuf,
}

impl Activated {
    /// Starts [`child_server`] with `sockets` at descriptors 3, 4, ...
    fn start(sockets: &[&dyn AsRawFd], names: &str, policy: &str) -> Activated {
        let notify_path = scratch("notify");
        let notify = UnixDatagram::bind(&notify_path).unwrap();
        notify.set_read_timeout(Some(PATIENCE)).unwrap();
        let fds: Vec<i32> = sockets.iter().map(|s| s.as_raw_fd()).collect();
        let mut command = Command::new("/bin/sh");
        // LISTEN_PID must be the server's own pid, known only once it runs:
        // the shell sets it to its own, then becomes the server (exec keeps
        // the pid), as systemd-socket-activate does.
        command
            .arg("-c")
            .arg(r#"LISTEN_PID=$$ exec "$0" "$@""#)
            .arg(std::env::current_exe().unwrap())
            .args(["child_server", "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, policy)
            .env("LISTEN_FDS", fds.len().to_string())
            .env("LISTEN_FDNAMES", names)
            .env("NOTIFY_SOCKET", &notify_path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // SAFETY: only dup2 and close, which are async-signal-safe, between
        // fork and exec. Each descriptor goes through a high number first,
        // so that moving one to 3 cannot overwrite another still to move,
        // and the copies at 3, 4, ... are not close-on-exec.
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
        let mut child = command.spawn().expect("start the server process");
        let mut stderr = child.stderr.take().unwrap();
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            text
        });
        let stdout = child.stdout.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Activated {
            child,
            lines,
            stderr: Some(stderr),
            notify,
            notify_path,
        }
    }

    /// The next line the server printed that has `prefix`, from there on.
    fn line(&self, prefix: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(PATIENCE)
                .unwrap_or_else(|_| panic!("the server never printed `{prefix}...`"));
            // libtest's `test child_server ... ` may begin the same line.
            if let Some(start) = line.find(prefix) {
                return line[start..].to_string();
            }
        }
    }

    /// The next notification the server sent.
    fn notification(&self) -> String {
        let mut buffer = [0; 256];
        let n = self.notify.recv(&mut buffer).expect("a notification");
        String::from_utf8_lossy(&buffer[..n]).into_owned()
    }

    /// Closes the server's stdin and waits for a clean exit.
    fn stop(mut self) {
        drop(self.child.stdin.take());
        assert_eq!(self.notification(), "STOPPING=1");
        self.line("stopped");
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
        let _ = std::fs::remove_file(&self.notify_path);
    }
}

impl Drop for Activated {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_socket_activated_server_serves_both_sockets_and_tells_the_manager() {
    let path = scratch("activated").with_extension("sock");
    let unix = UnixListener::bind(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = tcp.local_addr().unwrap().port();

    let server = Activated::start(&[&unix, &tcp], "local:web", "same-user-or-loopback");
    assert_eq!(
        server.line("inherited"),
        format!("inherited unix:{} Some(\"local\")", path.display())
    );
    assert_eq!(
        server.line("inherited"),
        format!("inherited http://127.0.0.1:{port} Some(\"web\")")
    );
    assert_eq!(
        server.line("listening on"),
        format!("listening on unix:{}", path.display())
    );
    assert_eq!(
        server.line("listening on"),
        format!("listening on http://127.0.0.1:{port}")
    );
    assert_eq!(server.notification(), "READY=1");

    // Each socket serves, and ConnectInfo says who called on each.
    health(&format!("unix:{}", path.display()))
        .await
        .expect("a call on the inherited Unix socket");
    // SAFETY: geteuid has no preconditions.
    let uid = unsafe { libc::geteuid() };
    assert_eq!(
        server.line("call from"),
        format!("call from unix pid {} uid {uid}", std::process::id())
    );
    health(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a call on the inherited TCP socket");
    let from = server.line("call from");
    assert!(from.starts_with("call from tcp 127.0.0.1:"), "{from}");

    server.stop();
    // The service manager's socket outlives the service: its file is in
    // place, and it still takes connections for the next start.
    assert!(path.exists(), "the socket file was removed");
    std::os::unix::net::UnixStream::connect(&path).expect("the socket still listens");
    drop(unix);
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_socket_activated_server_refuses_whom_its_policy_refuses() {
    let path = scratch("nobody").with_extension("sock");
    let unix = UnixListener::bind(&path).unwrap();
    let server = Activated::start(&[&unix], "local", "nobody");
    server.line("listening on");
    assert_eq!(server.notification(), "READY=1");
    let status = health(&format!("unix:{}", path.display()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::PermissionDenied, "{status:?}");
    server.stop();
    drop(unix);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_wrong_descriptor_fails_the_start_naming_it() {
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut server = Activated::start(&[&udp], "oops", "nobody");
    drop(server.child.stdin.take());
    let status = server.child.wait().unwrap();
    assert!(!status.success(), "a datagram socket was served");
    let stderr = server.stderr.take().unwrap().join().unwrap();
    assert!(
        stderr.contains("cannot serve inherited file descriptor 3: it is not a stream socket"),
        "{stderr}"
    );
    // It failed before serving: no READY=1.
    server.notify.set_nonblocking(true).unwrap();
    assert!(server.notify.recv(&mut [0; 64]).is_err(), "READY=1 sent");
    let _ = std::fs::remove_file(&server.notify_path);
}

/// `NOTIFY_SOCKET` as a Linux abstract name (`@name`), as systemd uses in
/// some setups.
#[cfg(target_os = "linux")]
#[test]
fn notifications_reach_an_abstract_notify_socket() {
    use std::os::linux::net::SocketAddrExt;
    let name = format!("piperpc-notify-{}", std::process::id());
    let address = std::os::unix::net::SocketAddr::from_abstract_name(&name).unwrap();
    let receiver = UnixDatagram::bind_addr(&address).unwrap();
    receiver.set_read_timeout(Some(PATIENCE)).unwrap();
    // A process of its own: this test does not change its own environment.
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["notify_child", "--exact", "--nocapture", "--test-threads=1"])
        .env("PIPERPC_NOTIFY_CHILD", "1")
        .env("NOTIFY_SOCKET", format!("@{name}"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let mut buffer = [0; 64];
    let n = receiver.recv(&mut buffer).unwrap();
    assert_eq!(&buffer[..n], b"READY=1");
    let n = receiver.recv(&mut buffer).unwrap();
    assert_eq!(&buffer[..n], b"STATUS=abstract");
}

/// Sends two notifications; nothing in an ordinary test run.
#[test]
fn notify_child() {
    if std::env::var_os("PIPERPC_NOTIFY_CHILD").is_none() {
        // Without NOTIFY_SOCKET nothing is sent, and that is no error.
        if std::env::var_os("NOTIFY_SOCKET").is_none() {
            assert!(!piperpc::systemd::notify_ready().unwrap());
        }
        return;
    }
    assert!(piperpc::systemd::notify_ready().unwrap());
    assert!(piperpc::systemd::notify("STATUS=abstract").unwrap());
}
