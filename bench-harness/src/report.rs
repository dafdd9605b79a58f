//! The summary table (stdout and README) and `README.md` of a result directory, built from
//! the CSV tables alone so `plot --from` reproduces them exactly.

use std::fmt::Write;
use std::path::Path;

use crate::aggregate::{cells, ns, Cell};
use crate::charts::ChartIndex;
use crate::results::checked::open_checked;
use crate::results::{ResultSet, RunRow};
use crate::units::{count, duration_ns, mib, significant};

/// A markdown table.
pub fn markdown_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        header
            .iter()
            .enumerate()
            .map(|(i, _)| if i < 2 { "---|" } else { "---:|" })
            .collect::<String>()
    );
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "-".to_string(), f)
}

fn cell_row(cell: &Cell, fastest_wall: Option<f64>) -> Vec<String> {
    let ok = cell.ok_runs().count();
    let wall = cell.median(|r| ns(r.wall_ns));
    let mut name = cell.key.collector.clone();
    if let Some(m) = cell.key.heap_multiple() {
        let _ = write!(name, " @{}x", significant(m));
    }
    if !cell.key.sweep.is_empty() {
        let _ = write!(name, " [{}]", cell.key.sweep);
    }
    vec![
        cell.key.workload.clone(),
        name,
        format!("{ok}/{}", cell.runs.len()),
        opt(wall, duration_ns),
        opt(wall.zip(fastest_wall).map(|(w, best)| best / w), |r| {
            format!("{r:.2}")
        }),
        opt(cell.median(|r| ns(r.gc_ns)), duration_ns),
        opt(cell.median(|r| ns(r.pauses)), count),
        opt(cell.median(|r| ns(r.pause_p50_ns)), duration_ns),
        opt(cell.median(|r| ns(r.pause_p99_ns)), duration_ns),
        opt(
            cell.values(|r| ns(r.pause_max_ns))
                .into_iter()
                .reduce(f64::max),
            duration_ns,
        ),
        opt(cell.median(|r| r.mmu_1ms), |v| format!("{v:.2}")),
        opt(cell.median(|r| r.mmu_10ms), |v| format!("{v:.2}")),
        opt(cell.median(|r| r.mmu_100ms), |v| format!("{v:.2}")),
        opt(cell.median(|r| ns(r.peak_heap_bytes)), mib),
        opt(cell.median(|r| ns(r.peak_rss_bytes)), mib),
        opt(cell.median(|r| ns(r.objects_freed)), count),
        opt(cell.median(|r| ns(r.objects_leaked)), count),
        opt(cell.median(|r| ns(r.objects_scanned)), count),
        opt(cell.median(|r| r.lbo), |v| format!("{v:.2}")),
        opt(cell.median(|r| ns(r.reserved_bytes)), mib),
        opt(cell.median(|r| r.reserved_ratio), |v| format!("{v:.2}")),
    ]
}

const SUMMARY_HEADER: &[&str] = &[
    "workload",
    "collector",
    "ok",
    "wall",
    "throughput",
    "GC time",
    "pauses",
    "p50 pause",
    "p99 pause",
    "max pause",
    "MMU 1ms",
    "MMU 10ms",
    "MMU 100ms",
    "peak heap MiB",
    "peak RSS MiB",
    "freed",
    "leaked",
    "scanned",
    "LBO",
    "reserved MiB",
    "reserved/in use",
];

/// One line per (workload, collector, heap multiple): medians over seeds and repeats of the
/// successful runs (max pause: the maximum), throughput relative to the fastest collector.
pub fn summary_table(set: &ResultSet) -> String {
    let all = cells(&set.runs);
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|cell| {
            let fastest = all
                .iter()
                .filter(|c| {
                    c.key.workload == cell.key.workload
                        && c.key.heap_multiple_milli == cell.key.heap_multiple_milli
                })
                .filter_map(|c| c.median(|r| ns(r.wall_ns)))
                .reduce(f64::min);
            cell_row(cell, fastest)
        })
        .collect();
    markdown_table(SUMMARY_HEADER, &rows)
}

fn failures(set: &ResultSet) -> String {
    let mut out = String::new();
    for cell in cells(&set.runs) {
        for reason in cell.failures() {
            let _ = writeln!(
                out,
                "- {} on {}: {}",
                cell.key.collector, cell.key.workload, reason
            );
        }
    }
    out
}

