//! Charts of a parameter sweep (`--sweep owner.param=v1,v2,...`): per workload, GC time, the
//! longest pause and the peak heap against the swept value, one line per collector.

use plotters::chart::SeriesLabelPosition;

use super::{format_plain, Chart, LineChart, Scale, Series};
use crate::aggregate::{cells, in_order_of_appearance, Cell};
use crate::results::{ResultSet, RunRow};
use crate::sweep::split_row_sweep;

/// A swept value as a number: booleans as 0 and 1, anything else that is not a number by
/// its position in the sweep.
pub fn sweep_x(value: &str, position: usize) -> f64 {
    match value {
        "false" => 0.0,
        "true" => 1.0,
        v => v.parse().unwrap_or(position as f64),
    }
}

/// What a sweep chart draws: title suffix, file suffix, axis text and metric.
type Metric = (
    &'static str,
    &'static str,
    &'static str,
    fn(&RunRow) -> Option<f64>,
);

/// The metrics drawn against the value (and tabled in the README).
pub const SWEEP_METRICS: [Metric; 3] = [
    ("GC time", "gc", "GC time (ms, median)", |r| {
        r.gc_ns.map(|v| v as f64 / 1e6)
    }),
    (
        "max pause",
        "max-pause",
        "longest pause (ms, median)",
        |r| r.pause_max_ns.map(|v| v as f64 / 1e6),
    ),
    ("peak heap", "peak-heap", "peak heap (MiB, median)", |r| {
        r.peak_heap_bytes.map(|v| v as f64 / (1 << 20) as f64)
    }),
];

/// The swept parameter's name, values in sweep order, and the rows of `workload` in the sweep.
pub fn sweep_rows(set: &ResultSet, workload: &str) -> Option<(String, Vec<String>, Vec<RunRow>)> {
    let rows: Vec<RunRow> = set
        .runs
        .iter()
        .filter(|r| r.workload == workload && !r.sweep.is_empty())
        .cloned()
        .collect();
    let name = split_row_sweep(&rows.first()?.sweep)?.0.to_string();
    let values = in_order_of_appearance(
        rows.iter()
            .filter_map(|r| split_row_sweep(&r.sweep).map(|(_, v)| v)),
    );
    Some((name, values, rows))
}

/// The cells of `collector` at each value, with the value's x position.
pub fn cells_by_value<'a>(
    cells: &'a [Cell<'a>],
    values: &[String],
    collector: &str,
) -> Vec<(f64, &'a Cell<'a>)> {
    let mut out: Vec<(f64, &Cell)> = cells
        .iter()
        .filter(|c| c.key.collector == collector && c.key.heap_multiple_milli.is_none())
        .filter_map(|c| {
            let value = split_row_sweep(&c.key.sweep)?.1;
            let position = values.iter().position(|v| v == value)?;
            Some((sweep_x(value, position), c))
        })
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// Per metric: (title, file suffix, chart) for `workload`, or nothing outside a sweep.
pub fn param_sweep_charts(set: &ResultSet, workload: &str) -> Vec<(String, String, Chart)> {
    let Some((name, values, rows)) = sweep_rows(set, workload) else {
        return Vec::new();
    };
    let cells = cells(&rows);
    let collectors = in_order_of_appearance(rows.iter().map(|r| r.collector.as_str()));
    let xs: Vec<f64> = values
        .iter()
        .enumerate()
        .map(|(i, v)| sweep_x(v, i))
        .collect();
    let (lo, hi) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &x| (lo.min(x), hi.max(x)));
    // Values over a wide positive range (thresholds, sizes) read better on a log axis.
    let x_scale = if lo > 0.0 && hi / lo >= 20.0 {
        Scale::Log
    } else {
        Scale::Linear
    };
    SWEEP_METRICS
        .iter()
        .map(|&(title, suffix, y_desc, metric)| {
            let series = collectors
                .iter()
                .enumerate()
                .filter_map(|(color, collector)| {
                    let points: Vec<(f64, f64)> = cells_by_value(&cells, &values, collector)
                        .into_iter()
                        .filter_map(|(x, c)| c.median(metric).map(|y| (x, y)))
                        .collect();
                    (!points.is_empty()).then(|| Series {
                        label: collector.clone(),
                        color,
                        secondary: false,
                        points,
                    })
                })
                .collect();
            let chart = Chart::Line(LineChart {
                title: format!("{workload}: {title} against {name}"),
                x_desc: name.clone(),
                y_desc: y_desc.into(),
                x_scale,
                x_format: format_plain,
                y_range: None,
                legend: SeriesLabelPosition::UpperRight,
                stroke: 2,
                series,
                note: None,
                secondary_key: None,
            });
            (
                format!("{title} against {name}"),
                format!("sweep-{suffix}"),
                chart,
            )
        })
        .collect()
}
