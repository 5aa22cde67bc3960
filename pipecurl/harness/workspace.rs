//! Binaries of the other packages of a cargo workspace, for tests.
//!
//! Cargo gives a test `CARGO_BIN_EXE_<name>` only for its own package's
//! binaries. A test of one package that runs another package's server
//! finds it where cargo puts every binary of the workspace: the profile
//! directory (`target/debug/`) that holds the test executable's `deps/`.

use std::path::PathBuf;

/// The path of the workspace binary `name` (`.exe` added on Windows),
/// built next to the running test executable.
///
/// `cargo test` at the workspace root builds every member's binaries
/// first; `cargo test -p one-package` does not build the others.
///
/// # Panics
///
/// When the binary is not there, with a message naming the
/// `cargo build --bin` to run: a test cannot do anything useful without
/// it.
pub fn workspace_bin(name: &str) -> PathBuf {
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    let test = std::env::current_exe()
        .unwrap_or_else(|e| panic!("cannot find the test executable to find {file}: {e}"));
    // target/debug/deps/test-HASH, or target/debug/test for examples.
    let candidates = test
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(&file))
        .collect::<Vec<_>>();
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "the binary {file} is not built (looked in {}): run \
                 `cargo build --bin {name}` (or `cargo test` at the workspace root, \
                 which builds every member's binaries) first",
                candidates
                    .iter()
                    .map(|path| path.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        })
}