fn skipped(set: &ResultSet) -> String {
    let mut out = String::new();
    for cell in cells(&set.runs) {
        for reason in cell.skips() {
            let _ = writeln!(
                out,
                "- {} on {}: {}",
                cell.key.collector, cell.key.workload, reason
            );
        }
    }
    out
}

const PEERS_HEADER: &[&str] = &[
    "workload",
    "collector",
    "kind",
    "ok",
    "wall",
    "wall / fastest",
    "GC time",
    "pauses",
    "p99 pause",
    "max pause",
    "freed",
    "leaked",
];

fn peer_row(cell: &Cell, is_peer: bool, fastest_wall: Option<f64>) -> Vec<String> {
    let ok = cell.ok_runs().count();
    let wall = cell.median(|r| ns(r.wall_ns));
    let status = match (ok, cell.skips().first()) {
        (0, Some(reason)) => reason.to_string(),
        _ => format!("{ok}/{}", cell.runs.len()),
    };
    vec![
        cell.key.workload.clone(),
        cell.key.collector.clone(),
        if is_peer { "peer" } else { "gclab" }.to_string(),
        status,
        opt(wall, duration_ns),
        opt(wall.zip(fastest_wall).map(|(w, best)| w / best), |r| {
            format!("{r:.2}x")
        }),
        opt(cell.median(|r| ns(r.gc_ns)), duration_ns),
        opt(cell.median(|r| ns(r.pauses)), count),
        opt(cell.median(|r| ns(r.pause_p99_ns)), duration_ns),
        opt(
            cell.values(|r| ns(r.pause_max_ns))
                .into_iter()
                .reduce(f64::max),
            duration_ns,
        ),
        opt(cell.median(|r| ns(r.objects_freed)), count),
        opt(cell.median(|r| ns(r.objects_leaked)), count),
    ]
}

/// The peers beside gclab's collectors, per workload at the default heap, with each median
/// wall time as a multiple of the fastest subject's on that workload. Peers are the rows whose
/// collector is not in the registry, so the table needs nothing but the CSV. Empty when the
/// result set has no peer rows.
pub fn peers_table(set: &ResultSet) -> String {
    let gclab = crate::registry::registry().names();
    let is_peer = |name: &str| !gclab.contains(&name);
    if !set.runs.iter().any(|r| is_peer(&r.collector)) {
        return String::new();
    }
    let all: Vec<Cell> = cells(&set.runs)
        .into_iter()
        .filter(|c| c.key.heap_multiple_milli.is_none())
        .collect();
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|cell| {
            let fastest = all
                .iter()
                .filter(|c| c.key.workload == cell.key.workload)
                .filter_map(|c| c.median(|r| ns(r.wall_ns)))
                .reduce(f64::min);
            peer_row(cell, is_peer(&cell.key.collector), fastest)
        })
        .collect();
    markdown_table(PEERS_HEADER, &rows)
}

/// The subdirectory of a result directory that holds a separate peers run, whose table the
/// directory's README shows (the default matrix runs no peers: CPython alone takes minutes).
pub const PEERS_SUBDIR: &str = "peers";

const PEERS_INTRO: &str = "The same workloads, seeds and parameters on existing memory managers \
     (`gclab run --peers`), beside gclab's collectors in the same run: medians of successful \
     runs; *wall / fastest*: median wall time over the fastest subject's on that workload (1.00x \
     is the fastest). Peer counts are checked exactly against the workload's expectations; \
     *leaked*: garbage still allocated after the final full collection, as for gclab's \
     collectors (cycles, for `rc`). Peers report no heap bytes or scanned counts, and CPython's \
     RSS is not measured. CPython replays the workload's trace compiled into Python functions \
     (one call per repeated run of operations, one per operation where the trace does not \
     repeat, as in random-graph; see `peers/README.md`). Compare like with like: `cycle` has \
     CPython 3.11's thresholds (700, 10, 10) and pairs with `cpython-3.11`; `cycle-313` has \
     3.13's (2000, 10, 10), which 3.14 keeps, and pairs with `cpython-3.13` and `cpython-3.14` \
     (3.14.5 on: the incremental collector of 3.14.0-3.14.4 is in no package archive any more, \
     so no peer runs it).\n\n";

