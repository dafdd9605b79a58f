//! The results section "Mark-sweep: incremental and generational against stop-the-world":
//! `marksweep-incr` and `marksweep-gen` beside `marksweep` on every workload all three ran,
//! as the ratios the three are judged by (GC time, the longest pause, peak heap).
//!
//! An incremental collector bounds the pauses it starts itself. A `gc.collect()` the program
//! calls is a full collection that must finish before the call returns, in every collector,
//! so the table gives the longest pause twice: of all pauses, and of those outside the
//! program's `gc.collect()` calls ([`crate::results::RunRow::auto_pause_max_ns`]).

use crate::aggregate::{default_runs as runs, median_of as med};
use crate::report::markdown_table;
use crate::results::{ResultSet, RunRow};
use crate::units::{duration_ns, or_dash as show, ratio, significant};

/// The stop-the-world collector the others are compared with.
const BASE: &str = "marksweep";
/// The incremental collector.
const INCREMENTAL: &str = "marksweep-incr";
/// The generational collector.
const GENERATIONAL: &str = "marksweep-gen";

/// The section, or nothing when no workload ran with all three collectors.
pub fn section(set: &ResultSet) -> String {
    let mut workloads: Vec<&str> = Vec::new();
    for r in &set.runs {
        let w = r.workload.as_str();
        if !workloads.contains(&w)
            && [BASE, INCREMENTAL, GENERATIONAL]
                .iter()
                .all(|c| !runs(set, w, c).is_empty())
        {
            workloads.push(w);
        }
    }
    if workloads.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n## Mark-sweep: incremental and generational against stop-the-world\n\n\
         `marksweep` stops the world for every collection; `marksweep-incr` marks and sweeps \
         in bounded steps paced by allocation; `marksweep-gen` traces only the objects born \
         since its last minor collection, keeping survivors' mark bits (sticky marks). Medians \
         of this result set's successful default runs; ratios are over `marksweep`, of the \
         medians, with the least and greatest ratio of two runs measured back to back after \
         them. *max \
         pause*: the longest pause of a run, and the longest outside the program's own \
         `gc.collect()` calls, which are full collections that must finish before the call \
         returns in any collector (gc-traversal is nothing but those).\n\n",
    );
    let mut rows = Vec::new();
    for &w in &workloads {
        let (base, incr, gen) = (
            runs(set, w, BASE),
            runs(set, w, INCREMENTAL),
            runs(set, w, GENERATIONAL),
        );
        let gc = |r: &[&RunRow]| med(r, |x| x.gc_ns);
        let peak = |r: &[&RunRow]| med(r, |x| x.peak_heap_bytes);
        rows.push(vec![
            w.to_string(),
            show(gc(&base), duration_ns),
            show(gc(&incr), duration_ns),
            with_range(ratio(gc(&incr), gc(&base)), &incr, &base),
            show(med(&incr, |x| x.pause_max_ns), duration_ns),
            show(med(&incr, |x| x.auto_pause_max_ns), duration_ns),
            ratio(peak(&incr), peak(&base)),
            show(gc(&gen), duration_ns),
            with_range(ratio(gc(&gen), gc(&base)), &gen, &base),
        ]);
    }
    out.push_str(&markdown_table(
        &[
            "workload",
            "marksweep GC",
            "incr GC",
            "incr / marksweep",
            "incr max pause",
            "incr max pause outside gc.collect()",
            "incr peak heap / marksweep",
            "gen GC",
            "gen / marksweep",
        ],
        &rows,
    ));
    out.push_str(&steal_note(set, &workloads));
    out.push_str(&platform_table(set, &workloads));
    out
}

/// The default runs of `workload` by the three collectors, marksweep's first.
fn runs_of_all_three<'a>(set: &'a ResultSet, workload: &str) -> Vec<&'a RunRow> {
    [BASE, INCREMENTAL, GENERATIONAL]
        .iter()
        .flat_map(|c| runs(set, workload, c))
        .collect()
}

/// Pauses longer than this are over the bound incremental collectors are usually held to.
const LONG_PAUSE_NS: u64 = 1_000_000;

