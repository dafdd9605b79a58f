//! Executes a [`Plan`]: every cell in a child process, with a progress bar; the rows,
//! pauses, samples and curves are handed back for [`crate::set_writer`] to write.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::charts::{heap_line, reserved_line};
use crate::child::{run_child, ChildRequest};
use crate::console::errln;
use crate::heap_search::min_heap;
use crate::metrics::assign_lbo;
use crate::plan::Plan;
use crate::platform_stalls::PlainLoop;
use crate::results::{CurveRow, HeapSampleRow, PauseRow, RunCurves, RunRow};
use crate::signals::Interrupts;
use crate::test_hooks::abort_at;

/// How long the plain loop of [`crate::platform_stalls`] runs before each run: long enough
/// to catch a busy host's stalls (several a second at worst on the VMs this was measured on),
/// a few percent of a default run's time.
pub const PLATFORM_SAMPLE: Duration = Duration::from_millis(100);
/// The same for `--quick` runs, which are themselves a few milliseconds.
pub const PLATFORM_SAMPLE_SMALL: Duration = Duration::from_millis(5);

/// One cell of the matrix.
#[derive(Clone, Debug)]
pub struct Cell {
    /// What the child runs.
    pub request: ChildRequest,
    /// Repeat number.
    pub repeat: u32,
    /// Heap multiple of a sweep.
    pub heap_multiple: Option<f64>,
    /// Why the cell cannot run (no minimum heap to multiply).
    pub unrunnable: Option<String>,
    /// The swept parameter's value (`owner.param=value`) in a sweep.
    pub sweep: Option<String>,
}

/// The minimum heap found for one (collector, workload), or why there is none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
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

/// Everything a finished plan measured.
#[derive(Clone, Debug, Default)]
pub struct RunData {
    /// One row per cell, in cell order.
    pub rows: Vec<RunRow>,
    /// Logged pauses of every run.
    pub pause_rows: Vec<PauseRow>,
    /// Heap samples of every run.
    pub heap_rows: Vec<HeapSampleRow>,
    /// Curves of every run.
    pub curve_rows: Vec<CurveRow>,
    /// Minimum heaps of a sweep.
    pub min_heaps: Vec<MinHeap>,
    /// Seconds the plan took.
    pub seconds: f64,
}

/// Why a plan did not finish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted {
    /// The signal that stopped it.
    pub signal: i32,
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
        collector_sets: plan
            .collector_sets
            .get(collector)
            .cloned()
            .unwrap_or_default(),
        seed,
        heap_limit: limit.or(Some(plan.memory_budget)),
        baseline_objects: plan.baseline_objects,
        python: None,
    }
}

/// Plans the cells. Repeats are the outer loop so slow drift of a shared machine spreads
/// over every collector instead of landing on one.
pub fn cells(plan: &Plan, min_heaps: &[MinHeap]) -> Vec<Cell> {
    let mut cells = Vec::new();
    let values: Vec<Option<&String>> = match &plan.sweep {
        Some(sweep) => sweep.values.iter().map(Some).collect(),
        None => vec![None],
    };
    for repeat in 0..plan.repeat {
        for workload in &plan.workload_names {
            for seed in 0..plan.seeds {
                for value in &values {
                    collector_cells(plan, min_heaps, workload, seed, repeat, *value, &mut cells);
                }
                // Peers run without a heap limit (they do not take one), once per seed even
                // in a heap-size sweep or a parameter sweep.
                for peer in &plan.peers {
                    cells.push(Cell {
                        request: ChildRequest {
                            peer: true,
                            heap_limit: None,
                            collector_sets: Vec::new(),
                            python: plan.python_for(peer),
                            ..request(plan, peer, workload, seed, None)
                        },
                        repeat,
                        heap_multiple: None,
                        unrunnable: None,
                        sweep: None,
                    });
                }
            }
        }
    }
    cells
}

