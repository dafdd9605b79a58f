//! The whole collector contract for `cycle-ft`, the free-threaded build's collector.

use gc_core::{Collector, GcModule};
use gc_cycle::FreeThreadedCycleGc;

gc_core::conformance_tests!(FreeThreadedCycleGc::default);

#[test]
fn cycle_ft_has_one_generation() {
    let gc = FreeThreadedCycleGc::default();
    assert_eq!(gc.name(), "cycle-ft");
    assert_eq!(gc.get_threshold(), vec![2000, 10, 0]);
    assert_eq!(gc.capabilities().generations, 1);
}