/// A table setting marksweep-incr's runs with an automatic pause over 1 ms beside what the
/// plain loop of [`crate::platform_stalls`] saw just before each of the three collectors'
/// runs of the workload: how often the platform itself stalled for over 1 ms, and for how
/// long at most. A pause over 1 ms on a workload whose samples show such stalls may be the
/// host's; one where they show none is the collector's. Nothing for sets older than the
/// sample columns.
fn platform_table(set: &ResultSet, workloads: &[&str]) -> String {
    let mut rows = Vec::new();
    for &w in workloads {
        let sampled: Vec<&RunRow> = runs_of_all_three(set, w)
            .into_iter()
            .filter(|r| r.platform_sampled_ns.is_some())
            .collect();
        if sampled.is_empty() {
            continue;
        }
        let incr = runs(set, w, INCREMENTAL);
        let long = incr
            .iter()
            .filter(|r| r.auto_pause_max_ns > Some(LONG_PAUSE_NS))
            .count();
        let seconds: f64 = sampled
            .iter()
            .map(|r| r.platform_sampled_ns.unwrap_or(0) as f64 / 1e9)
            .sum();
        let stalls: u64 = sampled
            .iter()
            .map(|r| r.platform_stalls_over_1ms.unwrap_or(0))
            .sum();
        let stalled_samples = sampled
            .iter()
            .filter(|r| r.platform_stalls_over_1ms > Some(0))
            .count();
        let longest = sampled.iter().filter_map(|r| r.platform_max_stall_ns).max();
        rows.push(vec![
            w.to_string(),
            format!("{long} of {}", incr.len()),
            format!("{stalled_samples} of {}", sampled.len()),
            if seconds > 0.0 {
                significant(stalls as f64 / seconds)
            } else {
                "-".to_string()
            },
            show(longest.map(|ns| ns as f64), duration_ns),
        ]);
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\nThe platform's own stalls. Before every run the harness times a plain loop for a \
         moment (random read-modify-writes over 32 MiB in steps of about 50 µs; it allocates \
         and collects nothing): a step more than 1 ms slower than the sample's median is a \
         stall of the machine, which lengthens any pause it lands in. Samples are those \
         taken before the three collectors' runs of each workload.\n\n",
    );
    out.push_str(&markdown_table(
        &[
            "workload",
            "incr runs with a pause over 1 ms outside gc.collect()",
            "samples with a stall over 1 ms",
            "stalls over 1 ms per second sampled",
            "longest stall sampled",
        ],
        &rows,
    ));
    out
}

/// A line naming the workloads where the host took CPU time (steal, counted by the kernel in
/// 10 ms ticks: [`RunRow::host_steal_ns`]) during some of the three collectors' default runs,
/// with how many of its runs: those runs' times, the longest pause above all, include the
/// host's. Nothing when no run saw steal, or the set predates the column.
fn steal_note(set: &ResultSet, workloads: &[&str]) -> String {
    let mut cells = Vec::new();
    for &w in workloads {
        let rows = runs_of_all_three(set, w);
        let stolen = rows.iter().filter(|r| r.host_steal_ns > Some(0)).count();
        if stolen > 0 {
            cells.push(format!("{w} {stolen} of {}", rows.len()));
        }
    }
    if cells.is_empty() {
        return String::new();
    }
    format!(
        "\nRuns during which the host took CPU time from this VM (steal, from /proc/stat, seen \
         in 10 ms ticks; their pauses include the host's): {}.\n",
        cells.join(", ")
    )
}

