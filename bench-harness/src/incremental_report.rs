//! The results section "Incremental against generational (CPython 3.14 and 3.14.5)": `cycle`
//! (3.12's generational collector, which 3.14.5 restored) beside `cycle-314` (3.14.0's
//! incremental one) and, where it ran, `cycle-ft`, with the numbers of this result set and the
//! mechanism read from `cycle-314`'s counters.

use std::fmt::Write;

use crate::aggregate::{default_runs as runs, median_of as med};
use crate::report::markdown_table;
use crate::results::ResultSet;
use crate::units::{count, duration_ns, mib, or_dash as show, ratio};

/// The collectors compared, in table order.
const COMPARED: [&str; 3] = ["cycle", "cycle-314", "cycle-ft"];

/// The section, or nothing when no workload ran with both `cycle` and `cycle-314`.
pub fn section(set: &ResultSet) -> String {
    let mut workloads: Vec<String> = Vec::new();
    for r in &set.runs {
        if !workloads.contains(&r.workload)
            && !runs(set, &r.workload, "cycle").is_empty()
            && !runs(set, &r.workload, "cycle-314").is_empty()
        {
            workloads.push(r.workload.clone());
        }
    }
    if workloads.is_empty() {
        return String::new();
    }
    let mut out =
        String::from("\n## Incremental against generational (CPython 3.14 and 3.14.5)\n\n");
    out.push_str(
        "`cycle` is the generational collector of CPython 3.12, which 3.14.5 restored; \
         `cycle-314` is 3.14.0-3.14.4's incremental collector; `cycle-ft` the free-threaded \
         build's. Medians of this result set's successful runs. *unreachable*: bytes held by \
         objects already unreachable (heap in use minus live bytes, at 128 points of an untimed \
         replay), the memory the 3.14 reports were about. The ratios are cycle-314 over cycle.\n\n",
    );
    let mut rows = Vec::new();
    for w in &workloads {
        for c in COMPARED {
            let r = runs(set, w, c);
            if r.is_empty() {
                continue;
            }
            rows.push(vec![
                w.clone(),
                c.to_string(),
                show(med(&r, |x| x.gc_ns), duration_ns),
                show(med(&r, |x| x.pause_max_ns), duration_ns),
                show(med(&r, |x| x.pause_p99_ns), duration_ns),
                show(med(&r, |x| x.peak_heap_bytes), mib),
                show(med(&r, |x| x.unreachable_mean_bytes), mib),
                show(med(&r, |x| x.unreachable_peak_bytes), mib),
            ]);
        }
        let (a, b) = (runs(set, w, "cycle-314"), runs(set, w, "cycle"));
        rows.push(vec![
            w.clone(),
            "*ratio*".into(),
            ratio(med(&a, |x| x.gc_ns), med(&b, |x| x.gc_ns)),
            ratio(med(&a, |x| x.pause_max_ns), med(&b, |x| x.pause_max_ns)),
            ratio(med(&a, |x| x.pause_p99_ns), med(&b, |x| x.pause_p99_ns)),
            ratio(
                med(&a, |x| x.peak_heap_bytes),
                med(&b, |x| x.peak_heap_bytes),
            ),
            ratio(
                med(&a, |x| x.unreachable_mean_bytes),
                med(&b, |x| x.unreachable_mean_bytes),
            ),
            ratio(
                med(&a, |x| x.unreachable_peak_bytes),
                med(&b, |x| x.unreachable_peak_bytes),
            ),
        ]);
    }
    out.push_str(&markdown_table(
        &[
            "workload",
            "collector",
            "GC time",
            "max pause",
            "p99 pause",
            "peak heap MiB",
            "unreachable MiB (mean)",
            "unreachable MiB (peak)",
        ],
        &rows,
    ));
    out.push_str(
        "\n**The mechanism, from cycle-314's counters.** An increment collects the young \
         objects plus pending old ones (each with what it reaches) up to `work_to_do`; a \
         scavenge begins with a mark from the roots that moves everything reachable into \
         the visited space, where it waits, even if it becomes garbage, until the scavenge \
         completes and the spaces flip. *marked per mark*: objects a scavenge's first \
         increment marked (a pause that frees nothing); *allocations per scavenge*: tracked \
         allocations while one scavenge ran, how long garbage marked at its start can wait.\n\n",
    );
    let mut rows = Vec::new();
    for w in &workloads {
        let r = runs(set, w, "cycle-314");
        let c = |name: &'static str| med(&r, move |x| x.counter(name));
        let per = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => Some(a / b),
            _ => None,
        };
        rows.push(vec![
            w.clone(),
            show(c("increments"), count),
            show(per(c("increment_objects"), c("increments")), count),
            show(c("max_increment"), count),
            show(c("marks"), count),
            show(per(c("marked_from_roots"), c("marks")), count),
            show(c("scavenges"), count),
            show(c("max_scavenge_increments"), count),
            show(per(c("scavenge_allocations"), c("scavenges")), count),
            show(c("max_scavenge_allocations"), count),
        ]);
    }
    out.push_str(&markdown_table(
        &[
            "workload",
            "increments",
            "objects per increment",
            "largest increment",
            "marks",
            "marked per mark",
            "scavenges",
            "longest scavenge (increments)",
            "allocations per scavenge",
            "most allocations in a scavenge",
        ],
        &rows,
    ));
    let mut summary = String::new();
    for w in &workloads {
        let (a, b) = (runs(set, w, "cycle-314"), runs(set, w, "cycle"));
        let _ = writeln!(
            summary,
            "- {w}: cycle-314's longest pause is {} of cycle's, its peak heap {}, its mean \
             unreachable bytes {}.",
            ratio(med(&a, |x| x.pause_max_ns), med(&b, |x| x.pause_max_ns)),
            ratio(
                med(&a, |x| x.peak_heap_bytes),
                med(&b, |x| x.peak_heap_bytes)
            ),
            ratio(
                med(&a, |x| x.unreachable_mean_bytes),
                med(&b, |x| x.unreachable_mean_bytes)
            ),
        );
    }
    out.push('\n');
    out.push_str(&summary);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::RunRow;

    fn row(collector: &str, pause: u64, unreachable: u64, counters: &str) -> RunRow {
        RunRow {
            collector: collector.into(),
            workload: "request-churn".into(),
            status: "ok".into(),
            pause_max_ns: Some(pause),
            peak_heap_bytes: Some(4 * unreachable),
            unreachable_mean_bytes: Some(unreachable),
            counters: counters.into(),
            ..RunRow::default()
        }
    }

    #[test]
    fn the_section_compares_cycle_314_with_cycle_from_the_rows() {
        let set = ResultSet {
            runs: vec![
                row("cycle", 10_000_000, 1 << 20, ""),
                row(
                    "cycle-314",
                    2_000_000,
                    5 << 20,
                    "increments=10;increment_objects=30000;marks=2;marked_from_roots=800;scavenges=2",
                ),
            ],
            ..ResultSet::default()
        };
        let s = section(&set);
        assert!(s.contains("## Incremental against generational (CPython 3.14 and 3.14.5)"));
        assert!(s.contains("longest pause is 0.2x of cycle's"), "{s}");
        assert!(s.contains("mean unreachable bytes 5x"), "{s}");
        // The byte columns name their unit, as the summary table's do: 20 MiB peak, 5 MiB
        // unreachable on average, no peak recorded.
        assert!(
            s.contains("| peak heap MiB | unreachable MiB (mean) | unreachable MiB (peak) |"),
            "{s}"
        );
        assert!(s.contains("| 20 | 5 | - |"), "{s}");
        // 30000 objects over 10 increments; 800 marked over 2 marks.
        assert!(s.contains("| 3,000 |") || s.contains("| 3000 |"), "{s}");
        assert!(s.contains("| 400 |"), "{s}");
    }

    #[test]
    fn no_section_without_both_collectors() {
        let set = ResultSet {
            runs: vec![row("cycle", 1, 1, "")],
            ..ResultSet::default()
        };
        assert_eq!(section(&set), "");
    }
}
