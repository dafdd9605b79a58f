//! The row types of the results files.

use serde::{Deserialize, Serialize};

use crate::metrics::{Pause, PauseKindName};

/// One run: identity, every metric, status. Metrics are `None` when the run died before
/// producing them (crash, timeout, bad configuration).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    /// Sequence number within the result set (links to `pauses.csv` and `heap.csv`).
    pub run_id: u64,
    /// Collector name.
    pub collector: String,
    /// Workload name.
    pub workload: String,
    /// Workload seed.
    pub seed: u64,
    /// Repeat number (0-based) of this (collector, workload, seed).
    pub repeat: u32,
    /// Workload parameters as compact JSON.
    pub params: String,
    /// Collector parameters (a preset's values included) as compact JSON; `{}` for a
    /// collector without parameters, empty for a peer.
    #[serde(default)]
    pub collector_params: String,
    /// The swept parameter's value of this run, as `owner.param=value` (`--sweep`); empty
    /// outside a sweep.
    #[serde(default)]
    pub sweep: String,
    /// Heap limit in bytes, if any.
    pub heap_limit: Option<u64>,
    /// The heap limit as a multiple of the minimum heap (heap-size sweeps only).
    pub heap_multiple: Option<f64>,
    /// Long-lived objects the heap started with (`--baseline-objects`), outside the
    /// workload's counts; empty for peers.
    pub baseline_objects: Option<u64>,
    /// `ok`, `failed: <reason>`, or `skipped: <reason>` (a peer missing on this machine).
    pub status: String,
    /// Wall-clock time of the workload, ns.
    pub wall_ns: Option<u64>,
    /// Time in pauses (collections and cascades), ns.
    pub gc_ns: Option<u64>,
    /// Wall time minus pause time, ns.
    pub mutator_ns: Option<u64>,
    /// Number of pauses.
    pub pauses: Option<u64>,
    /// Pauses written to `pauses.csv` (the longest ones when a run has very many).
    pub pauses_logged: Option<u64>,
    /// Median pause, ns.
    pub pause_p50_ns: Option<u64>,
    /// 90th percentile pause, ns.
    pub pause_p90_ns: Option<u64>,
    /// 99th percentile pause, ns.
    pub pause_p99_ns: Option<u64>,
    /// Longest pause, ns.
    pub pause_max_ns: Option<u64>,
    /// Longest pause the collector started on its own, ns: `pause_max_ns` without the
    /// collections the program asked for with `gc.collect()` ([`Pause::requested`]), which
    /// must run to completion in any collector. 0 when every pause was requested.
    #[serde(default)]
    pub auto_pause_max_ns: Option<u64>,
    /// Minimum mutator utilisation over 1 ms windows.
    pub mmu_1ms: Option<f64>,
    /// MMU over 10 ms windows.
    pub mmu_10ms: Option<f64>,
    /// MMU over 100 ms windows.
    pub mmu_100ms: Option<f64>,
    /// Objects allocated.
    pub objects_allocated: Option<u64>,
    /// Objects freed by the end of the run, including by the final full collection that
    /// checks the counts after the clock stops (verification, not timed work).
    pub objects_freed: Option<u64>,
    /// Objects unreachable but still allocated after the final full collection (oracle).
    pub objects_leaked: Option<u64>,
    /// Bytes allocated.
    pub bytes_allocated: Option<u64>,
    /// Peak bytes in allocated objects.
    pub peak_heap_bytes: Option<u64>,
    /// Peak bytes held from the system by the allocator (arenas plus large objects).
    pub peak_heap_held_bytes: Option<u64>,
    /// Peak resident set size of the run's process (VmHWM), bytes.
    pub peak_rss_bytes: Option<u64>,
    /// Objects the collector scanned: a noise-free work count.
    pub objects_scanned: Option<u64>,
    /// Mean bytes held by unreachable objects (heap in use minus live bytes) over the run,
    /// measured in an untimed replay (see `lateness`).
    #[serde(default)]
    pub unreachable_mean_bytes: Option<u64>,
    /// Peak bytes held by unreachable objects over the run.
    #[serde(default)]
    pub unreachable_peak_bytes: Option<u64>,
    /// The collector's own counters (`Collector::counters`) as `name=value` pairs joined
    /// by `;` (empty for collectors without any).
    #[serde(default)]
    pub counters: String,
    /// Wall time over the lowest distilled cost (wall - GC) of any collector on the same
    /// workload, parameters, seed and heap multiple (lower-bound overhead, LBO).
    pub lbo: Option<f64>,
    /// Bytes held from the system at the end of the run (after the final full
    /// collection): arenas held plus large objects. pymalloc keeps an arena while any
    /// object in it lives, so scattered survivors can hold many times the bytes they use.
    #[serde(default)]
    pub reserved_bytes: Option<u64>,
    /// Bytes in allocated objects at the same moment (cells and large objects).
    #[serde(default)]
    pub in_use_bytes: Option<u64>,
    /// `reserved_bytes / in_use_bytes` (none when nothing is in use).
    #[serde(default)]
    pub reserved_ratio: Option<f64>,
    /// Time the hypervisor took from the machine's CPUs (all of them) while the workload ran,
    /// ns, in the kernel's 10 ms ticks ([`crate::measure::host_steal_ns`]): above 0, the
    /// run's times include the host's, which no guest clock can tell apart. Empty for peers
    /// and where /proc/stat is missing.
    #[serde(default)]
    pub host_steal_ns: Option<u64>,
    /// Wall time of the plain loop the harness ran just before this run
    /// ([`crate::platform_stalls`]), ns: the sample the next two columns come from. Empty for
    /// peers, for `run-one` and for sets older than the column.
    #[serde(default)]
    pub platform_sampled_ns: Option<u64>,
    /// The longest stall the plain loop saw in that sample, ns: how long the platform held
    /// up work that allocates and collects nothing, just before this run.
    #[serde(default)]
    pub platform_max_stall_ns: Option<u64>,
    /// Stalls over 1 ms in that sample.
    #[serde(default)]
    pub platform_stalls_over_1ms: Option<u64>,
}

