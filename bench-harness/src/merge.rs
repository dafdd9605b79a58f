//! `gclab merge`: the shards of one plan (`run --shard K/N`) joined into the set one `run` of
//! that plan writes.
//!
//! Each shard must be a complete set (its manifest checks out) marked as shard K/N; all must
//! share the shard count, revision, parameters and fingerprint, and together hold every K
//! from 0 to N-1 exactly once. The plan is read back from the first shard's manifest and its
//! fingerprint recomputed, so a shard from a gclab that numbers cells differently is refused,
//! and each shard must hold exactly the runs its share gives it. The union of the rows then
//! goes through the writer `run` uses ([`stage_run_set`]); only what depends on runs of
//! other shards is recomputed: lower-bound overhead and which run draws the heap chart.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::metrics::assign_lbo;
use crate::plan::Plan;
use crate::provenance::Provenance;
use crate::results::checked::check_runs_csv;
use crate::results::manifest::{verify, Manifest};
use crate::results::transaction::SetTransaction;
use crate::results::{
    read_csv, CurveRow, HeapSampleRow, PauseRow, ResultSet, RunRow, CURVES_CSV, HEAP_CSV,
    PAUSES_CSV, RUNS_CSV, RUNS_JSON,
};
use crate::runner::{cells, MinHeap, RunData};
use crate::set_writer::stage_run_set;
use crate::shard::{cells_of, Shard};

/// Why a merge failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MergeError {
    /// A shard is missing, foreign, given twice, incomplete or damaged, or `--out` cannot be
    /// replaced: bad input.
    Refused(String),
    /// Writing failed.
    Failed(String),
}

/// One shard as read from its folder.
struct ShardSet {
    dir: PathBuf,
    manifest: Manifest,
    shard: Shard,
    rows: Vec<RunRow>,
    curves: Vec<CurveRow>,
    pauses: Vec<PauseRow>,
    heap: Vec<HeapSampleRow>,
    provenance: Provenance,
    min_heaps: Vec<MinHeap>,
}

/// The plan's parameters as they must agree across shards: without the folder and shard.
fn parameters(manifest: &Manifest) -> serde_json::Value {
    let mut plan = manifest.plan.clone();
    if let Some(map) = plan.as_object_mut() {
        map.remove("out");
        map.remove("shard");
    }
    plan
}

fn read_shard(dir: &Path) -> Result<ShardSet, String> {
    let manifest = verify(dir)?;
    if manifest.merged_from.is_some() {
        return Err(format!(
            "{}: a merged set, not a shard: merge the shards it came from",
            dir.display()
        ));
    }
    let Some(shard) = manifest.shard else {
        return Err(format!(
            "{}: not a shard (written by `gclab run` without --shard)",
            dir.display()
        ));
    };
    let runs = std::fs::read(dir.join(RUNS_CSV))
        .map_err(|e| format!("cannot read {}: {e}", dir.join(RUNS_CSV).display()))?;
    let rows = check_runs_csv(dir, &runs)?;
    for raw in [PAUSES_CSV, HEAP_CSV] {
        // Without them the merged set's raw tables would silently lack this shard's runs.
        if !dir.join(raw).exists() {
            return Err(format!(
                "{}: {raw} is absent (a copy without raw files?): merge the shards as `run` \
                 wrote them",
                dir.display()
            ));
        }
    }
    let json_path = dir.join(RUNS_JSON);
    let json: serde_json::Value = std::fs::read_to_string(&json_path)
        .map_err(|e| format!("cannot read {}: {e}", json_path.display()))
        .and_then(|t| {
            serde_json::from_str(&t)
                .map_err(|e| format!("{}: corrupt, not JSON: {e}", json_path.display()))
        })?;
    let field = |name: &str| json.get(name).cloned().unwrap_or(serde_json::Value::Null);
    let provenance: Provenance = serde_json::from_value(field("provenance"))
        .map_err(|e| format!("{}: bad provenance: {e}", json_path.display()))?;
    let min_heaps: Vec<MinHeap> = serde_json::from_value(field("min_heaps"))
        .map_err(|e| format!("{}: bad min_heaps: {e}", json_path.display()))?;
    Ok(ShardSet {
        dir: dir.to_path_buf(),
        shard,
        rows,
        curves: read_csv(&dir.join(CURVES_CSV))?,
        pauses: read_csv(&dir.join(PAUSES_CSV))?,
        heap: read_csv(&dir.join(HEAP_CSV))?,
        provenance,
        min_heaps,
        manifest,
    })
}

