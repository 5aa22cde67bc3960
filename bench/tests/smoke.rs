//! `piperpc-bench --smoke`: the benchmark program runs end to end (its own
//! server processes, every figure for every subject) and produces the
//! table, the JSON and the charts. Its figures are not checked against any
//! speed: benchmarks print figures, tests never time anything.

use std::path::PathBuf;
use std::process::{Command, Stdio};

const BENCH: &str = env!("CARGO_BIN_EXE_piperpc-bench");
const CHARTS: [&str; 4] = ["latency", "concurrency", "throughput", "memory"];
/// Every subject's key in the JSON, and its name in tables and charts.
const SUBJECTS: [(&str, &str); 5] = [
    ("piperpc", "piperpc"),
    ("tonic_local", LOCAL_TONIC),
    ("tcp", "TCP"),
    ("raw", "raw"),
    ("floor", "floor"),
];
const LOCAL_TONIC: &str = if cfg!(windows) {
    "tonic pipe"
} else {
    "tonic UDS"
};

#[test]
fn smoke_run_prints_the_table_and_writes_json_and_charts() {
    let out = fresh_dir();
    // The smoke plan bounds itself: every figure has a time budget, and
    // every server it starts ends with its stdin.
    let output = Command::new(BENCH)
        .arg("--smoke")
        .arg("--out")
        .arg(&out)
        .stdin(Stdio::null())
        .output()
        .expect("run piperpc-bench");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "piperpc-bench --smoke failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        output.status
    );

    // The table, with every ratio column and a ratio in words.
    for expected in [
        &format!("piperpc/{LOCAL_TONIC}"),
        "piperpc/TCP",
        "piperpc/raw",
        "piperpc/floor",
        "unary 64 B, 1 connection: p50",
        "new connection + first unary 64 B call",
        "MB/s",
    ] {
        assert!(stdout.contains(expected), "no `{expected}` in:\n{stdout}");
    }
    // Where the processes ran is printed, and stored.
    assert!(stdout.contains("placement: split"), "{stdout}");
    assert!(
        stdout.contains("% faster") || stdout.contains("% slower") || stdout.contains("(same)"),
        "no latency ratio in words in:\n{stdout}"
    );
    // Never a figure without its warnings.
    assert!(stdout.contains("smoke run"), "{stdout}");
    if cfg!(debug_assertions) {
        assert!(
            stdout.contains("DEBUG BUILD — not representative"),
            "{stdout}"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap())
            .expect("results.json is JSON");
    // The bench tells Wine from Windows itself; off Windows there is none.
    let wine = json["machine"]["wine"].as_bool().expect("machine.wine");
    assert!(cfg!(windows) || !wine);
    if wine {
        assert!(
            stdout.contains("Wine smoke run — not representative of Windows"),
            "{stdout}"
        );
    }

    assert_eq!(json["plan"]["mode"], "smoke");
    let placement = &json["placement"];
    assert_eq!(placement["policy"], "split", "{placement}");
    if cfg!(target_os = "linux") && std::thread::available_parallelism().unwrap().get() >= 2 {
        let cpus = |side: &str| placement[side].as_array().expect(side).len();
        assert!(
            cpus("client_cpus") >= 1 && cpus("server_cpus") >= 1,
            "{placement}"
        );
    }
    for (key, _) in SUBJECTS {
        assert!(json["subjects"][key].is_string(), "no subject {key}");
    }
    let figures = json["figures"].as_array().expect("figures");
    assert!(figures.len() >= 14, "only {} figures", figures.len());
    for figure in figures {
        let id = figure["id"].as_str().expect("id");
        let memory = figure["group"] == "memory";
        for (subject, _) in SUBJECTS {
            let measure = &figure[subject];
            if measure.is_null() && memory && wine {
                continue; // Wine may not report a working set.
            }
            if subject == "floor" && figure["group"] == "concurrency" {
                // The floor is a floor for one connection, not for many.
                assert!(measure.is_null(), "{id}: {figure}");
                continue;
            }
            let value = measure["value"]
                .as_f64()
                .unwrap_or_else(|| panic!("{id}: no {subject} value in {figure}"));
            // Memory per connection may round to nothing; all else moves.
            let sane = value.is_finite() && if memory { value >= 0.0 } else { value > 0.0 };
            assert!(sane, "{id}: {subject} = {value}");
        }
        if !memory {
            for other in ["tonic_local", "tcp", "raw"] {
                let ratio = figure[format!("ratio_piperpc_{other}")].as_f64();
                assert!(
                    ratio.is_some_and(|r| r.is_finite() && r > 0.0),
                    "{id}: {figure}"
                );
            }
        }
    }

    for chart in CHARTS {
        let path = out.join(format!("{chart}.svg"));
        let svg =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        for (_, name) in SUBJECTS {
            assert!(
                svg.contains(&format!(">{name}<")),
                "{chart}.svg has no {name} legend"
            );
        }
    }
    std::fs::remove_dir_all(&out).ok();
}

fn fresh_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("piperpc-bench-smoke-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