/// The CPython interpreters a run's plan used (`runs.json`'s `parameters.interpreters`), one
/// sentence; empty when it used none or the record predates them.
fn interpreters_line(runs_json: &serde_json::Value) -> String {
    let Some(list) = runs_json["parameters"]["interpreters"].as_array() else {
        return String::new();
    };
    let described: Vec<String> = list
        .iter()
        .map(|i| {
            let thresholds: Vec<String> = i["thresholds"]
                .as_array()
                .map(|t| t.iter().map(|v| v.to_string()).collect())
                .unwrap_or_default();
            format!(
                "`{}` is Python {} (`{}`), gc.get_threshold() ({})",
                i["peer"].as_str().unwrap_or("?"),
                i["version"].as_str().unwrap_or("?"),
                i["path"].as_str().unwrap_or("?"),
                thresholds.join(", ")
            )
        })
        .collect();
    if described.is_empty() {
        return String::new();
    }
    format!("CPython interpreters: {}.\n\n", described.join("; "))
}

/// The README's peers section: this set's peer rows, or else those of the peers run in
/// `dir/peers/` (with its command and a link to its charts); empty when there are neither.
/// `runs_json` is this set's record (it names the CPython interpreters a peers run used).
fn peers_section(set: &ResultSet, runs_json: &serde_json::Value, dir: &Path) -> String {
    let own = peers_table(set);
    if !own.is_empty() {
        let interpreters = interpreters_line(runs_json);
        return format!("\n## Peers\n\n{PEERS_INTRO}{interpreters}{own}");
    }
    let sub = dir.join(PEERS_SUBDIR);
    if !sub.join(crate::results::RUNS_CSV).exists()
        && !sub.join(crate::results::manifest::MANIFEST_JSON).exists()
    {
        return String::new();
    }
    let peer_set = match open_checked(&sub) {
        Ok(checked) => checked,
        Err(_) => {
            return format!(
                "\n## Peers\n\nThe peers run in [`{PEERS_SUBDIR}/`]({PEERS_SUBDIR}/) is not a complete \
                 result set: regenerate it (see the top-level README) and run `gclab plot` here.\n"
            )
        }
    };
    let table = peers_table(&peer_set.set);
    if table.is_empty() {
        return String::new();
    }
    let command = peer_set.runs_json["provenance"]["command"]
        .as_str()
        .unwrap_or("unknown")
        .to_string();
    let interpreters = interpreters_line(&peer_set.runs_json);
    format!(
        "\n## Peers\n\nFrom the separate peers run in [`{PEERS_SUBDIR}/`]({PEERS_SUBDIR}/README.md) \
         (its charts, pauses and provenance are there), made with `{command}`. \
         {PEERS_INTRO}{interpreters}{table}"
    )
}

fn provenance_section(json: &serde_json::Value) -> String {
    let p = &json["provenance"];
    let field = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "unknown".into(),
        other => other.to_string(),
    };
    let params = &json["parameters"];
    let dirty = match (&p["git_dirty"], &p["dirty_allowed"]) {
        (serde_json::Value::Bool(true), serde_json::Value::Bool(true)) => {
            " (with uncommitted changes, accepted by --allow-dirty)"
        }
        (serde_json::Value::Bool(true), _) => " (with uncommitted changes)",
        _ => "",
    };
    let shard = match (&params["shard"]["index"], &params["shard"]["count"]) {
        (serde_json::Value::Number(k), serde_json::Value::Number(n)) => format!(
            "- shard {k}/{n} of the plan: a share of its runs (join the shards with `gclab merge`)\n"
        ),
        _ => String::new(),
    };
    format!(
        "{shard}- date: {}\n- git revision: {}{}\n- compiler: {}\n- CPU: {} ({} cores, {})\n- command: `{}`\n- seeds: {}, repeats: {}, small presets: {}, per-run timeout: {} s, memory budget: {} MiB\n",
        field(&p["date"]),
        field(&p["git_revision"]),
        dirty,
        field(&p["rustc"]),
        field(&p["cpu_model"]),
        field(&p["cores"]),
        field(&p["os"]),
        field(&p["command"]),
        field(&params["seeds"]),
        field(&params["repeat"]),
        field(&params["small"]),
        field(&params["timeout_secs"]),
        params["memory_budget"].as_u64().map_or_else(|| "?".into(), |b| mib(b as f64)),
    )
}

