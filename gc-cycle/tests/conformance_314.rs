//! The whole collector contract for `cycle-314`, CPython 3.14.0-3.14.4's incremental
//! collector, and the `gc` module as 3.14 answers it.

use gc_core::{Collector, GcModule};
use gc_cycle::IncrementalCycleGc;

gc_core::conformance_tests!(IncrementalCycleGc::default);

#[test]
fn cycle_314_has_cpython_314_thresholds_and_statistics_for_three_generations() {
    let gc = IncrementalCycleGc::default();
    assert_eq!(gc.name(), "cycle-314");
    assert_eq!(gc.get_threshold(), vec![2000, 10, 0]);
    assert_eq!(gc.capabilities().generations, 3);
}
