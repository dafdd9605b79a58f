//! `run --shard K/N`, `merge` and `slurm` end to end: the shards hold exactly their shares,
//! their merge equals one unsharded run of the plan in every count, and a missing, doubled
//! or foreign shard is refused with one line.

use std::path::{Path, PathBuf};
use std::process::Command;

mod support;
use support::{gclab, scratch, stderr};

const PLAN: &[&str] = &[
    "--quick",
    "--workloads",
    "seed-cycles,dll-churn",
    "--collectors",
    "refcount,cycle,marksweep",
    // Two repeats, so only some runs draw the heap chart and the merge must pick the same.
    "--repeat",
    "2",
];

/// The columns of `runs.csv` that do not depend on timing: identities, statuses, counts.
const COUNT_COLUMNS: &[&str] = &[
    "run_id",
    "collector",
    "workload",
    "seed",
    "repeat",
    "params",
    "heap_limit",
    "heap_multiple",
    "status",
    "pauses",
    "pauses_logged",
    "objects_allocated",
    "objects_freed",
    "objects_leaked",
    "bytes_allocated",
    "peak_heap_bytes",
    "peak_heap_held_bytes",
    "objects_scanned",
];

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `gclab run` of PLAN plus `extra`, into `out`; must succeed.
fn run(extra: &[&str], out: &Path) {
    let mut args = vec!["run"];
    args.extend(PLAN);
    args.extend(extra);
    args.extend(["--out", s(out)]);
    let result = gclab(&args);
    assert_eq!(
        result.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&result)
    );
}

/// Exit 2, one line holding every fragment, and `out` not written.
fn assert_refused(args: &[&str], out: &Path, fragments: &[&str]) {
    let result = gclab(args);
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err:?}");
    for f in fragments {
        assert!(err.contains(f), "{err:?} lacks {f:?}");
    }
    assert!(
        !out.exists(),
        "{} written by a refused merge",
        out.display()
    );
}

/// `runs.csv` as a list of rows of (column, value), keeping only `columns`.
fn table(dir: &Path, columns: &[&str]) -> Vec<Vec<(String, String)>> {
    let mut reader = csv::Reader::from_path(dir.join("runs.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    for c in columns {
        assert!(header.iter().any(|h| h == c), "no column {c}");
    }
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .filter(|(h, _)| columns.contains(&h.as_str()))
                .map(|(h, v)| (h.clone(), v.to_string()))
                .collect()
        })
        .collect()
}

