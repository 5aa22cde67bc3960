//! A client of a local name never talks to another user's server by
//! default: the squatter scenarios of SECURITY.md, played out with real
//! users (through `setpriv`, as root) and real processes.
//!
//! How a test shows that the squatter "saw no request": the victim's call is
//! a KeyValue `put`; afterwards the test asks the squatter's server for that
//! key and gets `NOT_FOUND`.

#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use crate::common::{BIN, Server, run};
use crate::users::{NOBODY, Scratch, chmod, needs_root};
use pipecurl::harness::workspace_bin;

/// A uid no one else on the machine uses, per test process: the victim.
fn victim_uid() -> u32 {
    40_000 + std::process::id() % 20_000
}

/// `nobody`'s server on `address`, open to anyone, as in the issue.
fn squatter_server(scratch: &Scratch, address: &str) -> Server {
    let mut command = scratch.command_as(NOBODY, NOBODY);
    command.args([
        "serve",
        "--listen",
        address,
        "--allow-any-peer",
        "--mode",
        "666",
    ]);
    Server::start_command(command, 1)
}

/// A directory in `scratch` that nobody may create sockets in.
fn nobodys_dir(scratch: &Scratch) -> std::path::PathBuf {
    let dir = scratch.path().join("nobody");
    std::fs::create_dir(&dir).unwrap();
    std::os::unix::fs::chown(&dir, Some(NOBODY), Some(NOBODY)).unwrap();
    dir
}

/// `piperpc call` as the victim, with no `XDG_RUNTIME_DIR` unless given.
fn victim_call(scratch: &Scratch, xdg: Option<&Path>, address: &str, args: &[&str]) -> Output {
    let uid = victim_uid();
    let mut command = scratch.command_as(uid, uid);
    command.env_remove("XDG_RUNTIME_DIR");
    if let Some(dir) = xdg {
        command.env("XDG_RUNTIME_DIR", dir);
    }
    command.args(["call", "--connect", address]).args(args);
    run(command, Duration::from_secs(30))
}

/// Fails the test unless the squatter's server never got the secret.
fn assert_squatter_saw_nothing(squatter: &Server) {
    let mut command = Command::new(BIN);
    command.args(["call", "--connect", squatter.address()]);
    command.args(["--verify-server", "any", "get", "secret"]);
    let output = run(command, Duration::from_secs(30));
    assert_eq!(
        output.status.code(),
        Some(64 + tonic::Code::NotFound as i32),
        "the squatter's server answered: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_bare_name_in_a_directory_another_user_made_is_refused() {
    if needs_root("a_bare_name_in_a_directory_another_user_made_is_refused") {
        return;
    }
    let scratch = Scratch::new("squat");
    // nobody makes the victim's default directory first, open to all.
    let dir = Scratch::at(format!("/tmp/piperpc-{}", victim_uid()).into());
    std::os::unix::fs::chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    chmod(dir.path(), 0o777);
    let address = format!("unix:{}/app.sock", dir.path().display());
    let squatter = squatter_server(&scratch, &address);

    for args in [
        &["echo", "my-secret-token"][..],
        &["put", "secret", "my-secret-token"],
    ] {
        let refused = victim_call(&scratch, None, "app", args);
        let stderr = stderr(&refused);
        assert_eq!(refused.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("refusing to connect to"), "{stderr}");
        assert!(
            stderr.contains(&dir.path().display().to_string()),
            "{stderr}"
        );
        assert!(stderr.contains("belongs to uid 65534"), "{stderr}");
        assert!(!stderr.contains("my-secret-token"), "{stderr}");
    }
    assert_squatter_saw_nothing(&squatter);
}

#[test]
fn a_bare_name_served_by_another_user_is_refused_after_connecting() {
    if needs_root("a_bare_name_served_by_another_user_is_refused_after_connecting") {
        return;
    }
    let scratch = Scratch::new("squat-peer");
    let evil = nobodys_dir(&scratch).join("evil.sock");
    let squatter = squatter_server(&scratch, &format!("unix:{}", evil.display()));
    // The victim's directory is private and its own, but a socket of
    // nobody's server sits in it (moved there by root): only the peer check
    // after connecting can tell.
    let xdg = scratch.path().join("xdg");
    std::fs::create_dir(&xdg).unwrap();
    let dir = xdg.join("piperpc");
    std::fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o700);
    std::fs::rename(&evil, dir.join("app.sock")).unwrap();
    std::os::unix::fs::chown(&dir, Some(victim_uid()), Some(victim_uid())).unwrap();

    let refused = victim_call(
        &scratch,
        Some(&xdg),
        "app",
        &["put", "secret", "my-secret-token"],
    );
    let stderr = stderr(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("runs as uid 65534")
            && stderr.contains(&format!("not this user (uid {}) or root", victim_uid()))
            && stderr.contains("refusing to send it anything"),
        "{stderr}"
    );
    let mut moved = squatter;
    moved.addresses[0] = format!("unix:{}/app.sock", dir.display());
    assert_squatter_saw_nothing(&moved);
}

#[test]
fn another_users_server_at_an_explicit_path_needs_a_knowing_choice() {
    if needs_root("another_users_server_at_an_explicit_path_needs_a_knowing_choice") {
        return;
    }
    let scratch = Scratch::new("squat-path");
    let socket = nobodys_dir(&scratch).join("svc.sock");
    let squatter = squatter_server(&scratch, &format!("unix:{}", socket.display()));
    let refused = victim_call(&scratch, None, squatter.address(), &["echo", "x"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("runs as uid 65534"),
        "{}",
        stderr(&refused)
    );

    // pipecurl takes the same path through the framework's connector.
    let pipecurl_bin = workspace_bin("pipecurl");
    let pipecurl_bin = pipecurl_bin.to_str().expect("a UTF-8 path");
    let mut pipecurl = scratch.run_as(pipecurl_bin, victim_uid(), victim_uid());
    pipecurl.args([squatter.address(), "list"]);
    let refused = run(pipecurl, Duration::from_secs(30));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("runs as uid 65534"),
        "{}",
        stderr(&refused)
    );

    for who in ["any", "65534"] {
        let allowed = victim_call(
            &scratch,
            None,
            squatter.address(),
            &["--verify-server", who, "echo", "chosen"],
        );
        assert!(allowed.status.success(), "{who}: {}", stderr(&allowed));
        assert_eq!(String::from_utf8_lossy(&allowed.stdout), "chosen\n");
    }
}

#[test]
fn a_client_refuses_a_default_directory_others_can_write_to() {
    let scratch = Scratch::new("xdg-client");
    let dir = scratch.path().join("piperpc");
    std::fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o770);
    let mut command = Command::new(BIN);
    command.env("XDG_RUNTIME_DIR", scratch.path());
    command.args(["call", "--connect", "app", "echo", "x"]);
    let output = run(command, Duration::from_secs(30));
    let stderr = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("writable by group or others (mode 770"),
        "{stderr}"
    );
    assert!(stderr.contains(&dir.display().to_string()), "{stderr}");
}

#[test]
fn a_same_user_server_of_a_bare_name_needs_no_flags() {
    let scratch = Scratch::new("xdg-ok");
    let mut serve = Command::new(BIN);
    serve.env("XDG_RUNTIME_DIR", scratch.path());
    serve.args(["serve", "--listen", "app"]);
    let server = Server::start_command(serve, 1);
    let mut command = Command::new(BIN);
    command.env("XDG_RUNTIME_DIR", scratch.path());
    command.args(["call", "--connect", "app", "echo", "trusted"]);
    let output = run(command, Duration::from_secs(30));
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "trusted\n");
    drop(server);
}
