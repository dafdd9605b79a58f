//! One measured run in this process: time the workload, record every pause through gc-core's
//! events, then check the object counts against the workload's expectations.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Instant;

use gc_core::{Collector, GcControl, GcEvent, HeapConfig, Mutator, Phase, Runtime};
use workloads::Workload;

use crate::metrics::{pause_quantiles, pause_summary, standard_windows, Pause, Timeline};
use crate::results::{RunCurves, RunOutcome, RunRow};
use crate::sampler::Sampled;

const MS: u64 = 1_000_000;

/// Pauses a run hands back for `pauses.csv`. Reference counting can pause millions of times
/// (one cascade per dropped structure); beyond this many only the longest are logged. Every
/// metric and curve is computed from the complete timeline first.
pub const MAX_LOGGED_PAUSES: usize = 5_000;

/// The longest `limit` pauses, in time order.
fn longest(mut pauses: Vec<Pause>, limit: usize) -> Vec<Pause> {
    if pauses.len() <= limit {
        return pauses;
    }
    pauses.select_nth_unstable_by_key(limit - 1, |p| std::cmp::Reverse(p.duration_ns()));
    pauses.truncate(limit);
    pauses.sort_unstable_by_key(|p| p.start_ns);
    pauses
}

/// The pause log a subscriber fills while the clock runs.
struct PauseLog {
    origin: Instant,
    recording: bool,
    /// Raised by [`Sampled`] while the workload's `gc.collect()` runs.
    requested: Rc<Cell<bool>>,
    open: Option<(Instant, u64)>,
    pauses: Vec<Pause>,
}

impl PauseLog {
    fn on_event(&mut self, event: &GcEvent) {
        if !self.recording {
            return;
        }
        let since = |at: Instant| at.saturating_duration_since(self.origin).as_nanos() as u64;
        match event.phase {
            Phase::Start => self.open = Some((event.at, event.heap_before)),
            Phase::Stop => {
                let (start, heap_before) =
                    self.open.take().unwrap_or((event.at, event.heap_before));
                self.pauses.push(Pause {
                    start_ns: since(start),
                    end_ns: since(event.at),
                    kind: event.kind.into(),
                    generation: event.generation,
                    heap_before,
                    heap_after: event.heap_after,
                    freed: event.counts.freed,
                    requested: self.requested.get(),
                });
            }
        }
    }
}

/// Peak resident set size of this process (VmHWM), read from /proc; `None` elsewhere.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The time the hypervisor has taken from this machine's CPUs since boot (the `steal` column
/// of /proc/stat's `cpu` line, all CPUs together), in ns; `None` where there is no /proc/stat.
/// On a shared VM a guest thread cannot tell this time from its own (it counts as the
/// thread's CPU time, with no context switch), so the harness records how much of it fell
/// inside each timed run. The kernel samples it at its tick and counts it in 10 ms units, so
/// a steal of a few milliseconds may not show: a run with steal had its times stretched by
/// the host, a run without may still have had a short stall.
pub fn host_steal_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: u64 = cpu.split_whitespace().nth(8)?.parse().ok()?;
    // /proc/stat counts in USER_HZ, which the kernel's ABI fixes at 100 on x86 and arm64
    // whatever tick rate it was built with.
    const USER_HZ: u64 = 100;
    Some(ticks.saturating_mul(1_000_000_000 / USER_HZ))
}

/// Fills `row`'s timing metrics (wall, GC time, pause percentiles, MMU) from a run's complete
/// pause timeline, and returns the pauses to log (the longest [`MAX_LOGGED_PAUSES`]) with
/// the run's curves. Shared by gclab's collectors and the peers so both are measured alike.
pub fn record_timeline(
    row: &mut RunRow,
    pauses: Vec<Pause>,
    wall_ns: u64,
) -> (Vec<Pause>, RunCurves) {
    let summary = pause_summary(&pauses);
    row.wall_ns = Some(wall_ns);
    row.gc_ns = Some(summary.total_ns);
    row.mutator_ns = Some(wall_ns.saturating_sub(summary.total_ns));
    row.pauses = Some(summary.count);
    row.pause_p50_ns = Some(summary.p50_ns);
    row.pause_p90_ns = Some(summary.p90_ns);
    row.pause_p99_ns = Some(summary.p99_ns);
    row.pause_max_ns = Some(summary.max_ns);
    row.auto_pause_max_ns = Some(
        pauses
            .iter()
            .filter(|p| !p.requested)
            .map(Pause::duration_ns)
            .max()
            .unwrap_or(0),
    );
    let timeline = Timeline::new(&pauses, wall_ns);
    row.mmu_1ms = Some(timeline.mmu(MS));
    row.mmu_10ms = Some(timeline.mmu(10 * MS));
    row.mmu_100ms = Some(timeline.mmu(100 * MS));
    let windows: Vec<u64> = standard_windows()
        .into_iter()
        .filter(|&w| w <= wall_ns)
        .chain(std::iter::once(wall_ns))
        .collect();
    let curves = RunCurves {
        pause_quantiles: pause_quantiles(&pauses),
        mmu: windows.iter().map(|&w| (w, timeline.mmu(w))).collect(),
        heap: Vec::new(),
        heap_reserved: Vec::new(),
    };
    let pauses = longest(pauses, MAX_LOGGED_PAUSES);
    row.pauses_logged = Some(pauses.len() as u64);
    (pauses, curves)
}

