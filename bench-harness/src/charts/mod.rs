//! The charts of a result set: per workload a pause-time CDF, MMU curves, heap size over
//! time and longest pause against peak heap; across workloads throughput normalised to the
//! best collector and memory lateness; on request-churn the heap of `cycle` beside
//! `cycle-314`; with heap-size sweeps, time against heap multiple; with a parameter sweep,
//! GC time, max pause and peak heap against the swept value ([`param_sweep`]). Everything is
//! computed from the CSV tables alone.

mod draw;
mod heap_lines;
mod memory;
pub mod param_sweep;

use plotters::chart::SeriesLabelPosition;

pub use draw::{render, BarChart, Chart, LineChart, Scale, Series};
pub use heap_lines::{heap_line, reserved_line, thin_flat_runs};

use crate::aggregate::{cells, in_order_of_appearance, unlimited_runs};
use crate::results::{ResultSet, RunRow};
use crate::units::{duration_ns, significant};

/// The charts drawn for a result set, as file stems relative to its directory.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChartIndex {
    /// Throughput across workloads.
    pub throughput: Option<String>,
    /// Memory lateness across workloads.
    pub lateness: Option<String>,
    /// Per workload: (workload, [(chart title, stem)]).
    pub per_workload: Vec<(String, Vec<(String, String)>)>,
}

fn format_us(us: f64) -> String {
    duration_ns(us * 1e3)
}

fn format_ms(ms: f64) -> String {
    duration_ns(ms * 1e6)
}

fn format_plain(v: f64) -> String {
    significant(v)
}

fn format_multiple(v: f64) -> String {
    format!("{}x", significant(v))
}

/// The legend corner of a rising chart (CDF) that covers fewer points: upper left or lower
/// right, judged on the log10 x axis with y in 0..1.
fn emptier_corner(series: &[Series]) -> SeriesLabelPosition {
    let xs: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0.max(1e-9).log10()))
        .collect();
    let (lo, hi) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let span = (hi - lo).max(1e-9);
    let (mut upper_left, mut lower_right) = (0, 0);
    for p in series.iter().flat_map(|s| s.points.iter()) {
        let fx = (p.0.max(1e-9).log10() - lo) / span;
        if fx < 0.4 && p.1 > 0.7 {
            upper_left += 1;
        }
        if fx > 0.6 && p.1 < 0.3 {
            lower_right += 1;
        }
    }
    if upper_left <= lower_right {
        SeriesLabelPosition::UpperLeft
    } else {
        SeriesLabelPosition::LowerRight
    }
}

/// Successful runs at the default heap (no sweep), grouped per collector in plan order.
fn base_runs<'a>(set: &'a ResultSet, workload: &str) -> Vec<(usize, String, Vec<&'a RunRow>)> {
    let collectors = in_order_of_appearance(set.runs.iter().map(|r| r.collector.as_str()));
    collectors
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let runs = unlimited_runs(set, workload, &c).collect();
            (i, c, runs)
        })
        .collect()
}

fn pause_cdf(set: &ResultSet, workload: &str) -> Chart {
    let mut series = Vec::new();
    let mut without = Vec::new();
    for (color, collector, runs) in base_runs(set, workload) {
        // Vincent averaging: the mean over repeats of each quantile's pause length.
        let curves: Vec<&[(f64, u64)]> = runs
            .iter()
            .filter_map(|r| set.curves.get(&r.run_id))
            .map(|c| c.pause_quantiles.as_slice())
            .filter(|q| !q.is_empty())
            .collect();
        if runs.is_empty() {
            continue;
        }
        let Some(first) = curves.first() else {
            without.push(collector);
            continue;
        };
        let points: Vec<(f64, f64)> = first
            .iter()
            .enumerate()
            .map(|(i, &(q, _))| {
                let lengths: Vec<f64> = curves
                    .iter()
                    .filter_map(|c| c.get(i).map(|&(_, ns)| ns as f64))
                    .collect();
                let mean = lengths.iter().sum::<f64>() / lengths.len() as f64;
                (mean.max(1.0) / 1e3, q)
            })
            .collect();
        let pauses: u64 = runs.iter().filter_map(|r| r.pauses).sum::<u64>() / runs.len() as u64;
        series.push(Series {
            label: format!(
                "{collector} ({} pauses/run)",
                crate::units::count(pauses as f64)
            ),
            color,
            secondary: false,
            points,
        });
    }
    Chart::Line(LineChart {
        title: format!("{workload}: pause time distribution (CDF)"),
        x_desc: "pause time (log scale)".into(),
        y_desc: "fraction of pauses ≤ x".into(),
        x_scale: Scale::Log,
        x_format: format_us,
        y_range: Some((0.0, 1.02)),
        legend: emptier_corner(&series),
        stroke: 2,
        series,
        note: (!without.is_empty()).then(|| format!("no pauses: {}", without.join(", "))),
        secondary_key: None,
    })
}

