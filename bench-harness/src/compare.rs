//! `compare A B`: two result sets side by side, cell by cell. A ratio counts as a change only
//! when it exceeds the noise the repeats themselves show; with fewer than
//! [`MIN_REPEATS_FOR_NOISE`] successful runs on a side the noise is unknown and no change is
//! claimed.

use std::fmt::Write;
use std::path::Path;

use crate::aggregate::{cells, ns, relative_spread, Cell};
use crate::report::markdown_table;
use crate::results::RunRow;
use crate::units::duration_ns;

/// Successful runs each side needs before its spread says anything about noise.
pub const MIN_REPEATS_FOR_NOISE: usize = 3;

/// Wall-time comparison of one cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// Median wall time in A and B, ns.
    pub medians: (f64, f64),
    /// B / A.
    pub ratio: f64,
    /// Relative spread of A plus that of B: changes smaller than this are noise. `None` when
    /// a side has fewer than [`MIN_REPEATS_FOR_NOISE`] runs: the spread of one or two runs
    /// is no measure of noise.
    pub noise: Option<f64>,
}

impl Comparison {
    /// Compares two samples of wall times.
    pub fn of(a: &[f64], b: &[f64]) -> Option<Comparison> {
        let ma = crate::aggregate::median(a)?;
        let mb = crate::aggregate::median(b)?;
        let known = a.len() >= MIN_REPEATS_FOR_NOISE && b.len() >= MIN_REPEATS_FOR_NOISE;
        Some(Comparison {
            medians: (ma, mb),
            ratio: mb / ma,
            noise: known.then(|| relative_spread(a) + relative_spread(b)),
        })
    }

    /// Whether the change exceeds a known noise.
    pub fn significant(&self) -> bool {
        self.noise
            .is_some_and(|noise| (self.ratio - 1.0).abs() > noise)
    }
}

fn label(cell: &Cell) -> (String, String) {
    let mut collector = cell.key.collector.clone();
    if let Some(m) = cell.key.heap_multiple() {
        let _ = write!(collector, " @{m}x");
    }
    (cell.key.workload.clone(), collector)
}

/// The comparison report (markdown) of the runs of result directories `a` and `b`.
pub fn compare(a: &Path, rows_a: &[RunRow], b: &Path, rows_b: &[RunRow]) -> String {
    let cells_a = cells(rows_a);
    let cells_b = cells(rows_b);
    let mut table = Vec::new();
    let mut only = Vec::new();
    for ca in &cells_a {
        let Some(cb) = cells_b.iter().find(|c| c.key == ca.key) else {
            only.push(format!(
                "only in A: {} {}",
                ca.key.workload, ca.key.collector
            ));
            continue;
        };
        let (workload, collector) = label(ca);
        let wall = |c: &Cell| c.values(|r| ns(r.wall_ns));
        let walls = Comparison::of(&wall(ca), &wall(cb));
        let scanned = (
            ca.median(|r| ns(r.objects_scanned)),
            cb.median(|r| ns(r.objects_scanned)),
        );
        let params_differ =
            ca.runs.first().map(|r| &r.params) != cb.runs.first().map(|r| &r.params);
        let mut row = vec![workload, collector];
        match &walls {
            Some(c) => row.extend([
                duration_ns(c.medians.0),
                duration_ns(c.medians.1),
                format!("{:.3}", c.ratio),
                c.noise
                    .map_or_else(|| "unknown".to_string(), |n| format!("±{:.1}%", n * 100.0)),
                match (c.noise, c.significant()) {
                    (None, _) => "noise unknown".to_string(),
                    (Some(_), true) if c.ratio < 1.0 => "**faster**".to_string(),
                    (Some(_), true) => "**slower**".to_string(),
                    (Some(_), false) => "noise".to_string(),
                },
            ]),
            None => {
                row.extend(["-", "-", "-", "-", "no successful runs on one side"].map(String::from))
            }
        }
        row.push(match scanned {
            (Some(x), Some(y)) if x > 0.0 => {
                let r = y / x;
                if r == 1.0 {
                    "1".into()
                } else {
                    format!("**{r:.3}**")
                }
            }
            (Some(x), Some(y)) if x == y => "1".into(),
            _ => "-".into(),
        });
        if params_differ {
            row[1].push_str(" (params differ)");
        }
        table.push(row);
    }
    for cb in &cells_b {
        if !cells_a.iter().any(|c| c.key == cb.key) {
            only.push(format!(
                "only in B: {} {}",
                cb.key.workload, cb.key.collector
            ));
        }
    }
    let mut out = format!("A = {}\nB = {}\n\n", a.display(), b.display());
    out.push_str(&markdown_table(
        &[
            "workload",
            "collector",
            "wall A",
            "wall B",
            "B/A",
            "noise",
            "verdict",
            "scanned B/A",
        ],
        &table,
    ));
    out.push_str("\nnoise = relative spread (max-min)/median of A's runs plus B's; a ratio beyond it is marked. With fewer than 3 successful runs on a side the noise is unknown and no change is claimed (run with --repeat 3 or more). scanned is a noise-free count: any change is marked.\n");
    for line in only {
        let _ = writeln!(out, "{line}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_within_the_spread_are_noise() {
        let c = Comparison::of(&[100.0, 110.0, 90.0], &[105.0, 104.0, 106.0]).unwrap();
        assert_eq!(c.ratio, 1.05);
        assert!(!c.significant(), "5% change inside 20% + 1.9% spread");
        let c = Comparison::of(&[100.0, 101.0, 99.0], &[150.0, 151.0, 149.0]).unwrap();
        assert!(c.significant());
    }

    #[test]
    fn fewer_than_three_repeats_means_noise_unknown_and_no_verdict() {
        let c = Comparison::of(&[100.0], &[150.0]).unwrap();
        assert_eq!(c.noise, None);
        assert!(!c.significant());
        let c = Comparison::of(&[100.0, 101.0, 99.0], &[150.0, 151.0]).unwrap();
        assert!(!c.significant());
        let row = |wall| RunRow {
            collector: "nogc".into(),
            workload: "seed-cycles".into(),
            status: "ok".into(),
            wall_ns: Some(wall),
            ..RunRow::default()
        };
        let report = compare(Path::new("a"), &[row(100)], Path::new("b"), &[row(101)]);
        assert!(report.contains("noise unknown"), "{report}");
        assert!(
            !report.contains("faster") && !report.contains("slower"),
            "{report}"
        );
    }
}
