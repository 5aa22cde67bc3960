//! Who may connect and who may serve: file modes, the peer policy, the
//! private directory, and the client's check of the server.

use crate::common::{Server, call, serve_fails};

#[test]
fn plaintext_tcp_is_served_only_to_anyone_and_only_when_told_so() {
    // Callers on plaintext TCP have no identity: the default policy would
    // refuse every one, so `serve` refuses to start rather than pretend.
    let refused = serve_fails(&["--listen", "127.0.0.1:0"]);
    assert!(refused.contains("would be plaintext TCP"), "{refused}");
    assert!(refused.contains("--allow-any-peer"), "{refused}");
    let server = Server::start_on(&["127.0.0.1:0"], &["--allow-any-peer"]);
    let admitted = call(server.address(), &["--plaintext", "echo", "x"]);
    assert!(
        admitted.status.success(),
        "{}",
        String::from_utf8_lossy(&admitted.stderr)
    );
}

#[test]
fn the_client_can_require_the_server_to_run_as_its_own_user() {
    let server = Server::start();
    let ok = call(
        server.address(),
        &["--verify-server", "same-user", "echo", "trusted"],
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    let stranger = if cfg!(windows) { "S-1-5-18" } else { "12345" };
    let refused = call(
        server.address(),
        &["--verify-server", stranger, "echo", "x"],
    );
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains(&format!(
            "not {}",
            if cfg!(windows) {
                "user S-1-5-18"
            } else {
                "uid 12345"
            }
        )),
        "{stderr}"
    );
    assert!(stderr.contains("refusing to send it anything"), "{stderr}");
}

/// Wine runs every process with one token (elevated, high integrity, one
/// session), so a client of the same token and session is admitted by each
/// requirement; the refusals are unit tested in the transport crate.
#[cfg(windows)]
#[test]
fn the_windows_token_flags_admit_a_client_of_the_servers_token_and_session() {
    let server = Server::start_on(
        &[&crate::common::unique_address()],
        &[
            "--require-server-elevation",
            "--require-server-session",
            "--pipe-min-integrity",
            "high",
        ],
    );
    let output = call(server.address(), &["echo", "same token"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The label flag reaches the listener: a level above the server's own (high
/// under Wine, medium or high on Windows) fails the bind, naming both.
#[cfg(windows)]
#[test]
fn a_pipe_label_above_the_servers_own_level_fails_serve() {
    let mut command = std::process::Command::new(crate::common::BIN);
    command.args([
        "serve",
        "--listen",
        &crate::common::unique_address(),
        "--pipe-min-integrity",
        "system",
    ]);
    let output = crate::common::run(command, std::time::Duration::from_secs(60));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("pipe integrity") && stderr.contains("cannot require system integrity"),
        "{stderr}"
    );
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn an_abstract_socket_needs_an_explicit_peer_policy() {
    use piperpc::{Address, Error, ListenerOptions, PeerPolicy};
    let address = Address::parse(&format!(
        "unix-abstract:piperpc-policy-{}",
        std::process::id()
    ))
    .unwrap();
    let error = ListenerOptions::new().bind(&address).unwrap_err();
    assert!(matches!(error, Error::Insecure { .. }), "{error:?}");
    assert!(error.to_string().contains("peer policy"), "{error}");
    let listener = ListenerOptions::new()
        .peer_policy(PeerPolicy::same_user())
        .bind(&address);
    assert!(listener.is_ok(), "{listener:?}");
}

#[cfg(unix)]
mod unix {
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;
    use std::process::Command;
    use std::time::Duration;

    use crate::common::{BIN, run};

    use super::*;
    use crate::users::{Scratch, needs_root};

    /// Runs `piperpc call` as another uid/gid.
    fn call_as(
        scratch: &Scratch,
        uid: u32,
        gid: u32,
        address: &str,
        args: &[&str],
    ) -> std::process::Output {
        let mut command = scratch.command_as(uid, gid);
        command.args(["call", "--connect", address]).args(args);
        run(command, Duration::from_secs(30))
    }

    #[test]
    fn another_user_is_refused_by_the_default_socket_mode() {
        if needs_root("another_user_is_refused_by_the_default_socket_mode") {
            return;
        }
        let scratch = Scratch::new("mode");
        let address = format!("unix:{}/s.sock", scratch.path().display());
        let server = Server::start_on(&[&address], &[]);
        let socket = scratch.path().join("s.sock");
        assert_eq!(
            std::fs::metadata(&socket).unwrap().permissions().mode() & 0o777,
            0o600
        );

        let output = call_as(&scratch, 65534, 65534, server.address(), &["echo", "x"]);
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("Permission denied") && stderr.contains(&address),
            "{stderr}"
        );
    }

    #[test]
    fn a_group_mode_and_an_allow_list_admit_exactly_the_listed_user() {
        if needs_root("a_group_mode_and_an_allow_list_admit_exactly_the_listed_user") {
            return;
        }
        let scratch = Scratch::new("group");
        let address = format!("unix:{}/s.sock", scratch.path().display());
        let server = Server::start_on(&[&address], &["--mode", "660", "--allow-uid", "65534"]);

        // Both users are in the socket's group (root's), so both can open it;
        // only the policy tells them apart.
        let admitted = call_as(&scratch, 65534, 0, server.address(), &["echo", "let me in"]);
        assert!(
            admitted.status.success(),
            "{}",
            String::from_utf8_lossy(&admitted.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&admitted.stdout), "let me in\n");

        let refused = call_as(&scratch, 65533, 0, server.address(), &["echo", "x"]);
        assert_eq!(
            refused.status.code(),
            Some(64 + tonic::Code::PermissionDenied as i32)
        );
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(stderr.contains("uid 65533 is not allowed"), "{stderr}");

        // Outside the group, the file mode stops them before the policy.
        let outsider = call_as(&scratch, 65534, 65534, server.address(), &["echo", "x"]);
        assert_eq!(outsider.status.code(), Some(1));
    }

    fn serve_bare_name_in(runtime_dir: &Path) -> std::process::Output {
        let mut command = Command::new(BIN);
        command
            .env("XDG_RUNTIME_DIR", runtime_dir)
            .args(["serve", "--listen", "piperpc-dir-test"]);
        run(command, Duration::from_secs(30))
    }

    #[test]
    fn a_default_directory_writable_by_others_is_refused() {
        let scratch = Scratch::new("xdg-open");
        let dir = scratch.path().join("piperpc");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        let output = serve_bare_name_in(scratch.path());
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("writable by group or others"), "{stderr}");
        assert!(stderr.contains(&dir.display().to_string()), "{stderr}");
    }

    #[test]
    fn a_default_directory_owned_by_another_user_is_refused() {
        if needs_root("a_default_directory_owned_by_another_user_is_refused") {
            return;
        }
        let scratch = Scratch::new("xdg-other");
        let dir = scratch.path().join("piperpc");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        let output = serve_bare_name_in(scratch.path());
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("belongs to uid 65534"), "{stderr}");
    }

    #[test]
    fn a_missing_default_directory_is_created_private() {
        let scratch = Scratch::new("xdg-new");
        let mut command = Command::new(BIN);
        command.env("XDG_RUNTIME_DIR", scratch.path()).args([
            "serve",
            "--listen",
            "piperpc-dir-test",
            "--stop-on-stdin-eof",
        ]);
        let output = run(command, Duration::from_secs(30));
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let dir = scratch.path().join("piperpc");
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }
}