fn mmu_chart(set: &ResultSet, workload: &str) -> Chart {
    let mut series = Vec::new();
    for (color, collector, runs) in base_runs(set, workload) {
        let curves: Vec<&[(u64, f64)]> = runs
            .iter()
            .filter_map(|r| set.curves.get(&r.run_id))
            .map(|c| c.mmu.as_slice())
            .collect();
        // The worst utilisation any repeat showed at each window; the repeats share the
        // standard windows up to the shortest run.
        let Some(shortest) = curves.iter().map(|c| c.len()).min() else {
            continue;
        };
        let points: Vec<(f64, f64)> = (0..shortest)
            .map(|i| {
                let window = curves[0][i].0;
                let worst = curves.iter().map(|c| c[i].1).fold(1.0, f64::min);
                (window as f64 / 1e6, worst)
            })
            .collect();
        series.push(Series {
            label: collector,
            color,
            secondary: false,
            points,
        });
    }
    Chart::Line(LineChart {
        title: format!("{workload}: minimum mutator utilisation"),
        x_desc: "window (log scale)".into(),
        y_desc: "MMU (fraction of the window left to the mutator)".into(),
        x_scale: Scale::Log,
        x_format: format_ms,
        y_range: Some((0.0, 1.02)),
        legend: SeriesLabelPosition::MiddleLeft,
        stroke: 2,
        series,
        note: None,
        secondary_key: None,
    })
}

/// Heap over time of the first run of each collector `keep` accepts.
fn heap_chart(set: &ResultSet, workload: &str, keep: impl Fn(&str) -> bool) -> Chart {
    let mut series = Vec::new();
    for (color, collector, runs) in base_runs(set, workload) {
        if !keep(&collector) {
            continue;
        }
        let Some(run) = runs.first() else { continue };
        let Some(curves) = set.curves.get(&run.run_id) else {
            continue;
        };
        // Lines from sets written before flat runs were thinned are thinned here, so a
        // re-plotted old set draws the same chart from fewer points.
        let mib = |line: &[(u64, u64)]| -> Vec<(f64, f64)> {
            thin_flat_runs(line)
                .iter()
                .map(|&(t, b)| (t as f64 / 1e6, b as f64 / (1024.0 * 1024.0)))
                .collect()
        };
        series.push(Series {
            label: collector.clone(),
            color,
            secondary: false,
            points: mib(&curves.heap),
        });
        // Result sets from before reserved bytes were sampled have no such line. It has
        // the collector's colour, drawn pale, and no legend entry of its own: one key entry
        // stands for every collector's.
        if !curves.heap_reserved.is_empty() {
            series.push(Series {
                label: String::new(),
                color,
                secondary: true,
                points: mib(&curves.heap_reserved),
            });
        }
    }
    // One collector far above the rest (NoGC, which never frees) would flatten them all:
    // clip its lines (in use and reserved, one colour) and say so.
    let mut peaks: Vec<(f64, usize)> = Vec::new();
    for s in &series {
        let peak = s.points.iter().map(|p| p.1).fold(0.0, f64::max);
        match peaks.iter_mut().find(|(_, colour)| *colour == s.color) {
            Some(entry) => entry.0 = entry.0.max(peak),
            None => peaks.push((peak, s.color)),
        }
    }
    peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut note = None;
    let mut y_range = None;
    if let [(top, top_colour), (second, _), ..] = peaks[..] {
        if second > 0.0 && top > 4.0 * second {
            let cap = second * 1.5;
            let clipped = series.iter_mut().filter(|s| s.color == top_colour);
            for s in clipped {
                if !s.label.is_empty() {
                    note = Some(format!(
                        "{} off scale (peak {} MiB)",
                        s.label,
                        significant(top)
                    ));
                }
                for p in &mut s.points {
                    p.1 = p.1.min(cap);
                }
            }
            y_range = Some((0.0, cap * 1.05));
        }
    }
    let reserved_key = series
        .iter()
        .any(|s| s.secondary)
        .then(|| "reserved (pale, in each collector's colour)".to_string());
    Chart::Line(LineChart {
        title: format!("{workload}: heap in use (solid) and reserved (pale) over time"),
        x_desc: "time since the workload started (ms)".into(),
        y_desc: "heap in use / reserved (MiB)".into(),
        x_scale: Scale::Linear,
        x_format: format_plain,
        y_range,
        legend: SeriesLabelPosition::UpperRight,
        stroke: 1,
        series,
        note,
        secondary_key: reserved_key,
    })
}

