//! Cells of a result set: the runs of one (workload, collector, heap multiple, swept value) over seeds and
//! repeats, reduced to medians and spreads.

use std::collections::BTreeMap;

use crate::results::{ResultSet, RunRow};

/// Median of an integer `metric` over `runs` (runs without it left out).
pub fn median_of(runs: &[&RunRow], metric: impl Fn(&RunRow) -> Option<u64>) -> Option<f64> {
    let values: Vec<f64> = runs
        .iter()
        .filter_map(|r| metric(r))
        .map(|v| v as f64)
        .collect();
    median(&values)
}

/// Median of the values (mean of the middle two for an even count); `None` if empty.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

/// (max - min) / median: the noise of repeated measurements; 0 for fewer than two.
pub fn relative_spread(values: &[f64]) -> f64 {
    let (Some(mid), true) = (median(values), values.len() > 1) else {
        return 0.0;
    };
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    if mid > 0.0 {
        (max - min) / mid
    } else {
        0.0
    }
}

/// Identifies a cell.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CellKey {
    /// Workload.
    pub workload: String,
    /// Heap multiple as an ordered integer (thousandths); `None` sorts first.
    pub heap_multiple_milli: Option<u64>,
    /// Collector.
    pub collector: String,
    /// The swept parameter's value (`owner.param=value`); empty outside a sweep.
    pub sweep: String,
}

impl CellKey {
    /// The key of `row`.
    pub fn of(row: &RunRow) -> CellKey {
        CellKey {
            workload: row.workload.clone(),
            heap_multiple_milli: row.heap_multiple.map(|m| (m * 1000.0).round() as u64),
            collector: row.collector.clone(),
            sweep: row.sweep.clone(),
        }
    }

    /// The heap multiple.
    pub fn heap_multiple(&self) -> Option<f64> {
        self.heap_multiple_milli.map(|m| m as f64 / 1000.0)
    }
}

/// The runs of one cell.
#[derive(Clone, Debug)]
pub struct Cell<'a> {
    /// Which cell.
    pub key: CellKey,
    /// All its runs, successful or not.
    pub runs: Vec<&'a RunRow>,
}

impl<'a> Cell<'a> {
    /// Successful runs only.
    pub fn ok_runs(&self) -> impl Iterator<Item = &&'a RunRow> {
        self.runs.iter().filter(|r| r.is_ok())
    }

    /// A metric's values over the successful runs.
    pub fn values(&self, metric: impl Fn(&RunRow) -> Option<f64>) -> Vec<f64> {
        self.ok_runs().filter_map(|r| metric(r)).collect()
    }

    /// A metric's median over the successful runs.
    pub fn median(&self, metric: impl Fn(&RunRow) -> Option<f64>) -> Option<f64> {
        median(&self.values(metric))
    }

    /// Distinct failure reasons (skipped runs are not failures).
    pub fn failures(&self) -> Vec<&'a str> {
        self.statuses(RunRow::is_failed)
    }

    /// Distinct reasons for skipped runs (a peer missing on this machine).
    pub fn skips(&self) -> Vec<&'a str> {
        self.statuses(RunRow::is_skipped)
    }

    fn statuses(&self, which: impl Fn(&RunRow) -> bool) -> Vec<&'a str> {
        let mut reasons: Vec<&str> = self
            .runs
            .iter()
            .filter(|r| which(r))
            .map(|r| r.status.as_str())
            .collect();
        reasons.dedup();
        reasons
    }
}

/// Names in order of first appearance (the plan's order: registry, then catalogue).
pub fn in_order_of_appearance<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for name in names {
        if !seen.iter().any(|s| s == name) {
            seen.push(name.to_string());
        }
    }
    seen
}

/// Position of a cell: workload index, heap multiple, sweep value index, collector index.
type CellOrder = (Option<usize>, Option<u64>, Option<usize>, Option<usize>);

/// Groups rows into cells, ordered by workload and collector as they first appear in the
/// rows, then by heap multiple.
pub fn cells(rows: &[RunRow]) -> Vec<Cell<'_>> {
    let workloads = in_order_of_appearance(rows.iter().map(|r| r.workload.as_str()));
    let collectors = in_order_of_appearance(rows.iter().map(|r| r.collector.as_str()));
    let sweeps = in_order_of_appearance(rows.iter().map(|r| r.sweep.as_str()));
    let position = |list: &[String], name: &str| list.iter().position(|n| n == name);
    let mut groups: BTreeMap<CellOrder, Cell> = BTreeMap::new();
    for row in rows {
        let key = CellKey::of(row);
        let order = (
            position(&workloads, &key.workload),
            key.heap_multiple_milli,
            position(&sweeps, &key.sweep),
            position(&collectors, &key.collector),
        );
        groups
            .entry(order)
            .or_insert_with(|| Cell {
                key,
                runs: Vec::new(),
            })
            .runs
            .push(row);
    }
    groups.into_values().collect()
}

/// The successful runs of `collector` on `workload` with the heap unlimited (outside a
/// heap-size sweep): what the per-workload charts draw.
pub fn unlimited_runs<'a, 'k>(
    set: &'a ResultSet,
    workload: &'k str,
    collector: &'k str,
) -> impl Iterator<Item = &'a RunRow> + use<'a, 'k> {
    set.runs.iter().filter(move |r| {
        r.is_ok() && r.workload == workload && r.collector == collector && r.heap_multiple.is_none()
    })
}

/// [`unlimited_runs`] at the collector's and workload's defaults besides: no swept parameter,
/// no baseline objects. The rows a comparison of collectors reads.
pub fn default_runs<'a>(set: &'a ResultSet, workload: &str, collector: &str) -> Vec<&'a RunRow> {
    unlimited_runs(set, workload, collector)
        .filter(|r| r.sweep.is_empty() && r.baseline_objects.unwrap_or(0) == 0)
        .collect()
}

/// Nanoseconds as f64, for metric closures.
pub fn ns(v: Option<u64>) -> Option<f64> {
    v.map(|x| x as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_spreads() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(relative_spread(&[90.0, 100.0, 110.0]), 0.2);
        assert_eq!(relative_spread(&[5.0]), 0.0);
    }
}