fn run_ids(dir: &Path) -> Vec<u64> {
    table(dir, &["run_id"])
        .iter()
        .map(|r| r[0].1.parse().unwrap())
        .collect()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Lines of a raw table per run id, so a lost or doubled run shows.
fn lines_per_run(dir: &Path, file: &str) -> Vec<(u64, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    let mut reader = csv::Reader::from_path(dir.join(file)).unwrap();
    for r in reader.records() {
        *counts
            .entry(r.unwrap()[0].parse::<u64>().unwrap())
            .or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

/// Run ids with a charted heap line in `curves.csv`.
fn heap_lines(dir: &Path) -> Vec<u64> {
    let mut ids: Vec<u64> = csv::Reader::from_path(dir.join("curves.csv"))
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[1] == "heap")
        .map(|r| r[0].parse().unwrap())
        .collect();
    ids.dedup();
    ids
}

/// Each run's LBO is its wall time over the least wall-minus-GC of every run of the same
/// workload and seed in the set (all runs here are ok, at the default heap), so a merge that
/// kept the shards' own LBO (taken over a share of the collectors) shows.
fn assert_lbo_over_all_collectors(dir: &Path) {
    let rows = table(dir, &["workload", "seed", "wall_ns", "gc_ns", "lbo"]);
    let get =
        |r: &Vec<(String, String)>, c: &str| r.iter().find(|(h, _)| h == c).unwrap().1.clone();
    for row in &rows {
        let least = rows
            .iter()
            .filter(|o| {
                get(o, "workload") == get(row, "workload") && get(o, "seed") == get(row, "seed")
            })
            .map(|o| {
                let (w, g): (u64, u64) = (
                    get(o, "wall_ns").parse().unwrap(),
                    get(o, "gc_ns").parse().unwrap(),
                );
                w.saturating_sub(g).max(1)
            })
            .min()
            .unwrap();
        let wall: f64 = get(row, "wall_ns").parse().unwrap();
        let lbo: f64 = get(row, "lbo").parse().unwrap();
        assert!(
            (lbo - wall / least as f64).abs() < 1e-9 * lbo,
            "{row:?}: least {least}"
        );
    }
}

#[test]
fn merged_shards_equal_one_unsharded_run_and_bad_sets_of_shards_are_refused() {
    let root = scratch("merge");
    let shards: Vec<PathBuf> = (0..4).map(|k| root.join(format!("shard-{k}"))).collect();
    for (k, dir) in shards.iter().enumerate() {
        run(&["--shard", &format!("{k}/4")], dir);
    }
    // The shares of this plan, pinned: the same on any machine (the rule: src/shard.rs).
    let shares: Vec<Vec<u64>> = shards.iter().map(|d| run_ids(d)).collect();
    assert_eq!(
        shares,
        [vec![1, 3, 7], vec![2, 6, 10], vec![5, 9, 11], vec![0, 4, 8]]
    );
    assert_eq!(manifest(&shards[2])["shard"]["index"], 2);
    assert_eq!(manifest(&shards[2])["shard"]["count"], 4);

    let whole = root.join("whole");
    run(&[], &whole);
    let merged = root.join("merged");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(|p| s(p)));
    args.extend(["--out", s(&merged)]);
    let result = gclab(&args);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));

    assert_eq!(table(&merged, COUNT_COLUMNS), table(&whole, COUNT_COLUMNS));
    assert_eq!(table(&merged, COUNT_COLUMNS).len(), 12);
    for raw in ["pauses.csv", "heap.csv"] {
        assert_eq!(
            lines_per_run(&merged, raw),
            lines_per_run(&whole, raw),
            "{raw}"
        );
    }
    assert_eq!(heap_lines(&merged), heap_lines(&whole));
    let (m, w) = (manifest(&merged), manifest(&whole));
    assert_eq!(m["merged_from"], 4);
    assert!(w.get("merged_from").is_none() && m.get("shard").is_none());
    assert_eq!(m["plan_fingerprint"], w["plan_fingerprint"]);
    assert_eq!(
        m["plan_fingerprint"],
        manifest(&shards[0])["plan_fingerprint"]
    );
    let files = |m: &serde_json::Value| -> Vec<String> {
        m["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(files(&m), files(&w));
    assert_eq!(
        heap_lines(&whole).len(),
        6,
        "one charted run per (workload, collector)"
    );
    assert_lbo_over_all_collectors(&merged);
    // plot and compare take the merged set as they take a run's.
    assert_eq!(
        gclab(&["plot", "--from", s(&merged)]).status.code(),
        Some(0)
    );
    assert_eq!(
        gclab(&["compare", s(&whole), s(&merged)]).status.code(),
        Some(0)
    );

    let out = root.join("refused");
    let (s0, s1, s2, s3) = (s(&shards[0]), s(&shards[1]), s(&shards[2]), s(&shards[3]));
    assert_refused(
        &["merge", s0, s1, s3, "--out", s(&out)],
        &out,
        &["missing shard 2/4", "given 3 of 4"],
    );
    assert_refused(
        &["merge", s0, s1, s2, s3, s1, "--out", s(&out)],
        &out,
        &["shard 1/4 given twice", s1],
    );
    let foreign = root.join("foreign");
    run(&["--shard", "2/4", "--timeout", "19"], &foreign);
    assert_refused(
        &["merge", s0, s1, s(&foreign), s3, "--out", s(&out)],
        &out,
        &["from another plan", s(&foreign)],
    );
    let halves = root.join("half");
    run(&["--shard", "1/2"], &halves);
    assert_refused(
        &["merge", s0, s(&halves), s2, s3, "--out", s(&out)],
        &out,
        &["shards of different splits"],
    );
    assert_refused(
        &["merge", s0, s1, s2, s(&whole), "--out", s(&out)],
        &out,
        &["not a shard"],
    );
    assert_refused(
        &["merge", s(&merged), "--out", s(&out)],
        &out,
        &["a merged set, not a shard"],
    );
    assert_refused(
        &["merge", s0, s1, s2, s3, "--out", s0],
        &out,
        &["is one of the shards"],
    );
    std::fs::remove_file(shards[3].join("heap.csv")).unwrap();
    assert_refused(
        &["merge", s0, s1, s2, s3, "--out", s(&out)],
        &out,
        &["heap.csv is absent"],
    );
    std::fs::remove_dir_all(&root).unwrap();
}

#[test]
fn bad_shard_arguments_are_one_line() {
    for (shard, fragment) in [
        ("4/4", "expected K/N"),
        ("1", "expected K/N"),
        ("0/0", "expected K/N"),
        ("12/13", "the plan has only 12 runs, fewer than 13 shards"),
    ] {
        let mut args = vec!["run"];
        args.extend(PLAN);
        args.extend(["--shard", shard, "--out", "/nonexistent/x"]);
        let result = gclab(&args);
        let err = stderr(&result);
        assert_eq!(result.status.code(), Some(2), "{shard}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err:?}");
        assert!(err.contains(fragment), "{shard}: {err:?}");
    }
}

#[test]
fn slurm_writes_an_array_and_a_merge_and_needs_sbatch_to_submit() {
    let root = scratch("slurm");
    let merged = root.join("merged");
    let mut args = vec!["slurm"];
    args.extend(PLAN);
    args.extend(["--shards", "4", "--out", s(&merged)]);
    let result = gclab(&args);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let dir = root.join("merged.shards");
    let array = std::fs::read_to_string(dir.join("array.sbatch")).unwrap();
    assert!(array.contains("#SBATCH --array=0-3\n"), "{array}");
    assert!(array.contains(env!("CARGO_BIN_EXE_gclab")), "{array}");
    assert!(
        array.contains(
            "run --collectors refcount,cycle,marksweep --workloads seed-cycles,dll-churn \
             --seeds 1 --repeat 2 --quick --timeout 20 --memory-budget-mib 4096 --shard \
             \"$SLURM_ARRAY_TASK_ID/4\""
        ),
        "{array}"
    );
    assert!(dir.join("logs").is_dir());
    let merge = std::fs::read_to_string(dir.join("merge.sbatch")).unwrap();
    assert!(
        merge.contains(&format!("--out {}\n", s(&merged))),
        "{merge}"
    );

    // No sbatch on the PATH: one line, nothing submitted.
    let empty = root.join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    args.push("--submit");
    let result = Command::new(env!("CARGO_BIN_EXE_gclab"))
        .args(&args)
        .env("PATH", &empty)
        .output()
        .unwrap();
    let err = stderr(&result);
    assert_eq!(result.status.code(), Some(1), "{err}");
    assert_eq!(err.trim_end().lines().last().unwrap(), "gclab: sbatch not found: submit from a Slurm login node, or run the written submit.sh there");

    let mut bad = vec!["slurm"];
    bad.extend(PLAN);
    bad.extend(["--shards", "13", "--out", s(&merged)]);
    let result = gclab(&bad);
    assert_eq!(result.status.code(), Some(2));
    assert!(stderr(&result).contains("fewer than 13 shards"));
    std::fs::remove_dir_all(&root).unwrap();
}
