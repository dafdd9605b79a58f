//! The results files: one row per run (`runs.csv`), one per pause (`pauses.csv`), heap
//! samples (`heap.csv`), per-run curves (`curves.csv`) and `runs.json` with provenance; all
//! written atomically.

mod atomic;
mod rows;
mod tables;

pub use atomic::{atomic_write, atomic_write_with};
pub use rows::{
    CurveKind, CurveRow, HeapSample, HeapSampleRow, PauseRow, RunCurves, RunOutcome, RunRow,
};
pub use tables::{
    read_csv, read_results, write_csv, ResultSet, CURVES_CSV, HEAP_CSV, PAUSES_CSV, RUNS_CSV,
    RUNS_JSON,
};
