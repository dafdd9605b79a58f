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

/// Checks `runs.csv`'s text: the whole header and at least one row.
pub fn check_runs_csv(dir: &Path, bytes: &[u8]) -> Result<Vec<RunRow>, String> {
    let path = dir.join(RUNS_CSV);
    let text = String::from_utf8_lossy(bytes);
    if text.lines().next().map(str::trim_end) != Some(runs_header().as_str()) {
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
