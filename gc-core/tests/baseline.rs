//! `Runtime::add_baseline`: long-lived objects outside the slots, reachable for the oracle,
//! counted in the heap's statistics, on a collector without `gc.freeze()`.

use gc_core::{GcControl, HeapConfig, Mutator, NoGc, Runtime, Shape, BASELINE_SHAPE, NULL};

#[test]
fn baseline_objects_are_held_by_a_permanent_root_not_a_slot() {
    let mut m = Runtime::new(HeapConfig::verified(), NoGc).unwrap();
    m.add_baseline(1_000).unwrap();
    let stats = m.heap_stats();
    assert_eq!(stats.total_allocated, 1_000);
    assert_eq!(stats.objects_in_use, 1_000);
    assert_eq!(m.heap().pinned().len(), 1);
    assert!(m.heap().slots().iter().all(|&s| s == NULL));
    let reachable = gc_core::oracle::reachable(m.heap()).unwrap();
    assert_eq!(reachable.len(), 1_000);
    assert_eq!(m.leak_report().unwrap().objects, 0);
    // A workload then uses slots 0 and 1 as if the heap were fresh.
    m.alloc(0, Shape::new(1, 0)).unwrap();
    m.alloc(1, BASELINE_SHAPE).unwrap();
    assert_eq!(m.heap_stats().objects_in_use, 1_002);
    assert!(
        m.is_enabled(),
        "automatic collection is back on after the build"
    );
}

#[test]
fn no_baseline_changes_nothing() {
    let mut m = Runtime::new(HeapConfig::default(), NoGc).unwrap();
    m.add_baseline(0).unwrap();
    assert_eq!(m.heap_stats().total_allocated, 0);
    assert!(m.heap().pinned().is_empty());
}
