//! The minimum heap of a (collector, workload): binary search on the heap limit, each probe
//! a child run, as heap-size sweeps in the GC literature do.

use std::time::Duration;

use crate::child::{run_child, ChildRequest};
use crate::signals::Interrupts;

/// Stop when the bracket is narrower than this fraction of the upper bound...
const RELATIVE_PRECISION: f64 = 0.02;
/// ...or than this many bytes.
const ABSOLUTE_PRECISION: u64 = 1024;

/// Finds the smallest heap limit (to 2%) at which `template` completes, by binary search
/// between zero and the peak heap of a run limited only by `budget`. Any failure of a probe
/// (out of heap, timeout, failed check) counts as "too small"; after a signal every probe
/// fails at once, so the search ends quickly.
pub fn min_heap(
    template: &ChildRequest,
    timeout: Duration,
    budget: u64,
    interrupts: &Interrupts,
) -> Result<u64, String> {
    let probe = |limit: u64| {
        let mut request = template.clone();
        request.heap_limit = Some(limit);
        run_child(&request, timeout, interrupts).row
    };
    let unlimited = probe(budget);
    if !unlimited.is_ok() {
        return Err(format!(
            "fails within the memory budget: {}",
            unlimited.status
        ));
    }
    let peak = unlimited
        .peak_heap_bytes
        .ok_or("the run reported no peak heap")?;
    // A limit at the unlimited run's peak can only collect more, never need more... unless
    // the collector's policy reacts to the limit badly; then widen up to the budget.
    let mut high = peak.max(1);
    while !probe(high).is_ok() {
        if high >= budget {
            return Err(format!(
                "fails at every limit up to the memory budget ({budget} bytes)"
            ));
        }
        high = (high * 2).min(budget);
    }
    let mut low = 0;
    while high - low > ABSOLUTE_PRECISION.max((high as f64 * RELATIVE_PRECISION) as u64) {
        let mid = low + (high - low) / 2;
        if probe(mid).is_ok() {
            high = mid;
        } else {
            low = mid;
        }
    }
    Ok(high)
}