fn sweep_chart(set: &ResultSet, workload: &str) -> Option<Chart> {
    let rows: Vec<RunRow> = set
        .runs
        .iter()
        .filter(|r| r.workload == workload && r.heap_multiple.is_some())
        .cloned()
        .collect();
    if rows.is_empty() {
        return None;
    }
    let collectors = in_order_of_appearance(set.runs.iter().map(|r| r.collector.as_str()));
    let mut series = Vec::new();
    for (color, collector) in collectors.iter().enumerate() {
        let mut wall = Vec::new();
        let mut gc = Vec::new();
        for cell in cells(&rows)
            .iter()
            .filter(|c| &c.key.collector == collector)
        {
            let multiple = cell.key.heap_multiple().unwrap_or(0.0);
            if let Some(w) = cell.median(|r| r.wall_ns.map(|v| v as f64 / 1e6)) {
                wall.push((multiple, w));
            }
            if let Some(g) = cell.median(|r| r.gc_ns.map(|v| v as f64 / 1e6)) {
                gc.push((multiple, g));
            }
        }
        if wall.is_empty() {
            continue;
        }
        series.push(Series {
            label: format!("{collector} total"),
            color,
            secondary: false,
            points: wall,
        });
        if gc.iter().any(|&(_, g)| g > 0.0) {
            series.push(Series {
                label: format!("{collector} GC time (pale)"),
                color,
                secondary: true,
                points: gc,
            });
        }
    }
    Some(Chart::Line(LineChart {
        title: format!("{workload}: time against heap size"),
        x_desc: "heap limit (multiple of the collector's minimum heap)".into(),
        y_desc: "time (ms, median over repeats)".into(),
        x_scale: Scale::Linear,
        x_format: format_multiple,
        y_range: None,
        legend: SeriesLabelPosition::UpperRight,
        stroke: 2,
        series,
        note: None,
        secondary_key: None,
    }))
}

fn throughput_chart(set: &ResultSet) -> Option<Chart> {
    let chart = per_cell_bars(
        set,
        "Throughput relative to the fastest collector per workload",
        "throughput (fastest = 1, median wall time)",
        |r| r.wall_ns.map(|v| v as f64),
        |walls| {
            let best = walls.iter().flatten().copied().fold(f64::MAX, f64::min);
            walls.iter().map(|w| w.map(|w| best / w)).collect()
        },
    )?;
    Some(chart)
}

