//! Reading and writing the CSV tables of a result directory.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{atomic_write, CurveRow, HeapSampleRow, PauseRow, RunCurves, RunRow};
use crate::metrics::Pause;

/// One row per run.
pub const RUNS_CSV: &str = "runs.csv";
/// One row per pause.
pub const PAUSES_CSV: &str = "pauses.csv";
/// Heap samples.
pub const HEAP_CSV: &str = "heap.csv";
/// Per-run pause quantiles and MMU curves.
pub const CURVES_CSV: &str = "curves.csv";
/// Rows plus provenance.
pub const RUNS_JSON: &str = "runs.json";

/// Serialises `rows` as CSV (with a header) and writes it atomically.
pub fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), String> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(true)
        .from_writer(Vec::new());
    for row in rows {
        writer
            .serialize(row)
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    atomic_write(path, &bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads every row of a CSV file written by [`write_csv`].
pub fn read_csv<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, String> {
    let mut reader =
        csv::Reader::from_path(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    reader
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Everything a result directory's CSV files hold, indexed by run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultSet {
    /// Every run, in run-id order.
    pub runs: Vec<RunRow>,
    /// Each run's pauses.
    pub pauses: BTreeMap<u64, Vec<Pause>>,
    /// Each run's heap samples as (ns, bytes).
    pub heap: BTreeMap<u64, Vec<(u64, u64)>>,
    /// Each run's curves.
    pub curves: BTreeMap<u64, RunCurves>,
}

/// Reads `runs.csv`, `pauses.csv`, `curves.csv` and (if present) `heap.csv` from `dir`.
pub fn read_results(dir: &Path) -> Result<ResultSet, String> {
    let runs: Vec<RunRow> = read_csv(&dir.join(RUNS_CSV))?;
    let mut pauses: BTreeMap<u64, Vec<Pause>> = BTreeMap::new();
    for row in read_csv::<PauseRow>(&dir.join(PAUSES_CSV))? {
        pauses.entry(row.run_id).or_default().push(row.pause());
    }
    let mut heap: BTreeMap<u64, Vec<(u64, u64)>> = BTreeMap::new();
    if dir.join(HEAP_CSV).exists() {
        for row in read_csv::<HeapSampleRow>(&dir.join(HEAP_CSV))? {
            heap.entry(row.run_id)
                .or_default()
                .push((row.t_ns, row.bytes_in_use));
        }
    }
    let mut curves: BTreeMap<u64, RunCurves> = BTreeMap::new();
    for row in read_csv::<CurveRow>(&dir.join(CURVES_CSV))? {
        curves.entry(row.run_id).or_default().push(&row);
    }
    Ok(ResultSet {
        runs,
        pauses,
        heap,
        curves,
    })
}