/// `median_ratio` followed by the least and greatest GC-time ratio of runs measured back to
/// back (the same seed and repeat: a repeat runs every collector of a workload in a row), so
/// the table shows how far one pair of runs can move the ratio on this host.
fn with_range(median_ratio: String, runs: &[&RunRow], base: &[&RunRow]) -> String {
    let ratios: Vec<f64> = runs
        .iter()
        .filter_map(|r| {
            let b = base
                .iter()
                .find(|b| (b.seed, b.repeat) == (r.seed, r.repeat))?;
            match (r.gc_ns, b.gc_ns) {
                (Some(x), Some(y)) if y > 0 => Some(x as f64 / y as f64),
                _ => None,
            }
        })
        .collect();
    if ratios.len() < 2 {
        return median_ratio;
    }
    let (lo, hi) = ratios
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    format!("{median_ratio} ({}-{})", significant(lo), significant(hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::RunRow;

    fn row(collector: &str, gc: u64, max: u64, auto_max: Option<u64>, peak: u64) -> RunRow {
        RunRow {
            collector: collector.into(),
            workload: "gc-traversal".into(),
            status: "ok".into(),
            gc_ns: Some(gc),
            pause_max_ns: Some(max),
            auto_pause_max_ns: auto_max,
            peak_heap_bytes: Some(peak),
            ..RunRow::default()
        }
    }

    #[test]
    fn the_section_gives_the_ratios_over_marksweep_and_both_maxima() {
        let mut swept = row(INCREMENTAL, 1, 1, Some(1), 1);
        swept.sweep = "marksweep-incr.step_bytes=4096".into();
        let set = ResultSet {
            runs: vec![
                row(BASE, 10_000_000, 2_000_000, Some(0), 4 << 20),
                row(INCREMENTAL, 12_000_000, 3_000_000, Some(400_000), 5 << 20),
                row(GENERATIONAL, 6_000_000, 2_000_000, Some(0), 4 << 20),
                // A swept run is not a default run: it must not move the medians.
                swept,
            ],
            ..ResultSet::default()
        };
        let s = section(&set);
        assert!(
            s.contains("## Mark-sweep: incremental and generational"),
            "{s}"
        );
        assert!(
            s.contains(
                "| gc-traversal | 10 ms | 12 ms | 1.2x | 3 ms | 400 µs | 1.25x | 6 ms | 0.6x |"
            ),
            "{s}"
        );
    }

    #[test]
    fn a_result_set_from_before_the_column_shows_a_dash() {
        let set = ResultSet {
            runs: vec![
                row(BASE, 1, 1, None, 1),
                row(INCREMENTAL, 1, 1, None, 1),
                row(GENERATIONAL, 1, 1, None, 1),
            ],
            ..ResultSet::default()
        };
        assert!(
            section(&set).contains("| 1 ns | - | 1x |"),
            "{}",
            section(&set)
        );
    }

    #[test]
    fn ratios_carry_the_range_of_runs_measured_back_to_back() {
        let at = |collector: &str, repeat: u32, gc: u64| RunRow {
            repeat,
            ..row(collector, gc, 1, Some(1), 1)
        };
        // Pairs of repeats: incr 1.5x, 0.5x, 1.1x; gen 0.5x, 0.25x, 1x.
        let mut runs = Vec::new();
        for (repeat, base, incr, gen) in [(0, 10, 15, 5), (1, 20, 10, 5), (2, 10, 11, 10)] {
            runs.push(at(BASE, repeat, base));
            runs.push(at(INCREMENTAL, repeat, incr));
            runs.push(at(GENERATIONAL, repeat, gen));
        }
        // A failed run pairs with nothing.
        runs.push(RunRow {
            gc_ns: None,
            status: "failed".into(),
            ..at(INCREMENTAL, 3, 0)
        });
        let set = ResultSet {
            runs,
            ..ResultSet::default()
        };
        let s = section(&set);
        // Medians: marksweep 10, incr 11, gen 5.
        assert!(s.contains("| 10 ns | 11 ns | 1.1x (0.5-1.5) |"), "{s}");
        assert!(s.contains("| 5 ns | 0.5x (0.25-1) |"), "{s}");
    }

    #[test]
    fn runs_with_host_steal_are_counted_per_workload() {
        let stolen = |collector: &str, steal: Option<u64>| RunRow {
            host_steal_ns: steal,
            ..row(collector, 1, 1, Some(1), 1)
        };
        let quiet = ResultSet {
            runs: vec![
                stolen(BASE, Some(0)),
                stolen(INCREMENTAL, None),
                stolen(GENERATIONAL, Some(0)),
            ],
            ..ResultSet::default()
        };
        assert!(!section(&quiet).contains("steal"), "{}", section(&quiet));
        let mut runs = quiet.runs.clone();
        runs.push(stolen(INCREMENTAL, Some(20_000_000)));
        let set = ResultSet {
            runs,
            ..ResultSet::default()
        };
        assert!(
            section(&set).contains("(steal, from /proc/stat, seen in 10 ms ticks; their pauses include the host's): gc-traversal 1 of 4.\n"),
            "{}",
            section(&set)
        );
    }

    #[test]
    fn the_platform_table_sets_long_incremental_pauses_beside_the_plain_loops_stalls() {
        let sampled = |collector: &str, auto_max: u64, stall: Option<(u64, u64)>| RunRow {
            platform_sampled_ns: stall.map(|_| 100_000_000),
            platform_max_stall_ns: stall.map(|s| s.0),
            platform_stalls_over_1ms: stall.map(|s| s.1),
            ..row(collector, 1, auto_max, Some(auto_max), 1)
        };
        let old = ResultSet {
            runs: vec![
                sampled(BASE, 1, None),
                sampled(INCREMENTAL, 2_000_000, None),
                sampled(GENERATIONAL, 1, None),
            ],
            ..ResultSet::default()
        };
        assert!(!section(&old).contains("platform"), "{}", section(&old));
        let set = ResultSet {
            runs: vec![
                sampled(BASE, 5_000_000, Some((2_500_000, 2))),
                sampled(INCREMENTAL, 1_000_000, Some((300_000, 0))),
                sampled(INCREMENTAL, 1_000_001, Some((1_000_001, 1))),
                sampled(GENERATIONAL, 1, Some((0, 0))),
            ],
            ..ResultSet::default()
        };
        // 1 of 2 incremental runs over 1 ms (exactly 1 ms is not over); 2 of 4 samples
        // stalled, 3 stalls in 0.4 s; the longest 2.5 ms.
        assert!(
            section(&set).contains("| gc-traversal | 1 of 2 | 2 of 4 | 7.5 | 2.5 ms |"),
            "{}",
            section(&set)
        );
    }

    #[test]
    fn no_section_without_all_three() {
        let set = ResultSet {
            runs: vec![row(BASE, 1, 1, None, 1), row(INCREMENTAL, 1, 1, None, 1)],
            ..ResultSet::default()
        };
        assert_eq!(section(&set), "");
    }
}
