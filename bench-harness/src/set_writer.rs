//! Writes a whole result set through a [`SetTransaction`]: the tables, `runs.json`, the
//! charts and the README of a finished run ([`stage_run_set`]), or the charts and README
//! redrawn from a checked set's own tables ([`replot`]). Charts and README are made from
//! the CSV text just written, so `plot --from` reproduces them exactly.

use std::path::Path;

use serde::Serialize;

use crate::charts::render_all;
use crate::plan::Plan;
use crate::provenance::Provenance;
use crate::report::readme;
use crate::results::checked::open_checked;
use crate::results::manifest::FileRole;
use crate::results::transaction::{ManifestHead, SetTransaction};
use crate::results::{
    csv_bytes, parse_csv, CurveRow, ResultSet, RunRow, CURVES_CSV, HEAP_CSV, PAUSES_CSV, RUNS_CSV,
    RUNS_JSON,
};
use crate::runner::RunData;

/// The README's file name.
pub const README_MD: &str = "README.md";

/// `runs.json`: the provenance, the plan and the minimum heaps pretty-printed, then the runs,
/// one line each, so a refresh's diff has a line per run rather than forty.
fn runs_json_text(
    provenance: &impl Serialize,
    plan: &impl Serialize,
    min_heaps: &impl Serialize,
    runs: &[RunRow],
) -> Result<String, String> {
    fn pretty(value: &impl Serialize) -> Result<String, String> {
        let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
        Ok(text.replace('\n', "\n  "))
    }
    let mut text = format!(
        "{{\n  \"provenance\": {},\n  \"parameters\": {},\n  \"min_heaps\": {},\n  \"runs\": [",
        pretty(provenance)?,
        pretty(plan)?,
        pretty(min_heaps)?
    );
    for (i, run) in runs.iter().enumerate() {
        text.push_str(if i == 0 { "\n    " } else { ",\n    " });
        text.push_str(&serde_json::to_string(run).map_err(|e| e.to_string())?);
    }
    text.push_str(if runs.is_empty() {
        "]\n}\n"
    } else {
        "\n  ]\n}\n"
    });
    Ok(text)
}

/// Draws the charts and the README of `set` into the transaction.
fn stage_charts_and_readme(
    tx: &mut SetTransaction,
    set: &ResultSet,
    runs_json: &serde_json::Value,
) -> Result<(), String> {
    let (index, files) = render_all(set)?;
    for (path, bytes) in &files {
        tx.write(path, FileRole::Summary, bytes)?;
    }
    let text = readme(set, &index, runs_json, tx.target());
    tx.write(README_MD, FileRole::Summary, text.as_bytes())
}

/// Writes every file of a finished run into the transaction; returns the set as read back
/// from the written tables and what the manifest records besides the files.
pub fn stage_run_set(
    tx: &mut SetTransaction,
    plan: &Plan,
    data: &RunData,
    provenance: &Provenance,
) -> Result<(ResultSet, ManifestHead), String> {
    let runs = csv_bytes(&data.rows)?;
    tx.write(RUNS_CSV, FileRole::Summary, &runs)?;
    tx.write(PAUSES_CSV, FileRole::Raw, &csv_bytes(&data.pause_rows)?)?;
    tx.write(HEAP_CSV, FileRole::Raw, &csv_bytes(&data.heap_rows)?)?;
    let curves = csv_bytes(&data.curve_rows)?;
    tx.write(CURVES_CSV, FileRole::Summary, &curves)?;
    let text = runs_json_text(provenance, plan, &data.min_heaps, &data.rows)?;
    tx.write(RUNS_JSON, FileRole::Summary, text.as_bytes())?;

    let rows: Vec<RunRow> = parse_csv(&runs)?;
    let curve_rows: Vec<CurveRow> = parse_csv(&curves)?;
    let set = ResultSet::from_rows(rows, &curve_rows)?;
    let runs_json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    stage_charts_and_readme(tx, &set, &runs_json)?;
    let revision = provenance.git_revision.clone();
    let head = ManifestHead {
        plan_fingerprint: plan.fingerprint(revision.as_deref()),
        revision,
        dirty: provenance.git_dirty,
        plan: serde_json::to_value(plan).map_err(|e| e.to_string())?,
        shard: plan.shard,
        merged_from: None,
    };
    Ok((set, head))
}

/// Why `plot` failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlotError {
    /// The folder is not a complete, consistent set (or cannot be replaced): bad input.
    Refused(String),
    /// Writing failed.
    Failed(String),
}

/// Redraws every chart and the README of the set in `dir` from its own tables, as one
/// transaction: the tables are carried over, the charts and README replaced.
pub fn replot(dir: &Path, force: bool) -> Result<ResultSet, PlotError> {
    let checked = open_checked(dir).map_err(PlotError::Refused)?;
    let mut tx = SetTransaction::begin(dir, force).map_err(PlotError::Refused)?;
    for entry in &checked.manifest.files {
        if entry.path == README_MD || entry.path.starts_with("charts/") {
            continue;
        }
        let from = dir.join(&entry.path);
        if from.exists() {
            tx.adopt(&entry.path, entry.role, &from)
                .map_err(PlotError::Failed)?;
        } else {
            // A raw file absent from a fresh clone stays listed as what the run produced.
            tx.record_absent(entry.clone());
        }
    }
    stage_charts_and_readme(&mut tx, &checked.set, &checked.runs_json)
        .map_err(PlotError::Failed)?;
    let m = &checked.manifest;
    tx.commit(ManifestHead {
        revision: m.revision.clone(),
        dirty: m.dirty,
        plan_fingerprint: m.plan_fingerprint.clone(),
        plan: m.plan.clone(),
        shard: m.shard,
        merged_from: m.merged_from,
    })
    .map_err(PlotError::Failed)?;
    Ok(checked.set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_json_is_the_same_json_with_one_line_per_run() {
        let run = |id: u64| RunRow {
            run_id: id,
            collector: "nogc".into(),
            workload: "seed-cycles".into(),
            status: "ok".into(),
            gc_ns: Some(id * 10),
            ..RunRow::default()
        };
        let provenance = serde_json::json!({"git_revision": "abc", "cores": 2});
        let plan = serde_json::json!({"collectors": ["nogc"], "nested": {"repeat": 5}});
        let min_heaps = serde_json::json!([]);
        for runs in [vec![], vec![run(0)], vec![run(0), run(1), run(2)]] {
            let text = runs_json_text(&provenance, &plan, &min_heaps, &runs).unwrap();
            let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
            let expected = serde_json::json!({
                "provenance": provenance,
                "parameters": plan,
                "min_heaps": min_heaps,
                "runs": runs,
            });
            assert_eq!(parsed, expected);
            let run_lines = text.lines().filter(|l| l.contains("\"run_id\"")).count();
            assert_eq!(run_lines, runs.len(), "{text}");
        }
    }
}
