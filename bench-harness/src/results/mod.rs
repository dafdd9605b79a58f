//! The results files: one row per run (`runs.csv`), one per pause (`pauses.csv`), heap
//! samples (`heap.csv`), per-run curves (`curves.csv`), `runs.json` with provenance and
//! `manifest.json`; a set is written as one transaction ([`transaction`]) and read only after
//! its manifest checks out ([`manifest::verify`]).

mod atomic;
pub mod checked;
pub mod manifest;
mod rows;
mod tables;
pub mod transaction;

pub use atomic::{atomic_write, atomic_write_with};
pub use rows::{
    CurveKind, CurveRow, HeapSample, HeapSampleRow, NumberList, PauseRow, RunCurves, RunOutcome,
    RunRow,
};
pub use tables::{
    csv_bytes, parse_csv, read_csv, read_results, write_csv, ResultSet, CURVES_CSV, HEAP_CSV,
    PAUSES_CSV, RUNS_CSV, RUNS_JSON,
};