/// Checks that `shards` come from one plan and hold each share once; returns the plan.
fn check_one_plan(shards: &[ShardSet]) -> Result<Plan, String> {
    let first = &shards[0];
    let count = first.shard.count;
    for s in &shards[1..] {
        let (a, b) = (s.dir.display(), first.dir.display());
        if s.shard.count != count {
            return Err(format!(
                "{a} is shard {} but {b} is one of {count}: shards of different splits",
                s.shard
            ));
        }
        if s.manifest.revision != first.manifest.revision {
            return Err(format!(
                "{a}: from another plan: measured at revision {}, {b} at {}",
                s.manifest.revision.as_deref().unwrap_or("unknown"),
                first.manifest.revision.as_deref().unwrap_or("unknown")
            ));
        }
        if parameters(&s.manifest) != parameters(&first.manifest) {
            return Err(format!(
                "{a}: from another plan: its parameters differ from those of {b}"
            ));
        }
        if s.manifest.plan_fingerprint != first.manifest.plan_fingerprint {
            return Err(format!(
                "{a}: from another plan: fingerprint {}, {b} has {}",
                s.manifest.plan_fingerprint, first.manifest.plan_fingerprint
            ));
        }
    }
    let mut given: BTreeMap<u32, &Path> = BTreeMap::new();
    for s in shards {
        if let Some(other) = given.insert(s.shard.index, &s.dir) {
            return Err(format!(
                "shard {} given twice: {} and {}",
                s.shard,
                other.display(),
                s.dir.display()
            ));
        }
    }
    let missing: Vec<String> = (0..count)
        .filter(|k| !given.contains_key(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing shard{} {} (given {} of {count})",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            given.len()
        ));
    }
    let mut plan: Plan = serde_json::from_value(first.manifest.plan.clone())
        .map_err(|e| format!("{}: its plan cannot be read: {e}", first.dir.display()))?;
    plan.shard = None;
    let revision = first.manifest.revision.as_deref();
    if plan.fingerprint(revision) != first.manifest.plan_fingerprint {
        return Err(format!(
            "{}: its plan does not give its fingerprint (written by another gclab version?)",
            first.dir.display()
        ));
    }
    let all = cells(&plan, &[]);
    for s in shards {
        let expected: Vec<u64> = cells_of(&all, s.shard)
            .into_iter()
            .map(|i| i as u64)
            .collect();
        let held: Vec<u64> = s.rows.iter().map(|r| r.run_id).collect();
        if held != expected {
            return Err(format!(
                "{}: shard {} holds {} runs, not the {} of its share: damaged shard",
                s.dir.display(),
                s.shard,
                held.len(),
                expected.len()
            ));
        }
    }
    Ok(plan)
}

/// The runs whose heap line the chart draws: the first successful default-heap run of each
/// (workload, collector) in run order, as the runner picks them in a whole run.
fn charted_runs(rows: &[RunRow]) -> BTreeSet<u64> {
    let mut seen = BTreeSet::new();
    rows.iter()
        .filter(|r| {
            r.is_ok()
                && r.heap_multiple.is_none()
                && seen.insert((r.workload.clone(), r.collector.clone()))
        })
        .map(|r| r.run_id)
        .collect()
}

/// The union of the shards' tables as one run of `plan` would have produced them.
fn union(plan: &Plan, shards: Vec<ShardSet>) -> RunData {
    let mut data = RunData::default();
    let mut min_heaps: Vec<MinHeap> = Vec::new();
    for s in shards {
        data.rows.extend(s.rows);
        data.curve_rows.extend(s.curves);
        data.pause_rows.extend(s.pauses);
        data.heap_rows.extend(s.heap);
        for m in s.min_heaps {
            if !min_heaps
                .iter()
                .any(|h| h.collector == m.collector && h.workload == m.workload)
            {
                min_heaps.push(m);
            }
        }
    }
    // Stable sorts: each run's own lines keep their order.
    data.rows.sort_by_key(|r| r.run_id);
    data.curve_rows.sort_by_key(|r| r.run_id);
    data.pause_rows.sort_by_key(|r| r.run_id);
    data.heap_rows.sort_by_key(|r| r.run_id);
    let charted = charted_runs(&data.rows);
    data.curve_rows
        .retain(|c| !c.curve.is_heap_line() || charted.contains(&c.run_id));
    assign_lbo(&mut data.rows);
    // In the order a whole run searches them: workloads, then collectors.
    let rank = |m: &MinHeap| {
        (
            plan.workload_names.iter().position(|w| *w == m.workload),
            plan.collectors.iter().position(|c| *c == m.collector),
        )
    };
    min_heaps.sort_by_key(rank);
    data.min_heaps = min_heaps;
    data
}

/// Merges the shards in `dirs` into `out` (replaced as one transaction; a folder holding
/// other files only with `force`). Returns the merged set's tables.
pub fn merge(dirs: &[PathBuf], out: &Path, force: bool) -> Result<ResultSet, MergeError> {
    let target = crate::provenance::real_path(out);
    if let Some(dir) = dirs
        .iter()
        .find(|d| crate::provenance::real_path(d) == target)
    {
        return Err(MergeError::Refused(format!(
            "--out {} is one of the shards ({}): write the merged set elsewhere",
            out.display(),
            dir.display()
        )));
    }
    let shards = dirs
        .iter()
        .map(|d| read_shard(d))
        .collect::<Result<Vec<_>, _>>()
        .map_err(MergeError::Refused)?;
    if shards.is_empty() {
        return Err(MergeError::Refused("no shards given".to_string()));
    }
    let mut plan = check_one_plan(&shards).map_err(MergeError::Refused)?;
    plan.out = out.to_path_buf();
    let count = shards[0].shard.count;
    let mut provenance = shards[0].provenance.clone();
    if shards.iter().any(|s| s.provenance.git_dirty == Some(true)) {
        provenance.git_dirty = Some(true);
    }
    provenance.command = std::env::args().collect::<Vec<_>>().join(" ");
    let data = union(&plan, shards);
    let mut tx = SetTransaction::begin(out, force).map_err(MergeError::Refused)?;
    let (set, mut head) =
        stage_run_set(&mut tx, &plan, &data, &provenance).map_err(MergeError::Failed)?;
    head.merged_from = Some(count);
    tx.commit(head).map_err(MergeError::Failed)?;
    Ok(set)
}
