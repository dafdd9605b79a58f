//! Executes a [`Plan`]: every cell in a child process, with a progress bar, then the results
//! files, charts and README.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::child::{run_child, ChildRequest};
use crate::heap_search::min_heap;
use crate::metrics::assign_lbo;
use crate::plan::Plan;
use crate::provenance::Provenance;
use crate::results::{
    atomic_write, write_csv, HeapSampleRow, PauseRow, RunRow, CURVES_CSV, HEAP_CSV, PAUSES_CSV,
    RUNS_CSV, RUNS_JSON,
};

/// One cell of the matrix.
#[derive(Clone, Debug)]
struct Cell {
    request: ChildRequest,
    repeat: u32,
    heap_multiple: Option<f64>,
    /// Why the cell cannot run (no minimum heap to multiply).
    unrunnable: Option<String>,
}

/// The minimum heap found for one (collector, workload), or why there is none.
#[derive(Clone, Debug, Serialize)]
pub struct MinHeap {
    /// Collector.
    pub collector: String,
    /// Workload.
    pub workload: String,
    /// Smallest heap limit (bytes) at which the run completed, if found.
    pub bytes: Option<u64>,
    /// Why not, if not.
    pub error: Option<String>,
}

/// `runs.json`.
#[derive(Serialize)]
struct RunsJson<'a> {
    provenance: &'a Provenance,
    parameters: &'a Plan,
    min_heaps: &'a [MinHeap],
    runs: &'a [RunRow],
}

fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} ETA {eta} {msg}")
            .expect("static template is valid")
            .progress_chars("=> "),
    );
    bar
}

fn request(
    plan: &Plan,
    collector: &str,
    workload: &str,
    seed: u64,
    limit: Option<u64>,
) -> ChildRequest {
    ChildRequest {
        collector: collector.to_string(),
        peer: false,
        workload: workload.to_string(),
        small: plan.small,
        sets: plan.sets_for(workload),
        seed,
        heap_limit: limit.or(Some(plan.memory_budget)),
    }
}

/// Plans the cells. Repeats are the outer loop so slow drift of a shared machine spreads
/// over every collector instead of landing on one.
fn cells(plan: &Plan, min_heaps: &[MinHeap]) -> Vec<Cell> {
    let mut cells = Vec::new();
    for repeat in 0..plan.repeat {
        for workload in &plan.workload_names {
            for seed in 0..plan.seeds {
                for collector in &plan.collectors {
                    if plan.heap_multiples.is_empty() {
                        cells.push(Cell {
                            request: request(plan, collector, workload, seed, None),
                            repeat,
                            heap_multiple: None,
                            unrunnable: None,
                        });
                        continue;
                    }
                    let found = min_heaps
                        .iter()
                        .find(|m| &m.collector == collector && &m.workload == workload);
                    for &multiple in &plan.heap_multiples {
                        let limit = found
                            .and_then(|m| m.bytes)
                            .map(|b| (b as f64 * multiple).ceil() as u64);
                        cells.push(Cell {
                            request: request(plan, collector, workload, seed, limit),
                            repeat,
                            heap_multiple: Some(multiple),
                            unrunnable: match (limit, found.and_then(|m| m.error.as_ref())) {
                                (Some(_), _) => None,
                                (None, Some(e)) => Some(format!("no minimum heap: {e}")),
                                (None, None) => Some("no minimum heap".to_string()),
                            },
                        });
                    }
                }
                // Peers run without a heap limit (they do not take one), once per seed even
                // in a heap-size sweep.
                for peer in &plan.peers {
                    cells.push(Cell {
                        request: ChildRequest {
                            peer: true,
                            heap_limit: None,
                            ..request(plan, peer, workload, seed, None)
                        },
                        repeat,
                        heap_multiple: None,
                        unrunnable: None,
                    });
                }
            }
        }
    }
    cells
}

