//! `cycle-314`: the gc module as CPython 3.14 answers it, and increments that reach old
//! garbage only after a mark, asserted with exact counts.

use gc_core::fixtures::cycle_pairs;
use gc_core::{GcControl, HeapConfig, Mutator, Runtime, Shape};
use gc_cycle::IncrementalCycleGc;

fn runtime() -> Runtime<IncrementalCycleGc> {
    let mut rt = Runtime::new(HeapConfig::verified(), IncrementalCycleGc::default()).unwrap();
    rt.reserve_slots(64).unwrap();
    rt
}

/// `get_objects(1)` is always empty (3.14 has no generation 1); `collect(0)` moves the
/// young survivors into the old generation and counts a young collection.
#[test]
fn gc_module_answers_as_314() {
    let mut m = runtime();
    for slot in 0..4 {
        m.alloc(slot, Shape::new(1, 8)).unwrap();
    }
    assert_eq!(m.get_objects(Some(0)).len(), 4);
    assert!(m.get_objects(Some(1)).is_empty());
    assert_eq!(m.get_count(), vec![4, 0, 0]);
    assert_eq!(m.collect(Some(0)).unwrap(), 0);
    assert!(m.get_objects(Some(0)).is_empty());
    assert!(m.get_objects(Some(1)).is_empty());
    assert_eq!(m.get_objects(Some(2)).len(), 4);
    assert_eq!(m.get_objects(None).len(), 4);
    assert_eq!(m.get_count(), vec![0, 1, 0]);
    assert_eq!(m.get_stats()[0].collections, 1);
    // A full collection clears the old counts and leaves every object pending.
    cycle_pairs(&mut m, 4, 5, 1).unwrap();
    assert_eq!(m.collect(None).unwrap(), 2);
    assert_eq!(m.get_count(), vec![0, 0, 0]);
    assert_eq!(m.get_objects(Some(2)).len(), 4);
    assert_eq!(m.get_stats()[2].collections, 1);
}

/// A cycle that became garbage in the old generation survives the increments of the
/// scavenge it was visited in and is collected by an increment of the next one, without a
/// full collection; the first increment of each scavenge only marks. Each increment is
/// preceded by 50 young garbage pairs, the new objects that bring it work (100, plus a heap
/// fraction of 1% of the tracked objects):
/// 1: marks (nothing is reachable); 2: work 203 (100 + 101 + heap fraction 2), young 200,
/// pending (the other space) empty: collects 200, the scavenge completes and the spaces
/// flip; 3: marks; 4: work 203 again, young 200 plus the pair, now pending: collects 202
/// and, pending empty again, completes the second scavenge.
#[test]
fn old_garbage_waits_for_the_next_scavenge() {
    let mut m = runtime();
    m.alloc(0, Shape::new(1, 8)).unwrap();
    m.alloc(1, Shape::new(1, 8)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(1, 0, Some(0)).unwrap();
    m.collect(Some(0)).unwrap();
    m.clear(0).unwrap();
    m.clear(1).unwrap();
    let mut left = Vec::new();
    for _ in 0..4 {
        cycle_pairs(&mut m, 10, 11, 50).unwrap();
        m.collect(Some(1)).unwrap();
        left.push(m.heap_stats().objects_in_use);
    }
    assert_eq!(left, vec![102, 2, 102, 0]);
    let stats = m.get_stats();
    assert_eq!(stats[1].collected, 402);
    assert_eq!(stats[1].collections, 4);
    assert_eq!(stats[2].collections, 0, "no full collection");
    let s = m.collector().stats();
    assert_eq!((s.marks, s.increments, s.scavenges), (2, 2, 2));
    assert_eq!(s.max_increment, 202);
}