/// A parameter sweep's medians for `workload`: one row per (collector, value); empty
/// outside a sweep.
fn sweep_table(set: &ResultSet, workload: &str) -> String {
    use crate::charts::param_sweep::{cells_by_value, sweep_rows, SWEEP_METRICS};
    let Some((name, values, rows)) = sweep_rows(set, workload) else {
        return String::new();
    };
    let cells = cells(&rows);
    let collectors =
        crate::aggregate::in_order_of_appearance(rows.iter().map(|r| r.collector.as_str()));
    let mut table = Vec::new();
    for collector in &collectors {
        for (_, cell) in cells_by_value(&cells, &values, collector) {
            let value = crate::sweep::split_row_sweep(&cell.key.sweep).map_or("", |(_, v)| v);
            let mut row = vec![collector.clone(), value.to_string()];
            row.push(format!("{}/{}", cell.ok_runs().count(), cell.runs.len()));
            row.extend(
                SWEEP_METRICS
                    .iter()
                    .map(|&(_, _, _, metric)| opt(cell.median(metric), significant)),
            );
            table.push(row);
        }
    }
    let mut header = vec!["collector", name.as_str(), "ok"];
    header.extend(SWEEP_METRICS.iter().map(|&(_, _, column, _)| column));
    format!("\n{}", markdown_table(&header, &table))
}

/// Each distinct (name, parameters) of the rows, as a markdown list: `key` picks the name
/// and the parameters (workload or collector); empty ones (`{}`, none) are left out.
fn distinct_params<'a>(
    set: &'a ResultSet,
    key: impl Fn(&'a RunRow) -> (&'a str, &'a str),
) -> String {
    let mut out = String::new();
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for row in &set.runs {
        let (name, params) = key(row);
        if !params.is_empty() && params != "{}" && !seen.contains(&(name, params)) {
            seen.push((name, params));
            let _ = writeln!(out, "- `{name}`: `{params}`");
        }
    }
    out
}

