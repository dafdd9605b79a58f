//! The `gclab` binary end to end: bad input, a quick run, and `plot --from`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gclab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gclab"))
        .args(args)
        .output()
        .expect("gclab runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gclab-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Exit code 2 and exactly one line that contains every fragment.
fn assert_usage_error(args: &[&str], fragments: &[&str]) {
    let out = gclab(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: one line, got {err:?}"
    );
    assert!(!err.contains("panicked"), "{err}");
    for f in fragments {
        assert!(err.contains(f), "{args:?}: {err:?} lacks {f:?}");
    }
}

#[test]
fn unknown_collector_names_it_and_the_choices() {
    assert_usage_error(
        &[
            "run",
            "--collectors",
            "nope",
            "--quick",
            "--out",
            "/nonexistent",
        ],
        &["unknown collector 'nope'", "nogc"],
    );
    assert_usage_error(
        &[
            "run-one",
            "--collector",
            "nope",
            "--workload",
            "seed-cycles",
        ],
        &["unknown collector 'nope'", "nogc"],
    );
}

#[test]
fn unknown_workload_names_it_and_the_choices() {
    assert_usage_error(
        &["run", "--workloads", "nope", "--quick"],
        &["unknown workload 'nope'", "seed-cycles"],
    );
    assert_usage_error(
        &["run-one", "--collector", "nogc", "--workload", "nope"],
        &["unknown workload 'nope'", "seed-cycles"],
    );
}

#[test]
fn unknown_parameter_and_bad_value() {
    assert_usage_error(
        &["run", "--quick", "--set", "seed-cycles.nope=1"],
        &["no parameter 'nope'", "pairs"],
    );
    assert_usage_error(
        &["run", "--quick", "--set", "seed-cycles.pairs=many"],
        &["seed-cycles.pairs"],
    );
    assert_usage_error(
        &["run", "--quick", "--set", "binary-trees.stretch_depth=30"],
        &["binary-trees.stretch_depth: 30 is outside 1..=26"],
    );
    assert_usage_error(
        &["run", "--quick", "--set", "pairs=1"],
        &["workload.param=value"],
    );
    assert_usage_error(
        &["run", "--quick", "--set", "nope.pairs=1"],
        &["unknown workload 'nope'"],
    );
    assert_usage_error(
        &["run", "--heap-multiples", "0.5", "--quick"],
        &["heap multiple"],
    );
}

#[test]
fn bad_flags_and_directories() {
    assert_usage_error(&["run", "--frobnicate"], &["--frobnicate"]);
    assert_usage_error(&["dance"], &["dance"]);
    assert_usage_error(
        &["plot", "--from", "/nonexistent/gclab"],
        &["not a result directory"],
    );
}

#[test]
fn run_one_json_reports_checked_counts() {
    let out = gclab(&[
        "run-one",
        "--collector",
        "nogc",
        "--workload",
        "seed-cycles",
        "--small",
        "--set",
        "seed-cycles.pairs=100",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["row"]["status"], "ok");
    assert_eq!(v["row"]["objects_allocated"], 200);
    assert_eq!(v["row"]["objects_leaked"], 200, "NoGC frees nothing");
    assert!(v["row"]["peak_rss_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn out_of_heap_is_a_failed_run_not_a_crash() {
    let out = gclab(&[
        "run-one",
        "--collector",
        "nogc",
        "--workload",
        "seed-cycles",
        "--small",
        "--heap-limit",
        "1000",
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["row"]["status"]
        .as_str()
        .unwrap()
        .starts_with("failed: out of memory"));
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn quick_run_writes_everything_and_plot_reproduces_it() {
    let dir = scratch("quick");
    let out = gclab(&["run", "--quick", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(table.contains("| workload | collector |"), "{table}");
    for file in [
        "runs.csv",
        "pauses.csv",
        "heap.csv",
        "curves.csv",
        "runs.json",
        "README.md",
    ] {
        assert!(dir.join(file).exists(), "{file} missing");
    }
    let rows: Vec<bench_harness::results::RunRow> =
        bench_harness::results::read_csv(&dir.join("runs.csv")).unwrap();
    let collectors = bench_harness::registry::registry().names().len();
    let workloads = workloads::catalog().len();
    assert_eq!(
        rows.len(),
        collectors * workloads,
        "one row per cell, one repeat"
    );
    assert!(rows.iter().all(|r| r.objects_allocated.is_some()));
    let json: serde_json::Value = serde_json::from_str(&read(&dir.join("runs.json"))).unwrap();
    assert_eq!(json["runs"].as_array().unwrap().len(), rows.len());
    assert!(json["provenance"]["rustc"]
        .as_str()
        .unwrap()
        .starts_with("rustc"));
    for w in workloads::catalog() {
        for chart in ["pauses", "mmu", "heap"] {
            for ext in ["svg", "png"] {
                let path = dir.join(format!("charts/{}-{chart}.{ext}", w.name));
                assert!(
                    std::fs::metadata(&path)
                        .map(|m| m.len() > 0)
                        .unwrap_or(false),
                    "{}",
                    path.display()
                );
            }
        }
    }
    assert!(dir.join("charts/throughput.png").exists());
    let no_tmp = std::fs::read_dir(&dir)
        .unwrap()
        .all(|e| !e.unwrap().file_name().to_string_lossy().contains(".tmp"));
    assert!(no_tmp, "temporary files left behind");

    let readme = read(&dir.join("README.md"));
    let csv = read(&dir.join("runs.csv"));
    let heap_png = std::fs::read(dir.join("charts/seed-cycles-heap.png")).unwrap();
    // A fresh clone has no raw files (they are not committed): plot needs none of them.
    std::fs::remove_file(dir.join("pauses.csv")).unwrap();
    std::fs::remove_file(dir.join("heap.csv")).unwrap();
    let replot = gclab(&["plot", "--from", dir.to_str().unwrap()]);
    assert!(replot.status.success(), "{}", stderr(&replot));
    assert_eq!(
        read(&dir.join("README.md")),
        readme,
        "plot --from reproduces the README"
    );
    assert_eq!(
        std::fs::read(dir.join("charts/seed-cycles-heap.png")).unwrap(),
        heap_png,
        "and the heap chart, from curves.csv alone"
    );
    assert_eq!(
        String::from_utf8_lossy(&replot.stdout),
        table,
        "and the summary table"
    );
    assert_eq!(
        read(&dir.join("runs.csv")),
        csv,
        "plot never rewrites the data"
    );
    assert!(dir.join("charts/throughput.svg").exists());
    std::fs::remove_file(dir.join("charts/throughput.svg")).unwrap();
    assert_usage_error(
        &["plot", "--from", dir.to_str().unwrap()],
        &["incomplete set", "charts/throughput.svg is missing"],
    );

    let _ = std::fs::remove_dir_all(&dir);
    let out = gclab(&["run", "--quick", "--out", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let compare = gclab(&["compare", dir.to_str().unwrap(), dir.to_str().unwrap()]);
    assert!(compare.status.success(), "{}", stderr(&compare));
    let report = String::from_utf8_lossy(&compare.stdout);
    assert!(
        report.contains("B/A") && !report.contains("**slower**") && !report.contains("**faster**"),
        "{report}"
    );
    assert!(report.contains("noise unknown"), "one repeat: {report}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn runs_over_the_time_budget_are_killed_and_recorded_as_failed() {
    let dir = scratch("timeout");
    // A run far longer than the budget (hundreds of millions of objects, tens of seconds),
    // so the outcome does not depend on how fast or loaded the machine is.
    let out = gclab(&[
        "run",
        "--workloads",
        "seed-cycles",
        "--collectors",
        "cycle,marksweep",
        "--set",
        "seed-cycles.pairs=200000000",
        "--repeat",
        "1",
        "--timeout",
        "0.3",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let last = stderr(&out)
        .trim_end()
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    assert!(last.starts_with("gclab: all 2 runs failed"), "{last}");
    let rows: Vec<bench_harness::results::RunRow> =
        bench_harness::results::read_csv(&dir.join("runs.csv")).unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert!(
            row.status.starts_with("failed: timeout after"),
            "{}",
            row.status
        );
        assert_eq!(row.wall_ns, None);
    }
    let readme = read(&dir.join("README.md"));
    assert!(readme.contains("## Failed runs"), "{readme}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(not(feature = "peers"))]
#[test]
fn peers_without_the_feature_say_how_to_get_them() {
    let hint = "gclab was built without the peers feature; rebuild with --features peers";
    assert_usage_error(
        &["run", "--quick", "--peers", "--out", "/nonexistent"],
        &[hint],
    );
    assert_usage_error(
        &["run-one", "--peer", "rust-gc", "--workload", "seed-cycles"],
        &[hint],
    );
}
