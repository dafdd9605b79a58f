//! The contract again with CPython 3.13's thresholds (2000, 10, 10).

gc_core::conformance_tests!(gc_cycle::CycleGc::python_313);

/// The harness's preset `cycle-313` (`threshold0=2000` over `CycleParams`) is this collector.
#[test]
fn the_cycle_313_preset_has_cpython_313_thresholds() {
    use gc_core::params::{apply_overrides, Configured, Params};
    use gc_core::GcModule;
    use gc_cycle::{CycleGc, CycleParams};
    let set = [("threshold0".to_string(), "2000".to_string())];
    let params = apply_overrides("collector", "cycle-313", CycleParams::defaults(), &set).unwrap();
    assert_eq!(
        CycleGc::from_params(&params).get_threshold(),
        vec![2000, 10, 10]
    );
    assert_eq!(CycleGc::python_313().get_threshold(), vec![2000, 10, 10]);
}
