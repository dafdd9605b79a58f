//! Opening a result set for `plot` and `compare`: the manifest must check out, `runs.csv`
//! must have its full header and at least one run, and `runs.json` must be JSON. Each
//! refusal is one line naming the set and the problem.

use std::path::Path;

use super::manifest::{verify, Manifest};
use super::{csv_bytes, parse_csv, read_results, ResultSet, RunRow, RUNS_CSV, RUNS_JSON};

/// A result set that passed every check.
#[derive(Clone, Debug)]
pub struct CheckedSet {
    /// Its manifest.
    pub manifest: Manifest,
    /// Its tables.
    pub set: ResultSet,
    /// `runs.json`, parsed.
    pub runs_json: serde_json::Value,
}

/// The header line `runs.csv` must start with.
fn runs_header() -> String {
    let bytes = csv_bytes(&[RunRow::default()]).unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

/// Columns added to `runs.csv` after result sets were first committed. A set written before
/// them lacks them and reads with them empty, so an older committed set (results/peers, say)
/// still plots and compares; every other column must be there.
const ADDED_COLUMNS: [&str; 14] = [
    "collector_params",
    "baseline_objects",
    "sweep",
    "unreachable_mean_bytes",
    "unreachable_peak_bytes",
    "counters",
    "reserved_bytes",
    "in_use_bytes",
    "reserved_ratio",
    "auto_pause_max_ns",
    "host_steal_ns",
    "platform_sampled_ns",
    "platform_max_stall_ns",
    "platform_stalls_over_1ms",
];

/// Checks `runs.csv`'s text: a header of gclab's columns (all of them, or all but some added
/// later: [`ADDED_COLUMNS`]) and at least one row.
pub fn check_runs_csv(dir: &Path, bytes: &[u8]) -> Result<Vec<RunRow>, String> {
    let path = dir.join(RUNS_CSV);
    let text = String::from_utf8_lossy(bytes);
    let expected = runs_header();
    let known: Vec<&str> = expected.split(',').collect();
    let header = text.lines().next().map(str::trim_end).unwrap_or_default();
    let columns: Vec<&str> = header.split(',').collect();
    let complete = known
        .iter()
        .all(|c| columns.contains(c) || ADDED_COLUMNS.contains(c));
    if !complete || columns.iter().any(|c| !known.contains(c)) {
        return Err(format!(
            "{}: empty or truncated (its header is not gclab's runs.csv header)",
            path.display()
        ));
    }
    let rows: Vec<RunRow> = parse_csv(bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    if rows.is_empty() {
        return Err(format!("{}: no runs in it", path.display()));
    }
    Ok(rows)
}

/// Opens the set in `dir` after every check.
pub fn open_checked(dir: &Path) -> Result<CheckedSet, String> {
    let manifest = verify(dir)?;
    let runs_path = dir.join(RUNS_CSV);
    let bytes = std::fs::read(&runs_path)
        .map_err(|e| format!("cannot read {}: {e}", runs_path.display()))?;
    check_runs_csv(dir, &bytes)?;
    let json_path = dir.join(RUNS_JSON);
    let runs_json = std::fs::read_to_string(&json_path)
        .map_err(|e| format!("cannot read {}: {e}", json_path.display()))
        .and_then(|t| {
            serde_json::from_str::<serde_json::Value>(&t)
                .map_err(|e| format!("{}: corrupt, not JSON: {e}", json_path.display()))
        })?;
    if !runs_json.is_object() {
        return Err(format!(
            "{}: corrupt, not a JSON object",
            json_path.display()
        ));
    }
    let set = read_results(dir)?;
    Ok(CheckedSet {
        manifest,
        set,
        runs_json,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row written without the added columns, as an older gclab wrote it.
    fn without_added_columns() -> Vec<u8> {
        let row = RunRow {
            collector: "cycle".into(),
            workload: "dll-churn".into(),
            status: "ok".into(),
            objects_freed: Some(7),
            ..RunRow::default()
        };
        let text = String::from_utf8(csv_bytes(&[row]).unwrap()).unwrap();
        let mut lines = text.lines().map(|l| l.split(',').collect::<Vec<_>>());
        let header = lines.next().unwrap();
        let keep: Vec<usize> = (0..header.len())
            .filter(|&i| !ADDED_COLUMNS.contains(&header[i]))
            .collect();
        let mut out = String::new();
        for line in std::iter::once(header).chain(lines) {
            let kept: Vec<&str> = keep.iter().map(|&i| line[i]).collect();
            out.push_str(&kept.join(","));
            out.push('\n');
        }
        out.into_bytes()
    }

    #[test]
    fn a_set_from_before_the_added_columns_reads_with_them_empty() {
        let rows = check_runs_csv(Path::new("old"), &without_added_columns()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].objects_freed, Some(7));
        assert_eq!((rows[0].reserved_bytes, rows[0].sweep.as_str()), (None, ""));
    }

    #[test]
    fn a_header_missing_an_original_column_or_with_a_foreign_one_is_refused() {
        let old = String::from_utf8(without_added_columns()).unwrap();
        let missing = old.replacen("workload,", "", 1);
        let foreign = old.replacen("workload,", "workload,extra,", 1);
        for text in [missing, foreign] {
            let err = check_runs_csv(Path::new("bad"), text.as_bytes()).unwrap_err();
            assert!(err.contains("not gclab's runs.csv header"), "{err}");
        }
    }
}
