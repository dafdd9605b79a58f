//! Lower-bound overhead (Cai, Blackburn, Bond and Maas, ISPASS 2022).
//!
//! A collector's distilled cost is its wall time minus its time in collection; the minimum
//! distilled cost over every collector that ran the same work (NoGC included where it fit)
//! approximates the cost of the work with free memory management. LBO = wall / that minimum.

use std::collections::HashMap;

use crate::results::RunRow;

/// Runs that did the same work: workload, parameters, seed and heap multiple.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LboKey {
    workload: String,
    params: String,
    seed: u64,
    heap_multiple: Option<u64>,
}

impl LboKey {
    /// The key of `row`.
    pub fn of(row: &RunRow) -> Self {
        LboKey {
            workload: row.workload.clone(),
            params: row.params.clone(),
            seed: row.seed,
            heap_multiple: row.heap_multiple.map(f64::to_bits),
        }
    }
}

/// Fills `lbo` of every successful row; failed rows get `None`.
pub fn assign_lbo(rows: &mut [RunRow]) {
    let mut min_distilled: HashMap<LboKey, u64> = HashMap::new();
    for row in rows.iter().filter(|r| r.is_ok()) {
        if let (Some(wall), Some(gc)) = (row.wall_ns, row.gc_ns) {
            let distilled = wall.saturating_sub(gc).max(1);
            let entry = min_distilled.entry(LboKey::of(row)).or_insert(distilled);
            *entry = (*entry).min(distilled);
        }
    }
    for row in rows.iter_mut() {
        row.lbo = match (row.is_ok(), row.wall_ns) {
            (true, Some(wall)) => min_distilled
                .get(&LboKey::of(row))
                .map(|&mdc| wall as f64 / mdc as f64),
            _ => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(collector: &str, seed: u64, wall: u64, gc: u64, ok: bool) -> RunRow {
        RunRow {
            collector: collector.into(),
            workload: "w".into(),
            params: "{}".into(),
            seed,
            status: if ok { "ok".into() } else { "failed: x".into() },
            wall_ns: Some(wall),
            gc_ns: Some(gc),
            ..RunRow::default()
        }
    }

    #[test]
    fn overhead_is_relative_to_the_cheapest_distilled_cost_per_seed() {
        let mut rows = vec![
            row("nogc", 1, 100, 0, true),
            row("cycle", 1, 150, 30, true),
            row("marksweep", 1, 80, 20, true), // distilled 60: the minimum for seed 1
            row("cycle", 2, 200, 100, true),   // alone on seed 2: distilled 100
            row("refcount", 1, 10, 0, false),  // failed rows take no part
        ];
        assign_lbo(&mut rows);
        let lbo: Vec<Option<f64>> = rows.iter().map(|r| r.lbo).collect();
        assert_eq!(
            lbo,
            vec![
                Some(100.0 / 60.0),
                Some(2.5),
                Some(80.0 / 60.0),
                Some(2.0),
                None
            ]
        );
    }
}
