//! The directory of bare names on Unix, as the listener and the connector
//! treat it. One test, alone in its binary, because it points
//! `XDG_RUNTIME_DIR` (process-wide) at scratch directories.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use piperpc::{Address, Connector, Error, Listener};

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn the_default_directory_must_be_private_on_both_sides() {
    let scratch = std::env::temp_dir().join(format!("piperpc-xdg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir(&scratch).unwrap();
    // SAFETY: this binary runs this one test; nothing else reads the
    // environment concurrently.
    unsafe { std::env::set_var("XDG_RUNTIME_DIR", &scratch) };
    let dir = scratch.join("piperpc");

    // Missing: the listener creates it 0700, and serves in it.
    let address = Address::parse("app").unwrap();
    assert_eq!(address, Address::Unix(dir.join("app.sock")));
    let listener = Listener::bind(&address).expect("a missing directory is created");
    assert_eq!(mode(&dir), 0o700);

    // Group-writable: both sides refuse it, naming the directory.
    set_mode(&dir, 0o770);
    let error = Listener::bind("other").unwrap_err();
    assert!(matches!(error, Error::Insecure { .. }), "{error:?}");
    assert!(error.to_string().starts_with("refusing to bind"), "{error}");
    let error = Connector::new("app").unwrap().connect().await.unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, Error::Insecure { .. }), "{error:?}");
    assert!(text.starts_with("refusing to connect to"), "{text}");
    assert!(text.contains(&dir.display().to_string()), "{text}");
    assert!(text.contains("mode 770"), "{text}");

    // Private again: the same client gets through.
    set_mode(&dir, 0o700);
    Connector::new("app")
        .unwrap()
        .connect()
        .await
        .expect("a private directory is trusted");
    drop(listener);

    // A symlink in its place is refused: it could point anywhere.
    std::fs::remove_dir_all(&dir).unwrap();
    let elsewhere = scratch.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    set_mode(&elsewhere, 0o700);
    std::os::unix::fs::symlink(&elsewhere, &dir).unwrap();
    let error = Listener::bind("app").unwrap_err();
    assert!(error.to_string().contains("is not a directory"), "{error}");

    std::fs::remove_dir_all(&scratch).unwrap();
}
