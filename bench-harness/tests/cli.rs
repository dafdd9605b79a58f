//! The `gclab` binary end to end: bad input, a quick run, and `plot --from`.

use std::path::Path;

mod support;
use support::{gclab, scratch, stderr};

/// The JSON `run-one --json` prints, after checking it succeeded.
fn run_one_json(args: &[&str]) -> serde_json::Value {
    let out = gclab(&[&["run-one"], args, &["--json"]].concat());
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The rows of a successful `run --quick ARGS --out OUT`.
fn quick_rows(args: &[&str], out: &Path) -> Vec<bench_harness::results::RunRow> {
    let run = gclab(&[&["run", "--quick"], args, &["--out", out.to_str().unwrap()]].concat());
    assert!(run.status.success(), "{args:?}: {}", stderr(&run));
    bench_harness::results::read_csv(&out.join("runs.csv")).unwrap()
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
fn stalls_samples_the_platform_for_as_long_as_asked() {
    assert_usage_error(&["stalls", "--seconds", "0"], &["--seconds", "above 0"]);
    assert_usage_error(&["stalls", "--seconds", "soon"], &["soon"]);
    let out = gclab(&["stalls", "--seconds", "0.2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or_default();
    assert!(last.contains("over 1 ms in 0.2 s of plain work"), "{text}");
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
    let v = run_one_json(&[
        "--collector",
        "nogc",
        "--workload",
        "seed-cycles",
        "--small",
        "--set",
        "seed-cycles.pairs=100",
    ]);
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
    // Every run carries the platform sample taken just before it, of at least its length.
    assert!(
        rows.iter().all(|r| r.platform_sampled_ns
            >= Some(bench_harness::runner::PLATFORM_SAMPLE_SMALL.as_nanos() as u64)
            && r.platform_max_stall_ns.is_some()
            && r.platform_stalls_over_1ms.is_some()),
        "a run without its platform sample"
    );
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

#[test]
fn collector_parameters_are_set_validated_and_recorded() {
    let v = run_one_json(&[
        "--collector",
        "cycle",
        "--workload",
        "seed-cycles",
        "--small",
        "--set",
        "cycle.threshold0=2000",
        "--set",
        "seed-cycles.pairs=100",
    ]);
    let params: serde_json::Value =
        serde_json::from_str(v["row"]["collector_params"].as_str().unwrap()).unwrap();
    assert_eq!(params["threshold0"], 2000);
    assert_eq!(params["threshold1"], 10);
    // A preset is its parameter values; --set applies on top of them.
    let v = run_one_json(&[
        "--collector",
        "cycle-313",
        "--workload",
        "seed-cycles",
        "--small",
        "--set",
        "cycle-313.threshold1=5",
    ]);
    assert_eq!(v["row"]["collector"], "cycle-313");
    let params: serde_json::Value =
        serde_json::from_str(v["row"]["collector_params"].as_str().unwrap()).unwrap();
    assert_eq!(
        (params["threshold0"].as_u64(), params["threshold1"].as_u64()),
        (Some(2000), Some(5))
    );

    for (collector, set, fragments) in [
        (
            "marksweep",
            "marksweep.growth=0",
            &["bad value for marksweep.growth: 0 is outside 0.01..=1000"][..],
        ),
        (
            "cycle",
            "cycle.nope=1",
            &["collector 'cycle' has no parameter 'nope'", "threshold0"][..],
        ),
        (
            "cycle",
            "marksweep.growth=3",
            &["collector 'marksweep' is not in this run"][..],
        ),
    ] {
        assert_usage_error(
            &["run", "--quick", "--collectors", collector, "--set", set],
            fragments,
        );
    }
    assert_usage_error(
        &[
            "run-one",
            "--collector",
            "nogc",
            "--workload",
            "seed-cycles",
            "--set",
            "nogc.x=1",
        ],
        &["collector 'nogc' has no parameter 'x'"],
    );
    let listing = gclab(&["list"]);
    let text = String::from_utf8_lossy(&listing.stdout);
    assert!(text.contains("threshold0         = 700"), "{text}");
    assert!(text.contains("preset: threshold0=2000"), "{text}");
}

/// `run-one marksweep-incr` on small binary-trees with `sets`: its row.
fn incr_row(sets: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "--collector",
        "marksweep-incr",
        "--workload",
        "binary-trees",
        "--small",
    ];
    for set in sets {
        args.extend(["--set", set]);
    }
    run_one_json(&args)["row"].clone()
}

#[test]
fn every_configurable_collector_lists_takes_and_checks_its_parameters() {
    let listing = gclab(&["list"]);
    let text = String::from_utf8_lossy(&listing.stdout);
    for line in [
        "nursery_bytes      = 8388608",
        "step_bytes         = 65536",
        "window_percent     = 25",
        "occupancy          = 0.8",
        "threshold          = 10000",
        "adaptive           = true",
        "threshold0         = 2000",
    ] {
        assert!(text.contains(line), "{line:?} not in {text}");
    }

    // A floor low enough that small binary-trees runs cycles; a smaller step then means
    // more steps, each a pause, over the same operation stream.
    let floor = "marksweep-incr.floor_bytes=100000";
    let default_step = incr_row(&[floor]);
    let small_step = incr_row(&[floor, "marksweep-incr.step_bytes=4096"]);
    let params = |row: &serde_json::Value| -> serde_json::Value {
        serde_json::from_str(row["collector_params"].as_str().unwrap()).unwrap()
    };
    assert_eq!(params(&default_step)["step_bytes"], 65536);
    assert_eq!(params(&small_step)["step_bytes"], 4096);
    assert_eq!(params(&small_step)["floor_bytes"], 100000);
    assert_eq!(params(&small_step)["window_percent"], 25);
    for row in [&default_step, &small_step] {
        assert_eq!(row["status"], "ok");
    }
    assert_eq!(
        default_step["objects_freed"], small_step["objects_freed"],
        "the same garbage is freed"
    );
    let pauses = |row: &serde_json::Value| row["pauses"].as_u64().unwrap();
    assert!(pauses(&default_step) > 0, "{default_step}");
    assert!(
        pauses(&small_step) > pauses(&default_step),
        "{} pauses with 4 KiB steps, {} with 64 KiB",
        pauses(&small_step),
        pauses(&default_step)
    );

    for (collector, set, fragment) in [
        (
            "marksweep-incr",
            "marksweep-incr.step_bytes=0",
            "bad value for marksweep-incr.step_bytes: 0 is outside 1..",
        ),
        (
            "compact",
            "compact.occupancy=1.5",
            "bad value for compact.occupancy: 1.5 is outside 0..=1",
        ),
        (
            "marksweep-gen",
            "marksweep-gen.growth=0",
            "bad value for marksweep-gen.growth: 0 is outside 0.01..=1000",
        ),
        (
            "rc-bacon",
            "rc-bacon.adaptive=maybe",
            "bad value for rc-bacon.adaptive",
        ),
        (
            "cycle-ft",
            "cycle-ft.threshold2=1",
            "collector 'cycle-ft' has no parameter 'threshold2' (valid: threshold0, threshold1)",
        ),
    ] {
        assert_usage_error(
            &[
                "run-one",
                "--collector",
                collector,
                "--workload",
                "seed-cycles",
                "--set",
                set,
            ],
            &[fragment],
        );
    }
}

#[test]
fn a_sweep_runs_every_value_and_charts_it() {
    let dir = scratch("sweep");
    let rows = quick_rows(
        &[
            "--workloads",
            "dll-churn,seed-cycles",
            "--collectors",
            "nogc,cycle",
            "--sweep",
            "dll-churn.length=3,4,8",
        ],
        &dir,
    );
    assert_eq!(rows.len(), 2 * 2 * 3, "workloads x collectors x values");
    let churn: Vec<_> = rows.iter().filter(|r| r.workload == "dll-churn").collect();
    for (value, nodes) in [("3", 3u64), ("4", 4), ("8", 8)] {
        let at: Vec<_> = churn
            .iter()
            .filter(|r| r.sweep == format!("dll-churn.length={value}"))
            .collect();
        assert_eq!(at.len(), 2, "{value}");
        // 200 lists of `nodes` nodes plus the ring of kept lists (the small preset).
        assert!(at
            .iter()
            .all(|r| r.is_ok() && r.objects_allocated == Some(200 * nodes + 1)));
    }
    // Other workloads run unchanged at every value, as references.
    assert!(rows
        .iter()
        .filter(|r| r.workload == "seed-cycles")
        .all(|r| r.objects_allocated == Some(4000)));
    for metric in ["gc", "max-pause", "peak-heap"] {
        assert!(dir
            .join(format!("charts/dll-churn-sweep-{metric}.png"))
            .exists());
    }
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        readme.contains("| collector | dll-churn.length | ok |"),
        "{readme}"
    );
    assert_usage_error(
        &[
            "run",
            "--quick",
            "--workloads",
            "dll-churn",
            "--sweep",
            "dll-churn.length=1,4",
        ],
        &["--sweep: bad value for dll-churn.length: 1 is outside 2.."],
    );
    assert_usage_error(
        &[
            "run",
            "--quick",
            "--workloads",
            "dll-churn",
            "--collectors",
            "nogc",
            "--sweep",
            "cycle.threshold0=1,2",
        ],
        &["'cycle' is no workload or collector of this run"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_recorded_trace_runs_as_a_workload() {
    let dir = scratch("trace");
    let file = dir.join("pairs.gctrace");
    let out = gclab(&[
        "trace",
        "record",
        "--workload",
        "seed-cycles",
        "--small",
        "--set",
        "seed-cycles.pairs=50",
        "--seed",
        "3",
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("of seed-cycles seed 3"));
    let name = format!("trace:{}", file.display());
    for (collector, leaked) in [("cycle", 0), ("refcount", 100), ("nogc", 100)] {
        let v = run_one_json(&["--collector", collector, "--workload", &name]);
        assert_eq!(v["row"]["status"], "ok", "{collector}");
        assert_eq!(v["row"]["objects_allocated"], 100, "{collector}");
        assert_eq!(v["row"]["objects_leaked"], leaked, "{collector}");
    }
    let results = dir.join("results");
    let workloads = format!("seed-cycles,{name}");
    let rows = quick_rows(
        &[
            "--workloads",
            &workloads,
            "--collectors",
            "refcount,cycle,marksweep",
        ],
        &results,
    );
    assert_eq!(rows.len(), 6);
    assert!(rows.iter().all(|r| r.is_ok()), "{rows:?}");
    assert_eq!(rows.iter().filter(|r| r.workload == name).count(), 3);

    let bad = dir.join("bad.gctrace");
    std::fs::write(&bad, b"GCTRACE\0\x01\x01\x02\x05").unwrap();
    let bad_name = format!("trace:{}", bad.display());
    assert_usage_error(
        &["run-one", "--collector", "cycle", "--workload", &bad_name],
        &["bad trace at byte 11"],
    );
    assert_usage_error(
        &[
            "run",
            "--quick",
            "--workloads",
            &bad_name,
            "--out",
            results.to_str().unwrap(),
        ],
        &["bad trace at byte"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}