impl RunRow {
    /// Records `reserved` bytes held against `in_use` bytes used at the end of the run.
    pub fn set_reserved(&mut self, reserved: u64, in_use: u64) {
        self.reserved_bytes = Some(reserved);
        self.in_use_bytes = Some(in_use);
        self.reserved_ratio = (in_use > 0).then(|| reserved as f64 / in_use as f64);
    }
}

impl RunRow {
    /// The collector counter `name`, if the run recorded it.
    pub fn counter(&self, name: &str) -> Option<u64> {
        self.counters
            .split(';')
            .filter_map(|pair| pair.split_once('='))
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.parse().ok())
    }

    /// Whether the run completed and passed its checks.
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }

    /// Whether the run was skipped (a peer not available here): neither ok nor a failure.
    pub fn is_skipped(&self) -> bool {
        self.status.starts_with("skipped")
    }

    /// Whether the run failed (not ok and not skipped).
    pub fn is_failed(&self) -> bool {
        !self.is_ok() && !self.is_skipped()
    }

    /// Marks the run failed, keeping the first reason.
    pub fn fail(&mut self, reason: impl std::fmt::Display) {
        if self.is_ok() || self.status.is_empty() {
            self.status = format!("failed: {reason}");
        }
    }
}

/// Bytes in use at one moment of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeapSample {
    /// ns since the run's clock started.
    pub t_ns: u64,
    /// Heap bytes in use.
    pub bytes_in_use: u64,
    /// Bytes held from the system (arenas and large objects).
    #[serde(default)]
    pub bytes_reserved: u64,
}

/// What one run produces: its row, pause timeline and heap samples. The child process
/// prints this as JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunOutcome {
    /// The metrics row.
    pub row: RunRow,
    /// Every pause, in order.
    pub pauses: Vec<Pause>,
    /// Heap size over time (sampled every few thousand allocations).
    pub heap_samples: Vec<HeapSample>,
    /// Curves computed from the full pause timeline.
    pub curves: RunCurves,
}

/// Per-run curves computed from the complete pause timeline, so charts stay exact when the
/// pause log is truncated.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunCurves {
    /// (quantile, pause ns): the pause-length quantile function.
    pub pause_quantiles: Vec<(f64, u64)>,
    /// (window ns, MMU) at the standard windows no longer than the run.
    pub mmu: Vec<(u64, f64)>,
    /// (ns, heap bytes in use): the heap-over-time line as charted, thinned to its envelope
    /// with each flat run kept only at its ends (`charts::heap_line`), for the first
    /// successful run of each (workload, collector) at the default heap; empty for others.
    /// Kept here so the chart redraws without the raw `heap.csv` and `pauses.csv`.
    #[serde(default)]
    pub heap: Vec<(u64, u64)>,
    /// (ns, bytes held from the system) for the same runs as `heap`, thinned alike.
    #[serde(default)]
    pub heap_reserved: Vec<(u64, u64)>,
}

/// Which curve a `curves.csv` line belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CurveKind {
    /// x = quantile, y = pause ns.
    PauseQuantile,
    /// x = window ns, y = MMU.
    Mmu,
    /// x = ns since the run began, y = heap bytes in use.
    Heap,
    /// x = ns since the run began, y = bytes held from the system.
    HeapReserved,
}

impl CurveKind {
    /// Whether it is one of the heap-over-time lines, kept only for charted runs.
    pub fn is_heap_line(self) -> bool {
        matches!(self, CurveKind::Heap | CurveKind::HeapReserved)
    }
}

/// A line of `curves.csv`: one curve of one run, its points as two lists of numbers in
/// point order, each list one space-separated field. One line per curve rather than per
/// point keeps a result set's diff to a few thousand lines, however finely a curve is drawn.
/// A file written one point per line (before this format) reads the same: a one-number
/// list is a curve of one point, and a run's lines append to its curves in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CurveRow {
    /// The run it belongs to.
    pub run_id: u64,
    /// Which curve.
    pub curve: CurveKind,
    /// The points' x values (see [`CurveKind`]).
    pub x: NumberList,
    /// The points' y values, one per x value.
    pub y: NumberList,
}