/// The cells of every collector for one (workload, seed, repeat) and sweep value: one each,
/// or one per heap multiple.
fn collector_cells(
    plan: &Plan,
    min_heaps: &[MinHeap],
    workload: &str,
    seed: u64,
    repeat: u32,
    value: Option<&String>,
    cells: &mut Vec<Cell>,
) {
    for collector in &plan.collectors {
        let mut base = request(plan, collector, workload, seed, None);
        let sweep = plan.sweep.as_ref().zip(value).map(|(sweep, value)| {
            if sweep.owner == workload {
                base.sets.push((sweep.param.clone(), value.clone()));
            } else if &sweep.owner == collector {
                base.collector_sets
                    .push((sweep.param.clone(), value.clone()));
            }
            format!("{}.{}={value}", sweep.owner, sweep.param)
        });
        if plan.heap_multiples.is_empty() {
            cells.push(Cell {
                request: base,
                repeat,
                heap_multiple: None,
                unrunnable: None,
                sweep,
            });
            continue;
        }
        let found = min_heaps
            .iter()
            .find(|m| &m.collector == collector && m.workload == workload);
        for &multiple in &plan.heap_multiples {
            let limit = found
                .and_then(|m| m.bytes)
                .map(|b| (b as f64 * multiple).ceil() as u64);
            cells.push(Cell {
                request: ChildRequest {
                    heap_limit: limit.or(Some(plan.memory_budget)),
                    ..base.clone()
                },
                repeat,
                heap_multiple: Some(multiple),
                unrunnable: match (limit, found.and_then(|m| m.error.as_ref())) {
                    (Some(_), _) => None,
                    (None, Some(e)) => Some(format!("no minimum heap: {e}")),
                    (None, None) => Some("no minimum heap".to_string()),
                },
                sweep: sweep.clone(),
            });
        }
    }
}

/// The indices of the cells this run measures: all of them, or its shard's.
pub fn selected_cells(plan: &Plan) -> Vec<usize> {
    let all = cells(plan, &[]);
    match plan.shard {
        Some(shard) => crate::shard::cells_of(&all, shard),
        None => (0..all.len()).collect(),
    }
}

