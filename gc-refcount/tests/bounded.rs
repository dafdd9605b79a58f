//! Bounded cascades (`refcount-bounded`): at most the budget freed per drain point, the
//! rest dead on the to-free list with exact counts, and everything freed in the end.

use gc_core::{Finalizer, GcControl, HeapConfig, Mutator, Notice, Runtime, Shape};
use gc_refcount::{BoundedRefCount, RefCount};

fn live<M: GcControl>(m: &M) -> u64 {
    m.heap_stats().objects_in_use
}

fn freed<M: GcControl>(m: &M) -> u64 {
    m.heap_stats().total_freed
}

fn finalized(m: &mut impl Mutator) -> Vec<u32> {
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    notices.iter().filter_map(Notice::finalized_tag).collect()
}

#[test]
fn a_ten_million_node_list_is_freed_a_budget_at_a_time() {
    const N: u64 = 10_000_000;
    const BUDGET: u64 = 1000;
    let rc = BoundedRefCount::with_cascade_budget(BUDGET);
    let mut m = Runtime::new(HeapConfig::default(), rc).unwrap();
    m.reserve_slots(4).unwrap();
    // Built from the tail: each new node takes the list so far as its one field.
    for _ in 0..N {
        m.alloc_moving(1, Shape::new(1, 0), &[0]).unwrap();
        m.copy(0, 1).unwrap();
        m.clear(1).unwrap();
    }
    assert_eq!(live(&m), N);
    m.clear(0).unwrap();
    assert_eq!(freed(&m), BUDGET, "the dropping release frees the budget");
    assert_eq!(m.collector().deferred(), 1, "the next node waits, dead");
    let mut remaining = N - BUDGET;
    let mut operations = 0u64;
    while remaining > 0 {
        // Each operation is a drain point: the allocation before it allocates, and the
        // release of the leaf that reaches zero.
        let before = freed(&m);
        if operations.is_multiple_of(2) {
            m.alloc(1, Shape::new(0, 8)).unwrap();
            let list_freed = freed(&m) - before;
            assert_eq!(list_freed, BUDGET.min(remaining));
            remaining -= list_freed;
        } else {
            m.clear(1).unwrap();
            // The leaf, then the list up to the budget.
            let list_freed = freed(&m) - before - 1;
            assert_eq!(list_freed, (BUDGET - 1).min(remaining));
            remaining -= list_freed;
        }
        operations += 1;
    }
    m.clear(1).unwrap();
    assert_eq!(live(&m), 0);
    assert_eq!(freed(&m), N + operations.div_ceil(2));
    assert_eq!(m.collector().deferred(), 0);
    assert!(
        m.cascade_stats().largest <= BUDGET,
        "no chunk beyond the budget"
    );
    // 9,999,000 nodes at 1,000 and 999 per pair of operations: 5,002 pairs leave the last
    // 2 for one more allocation.
    assert_eq!(operations, 10_005);
}

/// A tree: root -> (a, b), b -> c, each with a finalizer reporting its tag, and a weak
/// reference (callback 9) to a. Returns the runtime with the tree in slot 0.
fn tree<C: gc_core::Collector>(collector: C) -> Runtime<C> {
    let mut m = Runtime::new(HeapConfig::verified(), collector).unwrap();
    m.reserve_slots(8).unwrap();
    let node = Shape::new(2, 8);
    m.alloc(0, node).unwrap();
    m.set_finalizer(0, Finalizer::report(0)).unwrap();
    for (slot, tag) in [(1, 1), (2, 2), (3, 3)] {
        m.alloc(slot, node).unwrap();
        m.set_finalizer(slot, Finalizer::report(tag)).unwrap();
    }
    m.new_weak(4, 1, Some(9)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(0, 1, Some(2)).unwrap();
    m.store(2, 0, Some(3)).unwrap();
    for slot in 1..=3 {
        m.clear(slot).unwrap();
    }
    m
}

#[test]
fn without_a_budget_a_cascade_finalizes_depth_first_last_field_first() {
    let mut m = tree(RefCount::default());
    m.clear(0).unwrap();
    assert_eq!(finalized(&mut m), vec![0, 2, 3, 1]);
    assert_eq!(live(&m), 1, "the weak reference is left");
}

#[test]
fn with_a_budget_what_dies_when_it_runs_out_is_finalized_at_once_and_freed_later() {
    let mut m = tree(BoundedRefCount::with_cascade_budget(1));
    m.clear(0).unwrap();
    // The root is freed; b and a reach zero with the budget spent: they die now (finalizer,
    // weak callback) and wait; c dies when b is freed.
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    let tags: Vec<u32> = notices.iter().filter_map(Notice::finalized_tag).collect();
    assert_eq!(tags, vec![0, 2, 1]);
    assert!(
        notices
            .iter()
            .any(|n| matches!(n, Notice::WeakCallback { tag: 9, .. })),
        "a's weak reference called back when a died"
    );
    assert!(!m.upgrade(5, 4).unwrap(), "a dead object cannot be revived");
    assert_eq!(live(&m), 4, "a, b, c and the weak reference");
    assert_eq!(m.collector().deferred(), 2);
    m.verify_now().unwrap();
    m.safepoint().unwrap();
    assert_eq!(finalized(&mut m), vec![3], "b freed, c dies and waits");
    assert_eq!(live(&m), 3);
    m.verify_now().unwrap();
    m.safepoint().unwrap();
    m.safepoint().unwrap();
    assert_eq!(live(&m), 1);
    assert_eq!(m.collector().deferred(), 0);
}

#[test]
fn a_full_collection_frees_the_whole_to_free_list() {
    let mut m = tree(BoundedRefCount::with_cascade_budget(1));
    m.clear(0).unwrap();
    assert_eq!(m.collector().deferred(), 2);
    m.collect(None).unwrap();
    assert_eq!(m.collector().deferred(), 0);
    assert_eq!(live(&m), 1);
    assert_eq!(finalized(&mut m), vec![0, 2, 1, 3]);
}
