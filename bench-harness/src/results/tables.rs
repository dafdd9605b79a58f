//! Reading and writing the CSV tables of a result directory.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{atomic_write, CurveRow, HeapSampleRow, PauseRow, RunCurves, RunRow};
use crate::metrics::Pause;

/// One row per run.
pub const RUNS_CSV: &str = "runs.csv";
/// One row per pause (raw: regenerated, not committed).
pub const PAUSES_CSV: &str = "pauses.csv";
/// Heap samples (raw: regenerated, not committed).
pub const HEAP_CSV: &str = "heap.csv";
/// Per-run pause quantiles, MMU curves and charted heap lines.
pub const CURVES_CSV: &str = "curves.csv";
/// Rows plus provenance.
pub const RUNS_JSON: &str = "runs.json";

/// `rows` as CSV text with a header.
pub fn csv_bytes<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, String> {
    let mut writer = csv::WriterBuilder::new()
        .has_headers(true)
        .from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).map_err(|e| e.to_string())?;
    }
    writer.into_inner().map_err(|e| e.to_string())
}

/// Serialises `rows` as CSV (with a header) and writes it atomically.
pub fn write_csv<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), String> {
    let bytes = csv_bytes(rows).map_err(|e| format!("{}: {e}", path.display()))?;
    atomic_write(path, &bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Parses CSV text written by [`csv_bytes`].
pub fn parse_csv<T: DeserializeOwned>(bytes: &[u8]) -> Result<Vec<T>, String> {
    csv::Reader::from_reader(bytes)
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| e.to_string())
}

/// Reads every row of a CSV file written by [`write_csv`].
pub fn read_csv<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_csv(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Everything a result directory's CSV files hold, indexed by run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResultSet {
    /// Every run, in run-id order.
    pub runs: Vec<RunRow>,
    /// Each run's logged pauses (empty where `pauses.csv` is absent).
    pub pauses: BTreeMap<u64, Vec<Pause>>,
    /// Each run's heap samples as (ns, bytes) (empty where `heap.csv` is absent).
    pub heap: BTreeMap<u64, Vec<(u64, u64)>>,
    /// Each run's curves.
    pub curves: BTreeMap<u64, RunCurves>,
}

impl ResultSet {
    /// The set made of these rows and curve lines; an error names a curve line whose x and y
    /// lists differ in length.
    pub fn from_rows(runs: Vec<RunRow>, curve_rows: &[CurveRow]) -> Result<ResultSet, String> {
        let mut curves: BTreeMap<u64, RunCurves> = BTreeMap::new();
        for row in curve_rows {
            curves.entry(row.run_id).or_default().push(row)?;
        }
        Ok(ResultSet {
            runs,
            curves,
            ..ResultSet::default()
        })
    }
}

/// Reads `runs.csv` and `curves.csv` from `dir`, and `pauses.csv` and `heap.csv` where
/// present (they are regenerated, not committed, so a fresh clone lacks them).
pub fn read_results(dir: &Path) -> Result<ResultSet, String> {
    let runs: Vec<RunRow> = read_csv(&dir.join(RUNS_CSV))?;
    let curve_rows: Vec<CurveRow> = read_csv(&dir.join(CURVES_CSV))?;
    let mut set = ResultSet::from_rows(runs, &curve_rows)
        .map_err(|e| format!("{}: {e}", dir.join(CURVES_CSV).display()))?;
    if dir.join(PAUSES_CSV).exists() {
        for row in read_csv::<PauseRow>(&dir.join(PAUSES_CSV))? {
            set.pauses.entry(row.run_id).or_default().push(row.pause());
        }
    }
    if dir.join(HEAP_CSV).exists() {
        for row in read_csv::<HeapSampleRow>(&dir.join(HEAP_CSV))? {
            set.heap
                .entry(row.run_id)
                .or_default()
                .push((row.t_ns, row.bytes_in_use));
        }
    }
    Ok(set)
}
