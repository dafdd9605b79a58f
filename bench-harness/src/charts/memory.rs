//! The memory side of the trade-off: per workload, each collector's pause against its peak
//! heap; across workloads, the bytes unreachable objects hold (memory lateness); and the
//! heap over time of CPython's generational collector beside 3.14's incremental one.

use plotters::chart::SeriesLabelPosition;

use super::{base_runs, format_ms, heap_chart, Chart, LineChart, Scale, Series};
use crate::aggregate::median_of;
use crate::results::ResultSet;

/// The collectors the paired heap chart sets side by side: `cycle` (3.12 and 3.14.5's
/// generational collector) and `cycle-314` (3.14.0's incremental one).
pub const PAIRED: [&str; 2] = ["cycle", "cycle-314"];

/// The workload the paired heap chart is drawn for: the one that got 3.14's collector
/// reverted.
pub const PAIRED_WORKLOAD: &str = "request-churn";

/// One point per collector: its longest pause (the median over repeats of each run's
/// maximum, log scale) against its peak heap (median, MiB).
pub fn pause_against_memory(set: &ResultSet, workload: &str) -> Chart {
    let mut series = Vec::new();
    for (color, collector, runs) in base_runs(set, workload) {
        let (Some(pause), Some(peak)) = (
            median_of(&runs, |r| r.pause_max_ns),
            median_of(&runs, |r| r.peak_heap_bytes),
        ) else {
            continue;
        };
        if pause <= 0.0 {
            continue;
        }
        series.push(Series {
            label: collector,
            color,
            secondary: false,
            points: vec![(pause / 1e6, peak / (1024.0 * 1024.0))],
        });
    }
    // Headroom above the highest point keeps the legend off the points.
    let top = series.iter().map(|s| s.points[0].1).fold(0.0, f64::max);
    Chart::Line(LineChart {
        title: format!("{workload}: longest pause against peak heap (one point per collector)"),
        x_desc: "longest pause (median of runs)".into(),
        y_desc: "peak heap in use (MiB)".into(),
        x_scale: Scale::Log,
        x_format: format_ms,
        y_range: Some((0.0, if top > 0.0 { top * 1.5 } else { 1.0 })),
        legend: SeriesLabelPosition::UpperRight,
        stroke: 2,
        series,
        note: None,
        secondary_key: None,
    })
}

/// Whether the paired heap chart can be drawn: the workload ran with both collectors.
pub fn has_pair(set: &ResultSet) -> bool {
    PAIRED.iter().all(|c| {
        set.runs
            .iter()
            .any(|r| r.is_ok() && r.workload == PAIRED_WORKLOAD && r.collector == *c)
    })
}

/// Heap over time on [`PAIRED_WORKLOAD`] for the [`PAIRED`] collectors only.
pub fn paired_heap(set: &ResultSet) -> Chart {
    heap_chart(set, PAIRED_WORKLOAD, |c| PAIRED.contains(&c))
}

/// Mean bytes held by unreachable objects (MiB), per workload and collector: median
/// over repeats of each run's mean.
pub fn lateness(set: &ResultSet) -> Option<Chart> {
    super::per_cell_bars(
        set,
        "Memory lateness: mean bytes held by unreachable objects",
        "unreachable (MiB, mean over the run)",
        |r| {
            r.unreachable_mean_bytes
                .map(|b| b as f64 / (1024.0 * 1024.0))
        },
        |values| values.to_vec(),
    )
}
