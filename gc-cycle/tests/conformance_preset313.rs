//! The whole collector contract for the registered preset `cycle-313`.

gc_core::conformance_tests!(gc_cycle::CycleGc313::default);

#[test]
fn cycle_313_has_cpython_313_thresholds() {
    use gc_core::{Collector, GcModule};
    let gc = gc_cycle::CycleGc313::default();
    assert_eq!(gc.name(), "cycle-313");
    assert_eq!(gc.get_threshold(), vec![2000, 10, 10]);
}
