//! `piperpc-bench cost`: both ends run under callgrind, the servers exit
//! cleanly so callgrind writes their counts, and the table and the JSON
//! carry a figure per end. Skipped (with a line saying so) where valgrind
//! is not installed; no figure is checked against any value.

use std::path::PathBuf;
use std::process::{Command, Stdio};

const BENCH: &str = env!("CARGO_BIN_EXE_piperpc-bench");

#[test]
#[cfg(target_os = "linux")]
fn cost_counts_instructions_of_both_ends() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        println!("skipped: valgrind not installed");
        return;
    }
    let out = fresh_dir("run");
    // One workload, two subjects, a few calls: seconds, even in debug.
    let output = Command::new(BENCH)
        .args(["cost", "--quick", "--count", "3", "--only", "unary-64B"])
        .args(["--subject", "piperpc,floor", "--out"])
        .arg(&out)
        .stdin(Stdio::null())
        .output()
        .expect("run piperpc-bench cost");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "piperpc-bench cost failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );
    for expected in ["unary 64 B, server", "unary 64 B, client", "piperpc/floor"] {
        assert!(stdout.contains(expected), "no `{expected}` in:\n{stdout}");
    }
    if cfg!(debug_assertions) {
        assert!(stdout.contains("DEBUG BUILD"), "{stdout}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap())
            .expect("results.json is JSON");
    assert_eq!(json["mode"], "cost");
    assert_eq!(json["method"]["counts"]["unary-64B"], 3);
    let figures = json["figures"].as_array().expect("figures");
    let ids: Vec<&str> = figures.iter().filter_map(|f| f["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "instructions/server/unary-64B",
            "instructions/client/unary-64B"
        ]
    );
    for figure in figures {
        for subject in ["piperpc", "floor"] {
            let value = figure[subject]["value"].as_f64();
            assert!(value.is_some_and(f64::is_finite), "{subject}: {figure}");
        }
        assert!(figure["tonic_local"].is_null(), "{figure}");
        // Present, if null when noise outweighed a debug build's few calls.
        assert!(figure.get("ratio_piperpc_floor").is_some(), "{figure}");
        assert_eq!(figure["better"], "lower");
    }
    // Callgrind wrote every process's count, servers' included.
    let profiles = std::fs::read_dir(out.join("callgrind"))
        .expect("callgrind/")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with("-server.out"))
        .count();
    assert_eq!(profiles, 4, "two runs of two servers");
    std::fs::remove_dir_all(&out).ok();
}

#[test]
fn cost_says_what_it_needs() {
    // No valgrind on an empty PATH (off Linux: no valgrind wanted at all).
    let output = Command::new(BENCH)
        .args(["cost", "--quick", "--out"])
        .arg(fresh_dir("no-valgrind"))
        .env("PATH", "")
        .stdin(Stdio::null())
        .output()
        .expect("run piperpc-bench cost");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    let expected = if cfg!(target_os = "linux") {
        "valgrind not found: install it (apt-get install valgrind)"
    } else {
        "Linux-only"
    };
    assert!(stderr.contains(expected), "{stderr}");
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("piperpc-bench-cost-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