/// Runs `workload` with `seed` on a collector `make` builds, fresh (heap limited to
/// `heap_limit` bytes if given, started with `baseline_objects` long-lived objects:
/// [`Runtime::add_baseline`]), and measures it; `make` builds a second one for the untimed
/// lateness replay. Never panics on a failed run: failures are the row's status.
///
/// The baseline is built before the clock starts and before pauses are recorded; the
/// row's object and byte counts and its scanned count are the workload's (the baseline's
/// allocations and its one collection subtracted), so they stay comparable with its
/// expectations. The baseline's memory is live throughout, so it is in the heap figures.
pub fn measure<C: Collector>(
    make: impl Fn() -> C,
    workload: &Workload,
    seed: u64,
    heap_limit: Option<u64>,
    baseline_objects: u64,
) -> RunOutcome {
    let collector = make();
    let mut row = RunRow {
        collector: collector.name().to_string(),
        workload: workload.name().to_string(),
        seed,
        params: workload.params_json().to_string(),
        heap_limit,
        baseline_objects: Some(baseline_objects),
        status: "ok".to_string(),
        ..RunRow::default()
    };
    let config = HeapConfig {
        heap_limit: heap_limit.map(|b| b as usize),
        ..HeapConfig::default()
    };
    let mut runtime = match Runtime::new(config, collector) {
        Ok(rt) => rt,
        Err(e) => {
            row.fail(e);
            return RunOutcome {
                row,
                ..RunOutcome::default()
            };
        }
    };
    if let Err(e) = runtime.add_baseline(baseline_objects) {
        row.fail(format_args!("baseline objects: {e}"));
        return RunOutcome {
            row,
            ..RunOutcome::default()
        };
    }
    let baseline = runtime.heap_stats();
    let baseline_scanned = runtime.objects_scanned();
    // Read outside the clock: /proc/stat is a file read.
    let steal_before = host_steal_ns();
    let origin = Instant::now();
    let requested = Rc::new(Cell::new(false));
    let log = Rc::new(RefCell::new(PauseLog {
        origin,
        recording: true,
        requested: Rc::clone(&requested),
        open: None,
        pauses: Vec::new(),
    }));
    let subscriber = Rc::clone(&log);
    let subscription = runtime.add_callback(Box::new(move |e: &GcEvent| {
        subscriber.borrow_mut().on_event(e)
    }));

    let mut sampled = Sampled::new(&mut runtime, origin).flagging_requests(requested);
    let result = workload.run(&mut sampled, seed);
    let wall_ns = origin.elapsed().as_nanos() as u64;
    row.host_steal_ns = steal_before
        .zip(host_steal_ns())
        .map(|(before, after)| after.saturating_sub(before));
    let heap_samples = sampled.finish();
    log.borrow_mut().recording = false;
    runtime.remove_callback(subscription);
    let pauses = std::mem::take(&mut log.borrow_mut().pauses);
    if let Err(e) = result {
        row.fail(e);
    }

    let (pauses, curves) = record_timeline(&mut row, pauses, wall_ns);
    row.objects_scanned = Some(runtime.objects_scanned().saturating_sub(baseline_scanned));
    row.counters = runtime
        .collector()
        .counters()
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(";");

    let expected = workload.expectations();
    let during = runtime.heap_stats();
    let allocated = during.total_allocated - baseline.total_allocated;
    row.objects_allocated = Some(allocated);
    row.bytes_allocated = Some(during.total_bytes_allocated - baseline.total_bytes_allocated);
    if row.is_ok() && allocated != expected.allocated {
        row.fail(format_args!(
            "allocated {allocated} objects, the workload expects {}",
            expected.allocated
        ));
    }
    // The check collection runs after the clock stopped: it is verification, not workload.
    if let Err(e) = runtime.collect(None) {
        row.fail(format_args!("final collection: {e}"));
    }
    let after = runtime.heap_stats();
    row.objects_freed = Some(after.total_freed);
    row.peak_heap_bytes = Some(after.peak_bytes_in_use);
    row.peak_heap_held_bytes = Some(after.peak_bytes_held);
    row.set_reserved(after.bytes_held, after.bytes_in_use);
    let should_remain = expected.allocated_after_full_collection(runtime.capabilities().reclaims);
    // A collector that freed baseline objects shows as too few in use, not as a panic.
    let in_use = after.objects_in_use.saturating_sub(baseline_objects);
    if row.is_ok() && in_use != should_remain {
        row.fail(format_args!(
            "{in_use} objects in use after a full collection (baseline objects excluded), \
             expected {should_remain}"
        ));
    }
    match runtime.leak_report() {
        Ok(report) => row.objects_leaked = Some(report.objects),
        Err(e) => row.fail(format_args!("oracle: {e}")),
    }
    row.peak_rss_bytes = peak_rss_bytes();
    // Untimed, after everything the clock saw (the replay's memory is not in the RSS).
    if row.is_ok() {
        if let Some(l) =
            crate::lateness::measure(make(), workload, seed, heap_limit, baseline_objects)
        {
            row.unreachable_mean_bytes = Some(l.mean_bytes);
            row.unreachable_peak_bytes = Some(l.peak_bytes);
        }
    }
    RunOutcome {
        row,
        pauses,
        heap_samples,
        curves,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use workloads::Size;

    #[test]
    fn nogc_run_counts_match_and_it_leaks_everything() {
        let w = Workload::parse("seed-cycles", Size::Small, &[]).unwrap();
        let out = measure(|| gc_core::NoGc, &w, 1, None, 0);
        let expected = w.expectations();
        assert_eq!(out.row.status, "ok");
        assert_eq!(out.row.objects_allocated, Some(expected.allocated));
        assert_eq!(out.row.objects_freed, Some(0));
        assert_eq!(out.row.objects_leaked, Some(expected.allocated));
        assert!(out.pauses.iter().all(|p| p.freed == 0));
        assert!(out.heap_samples.len() >= 2);
    }

    #[test]
    fn pauses_inside_the_programs_gc_collect_are_requested_and_the_rest_are_not() {
        let registry = crate::registry::registry();
        // seed-cycles (small) under the CPython-faithful collector: 2,000 pairs make five
        // automatic generation-0 collections, then the workload's one gc.collect().
        let w = Workload::parse("seed-cycles", Size::Small, &[]).unwrap();
        let out = registry
            .get("cycle")
            .unwrap()
            .measure(&[], &w, 1, None, 0)
            .unwrap();
        let requested: Vec<bool> = out.pauses.iter().map(|p| p.requested).collect();
        assert_eq!(requested, [false, false, false, false, false, true]);
        let automatic_max = out.pauses[..5].iter().map(Pause::duration_ns).max();
        assert_eq!(out.row.auto_pause_max_ns, automatic_max);
        // gc-traversal (small) allocates too little to start anything: its three explicit
        // collections are every pause of a tracing collector.
        let w = Workload::parse("gc-traversal", Size::Small, &[]).unwrap();
        for name in ["marksweep", "marksweep-incr", "marksweep-gen"] {
            let out = registry
                .get(name)
                .unwrap()
                .measure(&[], &w, 1, None, 0)
                .unwrap();
            let requested: Vec<bool> = out.pauses.iter().map(|p| p.requested).collect();
            assert_eq!(requested, [true; 3], "{name}");
            assert_eq!(out.row.auto_pause_max_ns, Some(0), "{name}");
        }
    }

    #[test]
    fn every_collector_keeps_exact_counts_beside_baseline_objects() {
        // The baseline is outside the workload's counts for every collector: allocated,
        // freed and scanned are the workload's, and every check passes.
        let w = Workload::parse("dll-churn", Size::Small, &[]).unwrap();
        for entry in crate::registry::registry().entries() {
            let plain = entry.measure(&[], &w, 3, None, 0).unwrap().row;
            let based = entry.measure(&[], &w, 3, None, 5_000).unwrap().row;
            assert_eq!(based.status, "ok", "{}", entry.name);
            assert_eq!(based.baseline_objects, Some(5_000));
            assert_eq!(based.objects_allocated, Some(w.expectations().allocated));
            assert_eq!(
                (
                    based.objects_freed,
                    based.objects_leaked,
                    based.bytes_allocated
                ),
                (
                    plain.objects_freed,
                    plain.objects_leaked,
                    plain.bytes_allocated
                ),
                "{}",
                entry.name
            );
        }
    }

    #[test]
    fn only_the_longest_pauses_are_kept_in_time_order() {
        let pause = |start: u64, len: u64| Pause {
            start_ns: start,
            end_ns: start + len,
            kind: crate::metrics::PauseKindName::Cascade,
            generation: None,
            heap_before: 0,
            heap_after: 0,
            freed: 2,
            requested: false,
        };
        let log = vec![
            pause(0, 5),
            pause(10, 1),
            pause(20, 9),
            pause(40, 3),
            pause(50, 7),
        ];
        let kept: Vec<u64> = longest(log, 3).iter().map(|p| p.start_ns).collect();
        assert_eq!(kept, vec![0, 20, 50]);
    }

    #[test]
    fn out_of_heap_is_a_failed_row() {
        let w = Workload::parse("seed-cycles", Size::Small, &[]).unwrap();
        let out = measure(|| gc_core::NoGc, &w, 1, Some(4096), 0);
        assert!(
            out.row.status.starts_with("failed: out of memory"),
            "{}",
            out.row.status
        );
    }
}