/// Grouped bars of the median of `metric` per (workload, collector) at the default heap,
/// each workload's values passed through `per_workload` (for example normalised to the
/// best); `None` when nothing ran.
fn per_cell_bars(
    set: &ResultSet,
    title: &str,
    y_desc: &str,
    metric: impl Fn(&RunRow) -> Option<f64> + Copy,
    per_workload: impl Fn(&[Option<f64>]) -> Vec<Option<f64>>,
) -> Option<Chart> {
    let base: Vec<RunRow> = set
        .runs
        .iter()
        .filter(|r| r.heap_multiple.is_none() && r.sweep.is_empty())
        .cloned()
        .collect();
    if base.is_empty() {
        return None;
    }
    let workloads = in_order_of_appearance(base.iter().map(|r| r.workload.as_str()));
    let collectors = in_order_of_appearance(base.iter().map(|r| r.collector.as_str()));
    let all = cells(&base);
    let values = workloads
        .iter()
        .map(|w| {
            let medians: Vec<Option<f64>> = collectors
                .iter()
                .map(|c| {
                    all.iter()
                        .find(|cell| &cell.key.workload == w && &cell.key.collector == c)
                        .and_then(|cell| cell.median(metric))
                })
                .collect();
            per_workload(&medians)
        })
        .collect();
    Some(Chart::Bar(BarChart {
        title: title.into(),
        y_desc: y_desc.into(),
        groups: workloads,
        series: collectors
            .into_iter()
            .enumerate()
            .map(|(i, c)| (c, i))
            .collect(),
        values,
        note: Some("missing bar: every run of that cell failed".into()),
    }))
}

/// One rendered chart file: its path relative to the result directory and its bytes.
pub type ChartFile = (String, Vec<u8>);

/// Renders every chart of `set` (SVG and PNG, under `charts/`) and says what was drawn.
pub fn render_all(set: &ResultSet) -> Result<(ChartIndex, Vec<ChartFile>), String> {
    let mut files = Vec::new();
    let mut save = |chart: &Chart, stem: &str| -> Result<(), String> {
        let (svg, png) = render(chart)?;
        files.push((format!("charts/{stem}.svg"), svg.into_bytes()));
        files.push((format!("charts/{stem}.png"), png));
        Ok(())
    };
    let mut index = ChartIndex::default();
    if let Some(chart) = throughput_chart(set) {
        save(&chart, "throughput")?;
        index.throughput = Some("charts/throughput".into());
    }
    if let Some(chart) = memory::lateness(set) {
        save(&chart, "lateness")?;
        index.lateness = Some("charts/lateness".into());
    }
    let workloads = in_order_of_appearance(set.runs.iter().map(|r| r.workload.as_str()));
    for workload in workloads {
        let mut drawn = Vec::new();
        let mut charts = vec![
            ("pause-time CDF", "pauses", pause_cdf(set, &workload)),
            ("MMU", "mmu", mmu_chart(set, &workload)),
            (
                "heap over time",
                "heap",
                heap_chart(set, &workload, |_| true),
            ),
            (
                "longest pause against peak heap",
                "pause-memory",
                memory::pause_against_memory(set, &workload),
            ),
        ];
        if workload == memory::PAIRED_WORKLOAD && memory::has_pair(set) {
            charts.push((
                "heap over time: cycle against cycle-314",
                "heap-cycle-314",
                memory::paired_heap(set),
            ));
        }
        if let Some(chart) = sweep_chart(set, &workload) {
            charts.push(("time against heap size", "heap-sweep", chart));
        }
        let any_base = set
            .runs
            .iter()
            .any(|r| r.workload == workload && r.heap_multiple.is_none() && r.sweep.is_empty());
        let charts = charts
            .into_iter()
            .filter(|(_, suffix, _)| any_base || *suffix == "heap-sweep")
            .map(|(title, suffix, chart)| (title.to_string(), suffix.to_string(), chart))
            .chain(param_sweep::param_sweep_charts(set, &workload));
        for (title, suffix, chart) in charts {
            let stem = format!("{workload}-{suffix}");
            save(&chart, &stem)?;
            drawn.push((title, format!("charts/{stem}")));
        }
        index.per_workload.push((workload, drawn));
    }
    Ok((index, files))
}