/// Runs the whole plan (or its shard), or stops at the first cell after a signal. Prints one line per run
/// when stderr is not a terminal.
pub fn run_plan(plan: &Plan, interrupts: &Interrupts) -> Result<RunData, Interrupted> {
    let timeout = Duration::from_secs_f64(plan.timeout_secs);
    let started = Instant::now();
    let stop = || interrupts.signal().map(|signal| Interrupted { signal });

    let selected = selected_cells(plan);
    let mut min_heaps = Vec::new();
    if !plan.heap_multiples.is_empty() {
        // A shard searches only the minimum heaps its own cells multiply.
        let all = cells(plan, &[]);
        let needed = |collector: &str, workload: &str| {
            selected.iter().any(|&i| {
                let r = &all[i].request;
                !r.peer && r.collector == collector && r.workload == workload
            })
        };
        let pairs: Vec<(&String, &String)> = plan
            .workload_names
            .iter()
            .flat_map(|w| plan.collectors.iter().map(move |c| (w, c)))
            .filter(|(w, c)| needed(c, w))
            .collect();
        let bar = progress_bar(pairs.len() as u64);
        bar.set_message("searching minimum heaps");
        for (workload, collector) in pairs {
            let template = request(plan, collector, workload, 0, None);
            let result = min_heap(&template, timeout, plan.memory_budget, interrupts);
            if let Some(stopped) = stop() {
                bar.finish_and_clear();
                return Err(stopped);
            }
            min_heaps.push(MinHeap {
                collector: collector.clone(),
                workload: workload.clone(),
                bytes: result.as_ref().ok().copied(),
                error: result.err(),
            });
            bar.inc(1);
        }
        bar.finish_and_clear();
    }

    let cells = cells(plan, &min_heaps);
    let bar = progress_bar(selected.len() as u64);
    let mut data = RunData {
        rows: Vec::with_capacity(selected.len()),
        ..RunData::default()
    };
    let mut charted = BTreeSet::new();
    let mut plain_loop = PlainLoop::new();
    let platform_sample = if plan.small {
        PLATFORM_SAMPLE_SMALL
    } else {
        PLATFORM_SAMPLE
    };
    for (position, &id) in selected.iter().enumerate() {
        let cell = &cells[id];
        bar.set_message(format!(
            "{} {}",
            cell.request.collector, cell.request.workload
        ));
        // The platform's stalls just before the run, from this (otherwise idle) process, so
        // the reports can set each workload's pauses beside what the machine did meanwhile.
        let platform = (cell.unrunnable.is_none() && !cell.request.peer)
            .then(|| plain_loop.sample(platform_sample));
        let outcome = match &cell.unrunnable {
            Some(reason) => cell.request.failed(reason.clone()),
            None => run_child(&cell.request, timeout, interrupts),
        };
        if let Some(stopped) = stop() {
            bar.finish_and_clear();
            return Err(stopped);
        }
        let mut row = outcome.row;
        // The plan's cell index, in a shard too: the shards' rows, pauses and curves then
        // merge by a plain union, and a merged set numbers its runs as one run would.
        row.run_id = id as u64;
        row.repeat = cell.repeat;
        row.heap_multiple = cell.heap_multiple;
        row.heap_limit = cell.request.heap_limit;
        row.baseline_objects = (!cell.request.peer).then_some(cell.request.baseline_objects);
        // The plan's parameters for rows a child could not fill (a swept value's are the
        // child's own).
        if let Some(params) = plan.workload_params.get(&cell.request.workload) {
            if row.params.is_empty() || cell.sweep.is_none() {
                row.params = params.to_string();
            }
        }
        if let Some(params) = plan.collector_params.get(&cell.request.collector) {
            if row.collector_params.is_empty() {
                row.collector_params = params.to_string();
            }
        }
        row.sweep = cell.sweep.clone().unwrap_or_default();
        if let Some(sample) = platform {
            row.platform_sampled_ns = Some(sample.sampled_ns);
            row.platform_max_stall_ns = Some(sample.max_stall_ns);
            row.platform_stalls_over_1ms = Some(sample.stalls_over_1ms);
        }
        if bar.is_hidden() {
            // No terminal (CI, redirected): one plain line per run instead of a bar.
            errln(&format!(
                "[{}/{}] {} {} seed {} repeat {}: {}{}",
                position + 1,
                selected.len(),
                row.collector,
                row.workload,
                row.seed,
                row.repeat,
                row.status,
                row.wall_ns
                    .map(|w| format!(" ({})", crate::units::duration_ns(w as f64)))
                    .unwrap_or_default()
            ));
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
        let samples: Vec<(u64, u64)> = outcome
            .heap_samples
            .iter()
            .map(|s| (s.t_ns, s.bytes_in_use))
            .collect();
        let mut curves = outcome.curves;
        // The heap chart draws the first successful default-heap run of each (workload,
        // collector); its line goes into curves.csv so the chart needs no raw file.
        if row.is_ok()
            && row.heap_multiple.is_none()
            && charted.insert((row.workload.clone(), row.collector.clone()))
        {
            curves.heap = heap_line(&samples, &outcome.pauses);
            curves.heap_reserved = reserved_line(&outcome.heap_samples);
        } else {
            curves.heap.clear();
            curves.heap_reserved.clear();
        }
        data.pause_rows
            .extend(outcome.pauses.iter().map(|p| PauseRow::new(row.run_id, p)));
        data.heap_rows
            .extend(outcome.heap_samples.iter().map(|s| HeapSampleRow {
                run_id: row.run_id,
                t_ns: s.t_ns,
                bytes_in_use: s.bytes_in_use,
                bytes_reserved: s.bytes_reserved,
            }));
        data.curve_rows.extend(RunCurves::rows(&curves, row.run_id));
        data.rows.push(row);
        bar.inc(1);
        abort_at("running");
    }
    bar.finish_and_clear();
    assign_lbo(&mut data.rows);
    data.min_heaps = min_heaps;
    data.seconds = started.elapsed().as_secs_f64();
    Ok(data)
}