/// The README of a result directory `dir` whose `runs.json` is `runs_json`.
pub fn readme(
    set: &ResultSet,
    charts: &ChartIndex,
    runs_json: &serde_json::Value,
    dir: &Path,
) -> String {
    let mut out = String::new();
    out.push_str("# gclab results\n\n");
    out.push_str(&provenance_section(runs_json));
    let _ = write!(
        out,
        "\nFiles: `runs.csv` (one row per run), `curves.csv` (per-run pause quantiles and MMU \
         curves, from the full timeline, and the charted heap line: one line per curve, its x \
         and y values as space-separated lists), `runs.json` (rows, one line per run, \
         parameters, provenance), `charts/` (SVG and PNG), `manifest.json` (every file's size \
         and checksum, the revision and the plan's fingerprint). Regenerated by `gclab run` and \
         not committed: `pauses.csv` (one row per pause; a run with more than {} pauses keeps its \
         longest, see `pauses_logged`) and `heap.csv` (heap samples). Regenerate charts and this \
         file with `gclab plot --from <dir>`.\n\n",
        crate::measure::MAX_LOGGED_PAUSES
    );
    out.push_str("## Summary\n\n");
    out.push_str(
        "Medians over seeds and repeats of successful runs (max pause: the maximum). *throughput*: \
         fastest median wall time / this one. *MMU w*: minimum mutator utilisation over windows of \
         width w (0 when a pause is at least w long; a window longer than the run is clamped to \
         the run, giving 1 - GC fraction). *LBO*: wall time / the lowest (wall - GC time) \
         of any collector on the same work (Cai et al. 2022; NoGC included where it ran). *freed*: \
         objects freed by the end of the run, including by the final full collection that runs \
         after the clock stops to check the counts (so a run with no timed pause can show freed \
         objects). *leaked*: \
         unreachable objects still allocated after that collection (oracle). *scanned*: \
         objects the collector examined, a noise-free work count. *reserved*: bytes held from \
         the system (arenas and large objects) after that collection, and their ratio to the \
         bytes in use then (pymalloc keeps an arena while any object in it lives).\n\n",
    );
    out.push_str(&summary_table(set));
    out.push_str(&crate::marksweep_report::section(set));
    out.push_str(&crate::incremental_report::section(set));
    out.push_str(&peers_section(set, runs_json, dir));
    let failed = failures(set);
    if !failed.is_empty() {
        out.push_str("\n## Failed runs\n\n");
        out.push_str(&failed);
    }
    let skips = skipped(set);
    if !skips.is_empty() {
        out.push_str("\n## Skipped runs\n\n");
        out.push_str(&skips);
    }
    if let Some(stem) = &charts.throughput {
        let _ = write!(out, "\n## Throughput\n\n![throughput]({stem}.png)\n");
    }
    if let Some(stem) = &charts.lateness {
        let _ = write!(
            out,
            "\n## Memory lateness\n\n![memory lateness]({stem}.png)\n"
        );
    }
    for (workload, drawn) in &charts.per_workload {
        let _ = write!(out, "\n## {workload}\n\n");
        for (title, stem) in drawn {
            let _ = writeln!(out, "![{workload}: {title}]({stem}.png)");
        }
        out.push_str(&sweep_table(set, workload));
    }
    out.push_str("\n## Workload parameters\n\n");
    out.push_str(&distinct_params(set, |r| (&r.workload, &r.params)));
    let collectors = distinct_params(set, |r| (&r.collector, &r.collector_params));
    if !collectors.is_empty() {
        out.push_str("\n## Collector parameters\n\n");
        out.push_str(&collectors);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::RunRow;

    fn row(collector: &str, status: &str, wall_ns: Option<u64>) -> RunRow {
        RunRow {
            collector: collector.into(),
            workload: "seed-cycles".into(),
            status: status.into(),
            wall_ns,
            ..RunRow::default()
        }
    }

    fn set(runs: Vec<RunRow>) -> ResultSet {
        ResultSet {
            runs,
            pauses: Default::default(),
            heap: Default::default(),
            curves: Default::default(),
        }
    }

    #[test]
    fn peers_table_puts_peers_beside_collectors_with_ratios_and_skips_are_not_failures() {
        let with_peers = set(vec![
            row("marksweep", "ok", Some(100)),
            row("cpython-3.11", "ok", Some(300)),
            row("dumpster", "skipped: python3 not found", None),
        ]);
        let table = peers_table(&with_peers);
        assert!(
            table.contains("| seed-cycles | marksweep | gclab | 1/1 |"),
            "{table}"
        );
        assert!(table.contains("| 1.00x |"), "{table}");
        assert!(table.contains("| cpython-3.11 | peer | 1/1 |"), "{table}");
        assert!(table.contains("| 3.00x |"), "{table}");
        assert!(
            table.contains("| dumpster | peer | skipped: python3 not found |"),
            "{table}"
        );
        assert_eq!(failures(&with_peers), "");
        assert!(skipped(&with_peers).contains("dumpster on seed-cycles"));
    }

    #[test]
    fn a_readme_without_peer_rows_shows_the_peers_run_in_its_subdirectory() {
        let dir = std::env::temp_dir().join(format!("gclab-peers-sub-{}", std::process::id()));
        let sub = dir.join(PEERS_SUBDIR);
        std::fs::create_dir_all(&sub).unwrap();
        let own = set(vec![row("marksweep", "ok", Some(100))]);
        let none = serde_json::Value::Null;
        assert_eq!(peers_section(&own, &none, &dir), "", "no peers run yet");
        let peer_rows = vec![
            row("marksweep", "ok", Some(100)),
            row("cpython-3.11", "ok", Some(400)),
        ];
        let mut tx = crate::results::transaction::SetTransaction::begin(&sub, false).unwrap();
        let summary = crate::results::manifest::FileRole::Summary;
        let runs = crate::results::csv_bytes(&peer_rows).unwrap();
        tx.write(crate::results::RUNS_CSV, summary, &runs).unwrap();
        let curves = crate::results::csv_bytes::<crate::results::CurveRow>(&[]).unwrap();
        tx.write(crate::results::CURVES_CSV, summary, &curves)
            .unwrap();
        let json =
            br#"{"provenance": {"command": "gclab run --peers"}, "parameters": {"interpreters": [
            {"peer": "cpython-3.13", "path": "/p/python3.13", "version": "3.13.18",
             "thresholds": [2000, 10, 10]}]}}"#;
        tx.write(crate::results::RUNS_JSON, summary, json).unwrap();
        tx.commit(crate::results::transaction::ManifestHead {
            revision: None,
            dirty: None,
            plan_fingerprint: "0".into(),
            plan: serde_json::Value::Null,
            ..Default::default()
        })
        .unwrap();
        let section = peers_section(&own, &none, &dir);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(section.contains("(peers/README.md)"), "{section}");
        assert!(
            section.contains(
                "`cpython-3.13` is Python 3.13.18 (`/p/python3.13`), gc.get_threshold() (2000, 10, 10)."
            ),
            "{section}"
        );
        assert!(
            section.contains("`cycle-313` has 3.13's (2000, 10, 10)"),
            "{section}"
        );
        assert!(section.contains("`gclab run --peers`"), "{section}");
        assert!(
            section.contains("| cpython-3.11 | peer | 1/1 | 400 ns | 4.00x |"),
            "{section}"
        );
    }

    #[test]
    fn no_peer_rows_no_peers_table() {
        assert_eq!(peers_table(&set(vec![row("marksweep", "ok", Some(1))])), "");
    }
}