/// Numbers written as one CSV field, separated by spaces.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NumberList(pub Vec<f64>);

impl Serialize for NumberList {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = String::new();
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            // `Display` writes the shortest text that reads back as the same number.
            text.push_str(&v.to_string());
        }
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for NumberList {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.split_whitespace()
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| serde::de::Error::custom(format!("{v:?} is not a number")))
            })
            .collect::<Result<Vec<f64>, _>>()
            .map(NumberList)
    }
}

/// `v` rounded to its four most significant decimal digits: time measured on a shared
/// machine is noise beyond that, and shorter numbers took a third of the compressed bytes
/// per run in the repository (results/LOG.md, 2026-12-04).
fn four_digits(v: u64) -> f64 {
    let mut scale = 1u64;
    while v / scale >= 10_000 {
        scale *= 10;
    }
    (v.saturating_add(scale / 2) / scale * scale) as f64
}

impl RunCurves {
    /// The lines of `curves.csv` for run `run_id`: one per curve with points. Times (pause
    /// lengths, instants of the heap lines) are kept to four significant digits and MMU to
    /// four decimals; windows, quantile levels and bytes exactly.
    pub fn rows(&self, run_id: u64) -> Vec<CurveRow> {
        let quantiles = self
            .pause_quantiles
            .iter()
            .map(|&(q, ns)| (q, four_digits(ns)));
        let mmu = self
            .mmu
            .iter()
            .map(|&(w, u)| (w as f64, (u * 1e4).round() / 1e4));
        let line = |points: &[(u64, u64)]| -> Vec<(f64, f64)> {
            points
                .iter()
                .map(|&(t, b)| (four_digits(t), b as f64))
                .collect()
        };
        [
            (CurveKind::PauseQuantile, quantiles.collect()),
            (CurveKind::Mmu, mmu.collect()),
            (CurveKind::Heap, line(&self.heap)),
            (CurveKind::HeapReserved, line(&self.heap_reserved)),
        ]
        .into_iter()
        .filter(|(_, points): &(CurveKind, Vec<(f64, f64)>)| !points.is_empty())
        .map(|(curve, points)| CurveRow {
            run_id,
            curve,
            x: NumberList(points.iter().map(|p| p.0).collect()),
            y: NumberList(points.iter().map(|p| p.1).collect()),
        })
        .collect()
    }

    /// Appends one `curves.csv` line's points; an error if its lists differ in length.
    pub fn push(&mut self, row: &CurveRow) -> Result<(), String> {
        let (xs, ys) = (&row.x.0, &row.y.0);
        if xs.len() != ys.len() {
            return Err(format!(
                "run {}'s {:?} curve has {} x values and {} y values",
                row.run_id,
                row.curve,
                xs.len(),
                ys.len()
            ));
        }
        for (&x, &y) in xs.iter().zip(ys) {
            match row.curve {
                CurveKind::PauseQuantile => self.pause_quantiles.push((x, y as u64)),
                CurveKind::Mmu => self.mmu.push((x as u64, y)),
                CurveKind::Heap => self.heap.push((x as u64, y as u64)),
                CurveKind::HeapReserved => self.heap_reserved.push((x as u64, y as u64)),
            }
        }
        Ok(())
    }
}

/// A line of `pauses.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PauseRow {
    /// The run it belongs to.
    pub run_id: u64,
    /// Start, ns since the run began.
    pub start_ns: u64,
    /// End, ns since the run began.
    pub end_ns: u64,
    /// Collection or cascade.
    pub kind: PauseKindName,
    /// Generation collected, if any.
    pub generation: Option<u8>,
    /// Heap bytes in use at the start.
    pub heap_before: u64,
    /// Heap bytes in use at the end.
    pub heap_after: u64,
    /// Objects freed.
    pub freed: u64,
    /// The program asked for it with `gc.collect()` ([`Pause::requested`]).
    #[serde(default)]
    pub requested: bool,
}

impl PauseRow {
    /// The row for `pause` of run `run_id`.
    pub fn new(run_id: u64, pause: &Pause) -> Self {
        PauseRow {
            run_id,
            start_ns: pause.start_ns,
            end_ns: pause.end_ns,
            kind: pause.kind,
            generation: pause.generation,
            heap_before: pause.heap_before,
            heap_after: pause.heap_after,
            freed: pause.freed,
            requested: pause.requested,
        }
    }

    /// The pause it records.
    pub fn pause(&self) -> Pause {
        Pause {
            start_ns: self.start_ns,
            end_ns: self.end_ns,
            kind: self.kind,
            generation: self.generation,
            heap_before: self.heap_before,
            heap_after: self.heap_after,
            freed: self.freed,
            requested: self.requested,
        }
    }
}

/// A line of `heap.csv`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeapSampleRow {
    /// The run it belongs to.
    pub run_id: u64,
    /// ns since the run began.
    pub t_ns: u64,
    /// Heap bytes in use.
    pub bytes_in_use: u64,
    /// Bytes held from the system (arenas and large objects).
    #[serde(default)]
    pub bytes_reserved: u64,
}