/// Runs the whole plan and writes every results file. Returns the rows.
pub fn run_plan(plan: &Plan) -> Result<Vec<RunRow>, String> {
    std::fs::create_dir_all(&plan.out)
        .map_err(|e| format!("cannot create {}: {e}", plan.out.display()))?;
    let provenance = Provenance::collect();
    let timeout = Duration::from_secs_f64(plan.timeout_secs);
    let started = Instant::now();

    let mut min_heaps = Vec::new();
    if !plan.heap_multiples.is_empty() {
        let searches = (plan.collectors.len() * plan.workload_names.len()) as u64;
        let bar = progress_bar(searches);
        bar.set_message("searching minimum heaps");
        for workload in &plan.workload_names {
            for collector in &plan.collectors {
                let template = request(plan, collector, workload, 0, None);
                let result = min_heap(&template, timeout, plan.memory_budget);
                min_heaps.push(MinHeap {
                    collector: collector.clone(),
                    workload: workload.clone(),
                    bytes: result.as_ref().ok().copied(),
                    error: result.err(),
                });
                bar.inc(1);
            }
        }
        bar.finish_and_clear();
    }

    let cells = cells(plan, &min_heaps);
    let bar = progress_bar(cells.len() as u64);
    let mut rows = Vec::with_capacity(cells.len());
    let mut pause_rows = Vec::new();
    let mut heap_rows = Vec::new();
    let mut curve_rows = Vec::new();
    for (id, cell) in cells.iter().enumerate() {
        bar.set_message(format!(
            "{} {}",
            cell.request.collector, cell.request.workload
        ));
        let outcome = match &cell.unrunnable {
            Some(reason) => cell.request.failed(reason.clone()),
            None => run_child(&cell.request, timeout),
        };
        let mut row = outcome.row;
        row.run_id = id as u64;
        row.repeat = cell.repeat;
        row.heap_multiple = cell.heap_multiple;
        row.heap_limit = cell.request.heap_limit;
        if let Some(params) = plan.workload_params.get(&cell.request.workload) {
            row.params = params.to_string();
        }
        if bar.is_hidden() {
            // No terminal (CI, redirected): one plain line per run instead of a bar.
            eprintln!(
                "[{}/{}] {} {} seed {} repeat {}: {}{}",
                id + 1,
                cells.len(),
                row.collector,
                row.workload,
                row.seed,
                row.repeat,
                row.status,
                row.wall_ns
                    .map(|w| format!(" ({})", crate::units::duration_ns(w as f64)))
                    .unwrap_or_default()
            );
        } else if row.is_skipped() {
            bar.println(format!(
                "note: {} {} seed {}: {}",
                row.collector, row.workload, row.seed, row.status
            ));
        } else if !row.is_ok() {
            bar.println(format!(
                "run {id} {} {} seed {}: {}",
                row.collector, row.workload, row.seed, row.status
            ));
        }
        pause_rows.extend(outcome.pauses.iter().map(|p| PauseRow::new(row.run_id, p)));
        heap_rows.extend(outcome.heap_samples.iter().map(|s| HeapSampleRow {
            run_id: row.run_id,
            t_ns: s.t_ns,
            bytes_in_use: s.bytes_in_use,
        }));
        curve_rows.extend(outcome.curves.rows(row.run_id));
        rows.push(row);
        bar.inc(1);
    }
    bar.finish_and_clear();
    assign_lbo(&mut rows);

    let dir = &plan.out;
    write_csv(&dir.join(RUNS_CSV), &rows)?;
    write_csv(&dir.join(PAUSES_CSV), &pause_rows)?;
    write_csv(&dir.join(HEAP_CSV), &heap_rows)?;
    write_csv(&dir.join(CURVES_CSV), &curve_rows)?;
    let json = RunsJson {
        provenance: &provenance,
        parameters: plan,
        min_heaps: &min_heaps,
        runs: &rows,
    };
    let text = serde_json::to_string_pretty(&json).map_err(|e| e.to_string())?;
    atomic_write(&dir.join(RUNS_JSON), text.as_bytes())
        .map_err(|e| format!("{}: {e}", dir.join(RUNS_JSON).display()))?;
    let failed = rows.iter().filter(|r| r.is_failed()).count();
    let skipped = rows.iter().filter(|r| r.is_skipped()).count();
    eprintln!(
        "{} runs ({} failed{}) in {:.1} s; results in {}",
        rows.len(),
        failed,
        if skipped > 0 {
            format!(", {skipped} skipped")
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64(),
        dir.display()
    );
    Ok(rows)
}
