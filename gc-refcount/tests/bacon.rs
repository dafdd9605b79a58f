//! `rc-bacon`'s own promises, with exact counts on verified heaps (every collection is
//! checked by the oracle: nothing unreachable left, counts exact).

use gc_core::{Finalizer, GcControl, HeapConfig, Mutator, Notice, Runtime, Shape};
use gc_refcount::RcBacon;

fn runtime(collector: RcBacon) -> Runtime<RcBacon> {
    let mut m = Runtime::new(HeapConfig::verified(), collector).unwrap();
    m.reserve_slots(8).unwrap();
    m
}

fn live(m: &Runtime<RcBacon>) -> u64 {
    m.heap_stats().objects_in_use
}

fn collections(m: &Runtime<RcBacon>) -> u64 {
    m.get_stats().iter().map(|s| s.collections).sum()
}

/// Builds a pair referring to each other in slots 0 and 1 and drops both: two possible
/// roots (each release leaves a count of 1).
fn drop_pair(m: &mut Runtime<RcBacon>) {
    let pair = Shape::new(1, 8);
    m.alloc(0, pair).unwrap();
    m.alloc(1, pair).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(1, 0, Some(0)).unwrap();
    m.clear(0).unwrap();
    m.clear(1).unwrap();
}

#[test]
fn a_thousand_seed_pairs_are_freed_a_threshold_of_roots_at_a_time() {
    let mut m = runtime(RcBacon::with_fixed_threshold(100));
    for _ in 0..1000 {
        drop_pair(&mut m);
    }
    // 2 roots a pair: the buffer reaches 100 after every 50 pairs, and the next pair's
    // first allocation collects them, 19 times; the last 50 pairs wait.
    assert_eq!(collections(&m), 19);
    assert_eq!(live(&m), 100);
    assert_eq!(m.collector().buffered(), 100);
    assert_eq!(m.collect(None).unwrap(), 100);
    assert_eq!(collections(&m), 20);
    assert_eq!(live(&m), 0);
    assert_eq!(m.heap_stats().total_freed, 2000);
    // Each collection marked exactly its roots' pairs gray.
    assert_eq!(m.objects_scanned(), 2000);
}

#[test]
fn php_defaults_wait_for_ten_thousand_roots_and_a_freed_root_leaves_the_buffer() {
    let mut m = runtime(RcBacon::default());
    assert_eq!(m.collector().threshold(), 10_000);
    for _ in 0..1000 {
        drop_pair(&mut m);
    }
    assert_eq!(collections(&m), 0, "2,000 roots are under the threshold");
    assert_eq!(m.collect(None).unwrap(), 2000);
    // 10,000 possible roots that are all live: a collection frees nothing, so PHP's
    // gc_adjust_threshold raises the threshold by 10,000.
    m.alloc(0, Shape::new(0, 8)).unwrap();
    for _ in 0..10_000 {
        m.copy(1, 0).unwrap();
        m.clear(1).unwrap();
        m.alloc(2, Shape::new(0, 8)).unwrap();
        m.copy(1, 2).unwrap();
        m.clear(1).unwrap();
        m.clear(2).unwrap();
    }
    // The first root stays buffered (purple); each new leaf was buffered, then freed by
    // counting, leaving the buffer.
    assert_eq!(m.collector().buffered(), 1);
    assert_eq!(m.collector().threshold(), 10_000);
}

#[test]
fn the_adaptive_threshold_rises_by_a_step_after_a_collection_that_frees_little() {
    let mut m = runtime(RcBacon::default());
    // 10,000 live objects, each made a possible root by dropping a second reference.
    let cell = Shape::new(1, 0);
    m.alloc(0, cell).unwrap();
    for _ in 0..10_000 {
        m.alloc_moving(1, cell, &[0]).unwrap();
        m.copy(0, 1).unwrap();
        m.clear(1).unwrap();
    }
    assert_eq!(m.collector().buffered(), 10_000);
    m.alloc(2, Shape::new(0, 8)).unwrap();
    assert_eq!(collections(&m), 1);
    assert_eq!(live(&m), 10_002, "nothing was garbage");
    assert_eq!(m.collector().threshold(), 20_000);
    assert_eq!(m.collector().buffered(), 0);
}

#[test]
fn an_object_freed_by_counting_while_buffered_leaves_the_buffer() {
    let mut m = runtime(RcBacon::default());
    let leaf = Shape::new(0, 8);
    // a and b buffered (a second reference dropped), a first.
    for (slot, copy) in [(0, 1), (2, 3)] {
        m.alloc(slot, leaf).unwrap();
        m.copy(copy, slot).unwrap();
        m.clear(copy).unwrap();
    }
    assert_eq!(m.collector().buffered(), 2);
    // a is freed by counting: b takes its place in the buffer, with its index.
    m.clear(0).unwrap();
    assert_eq!(m.collector().buffered(), 1);
    assert_eq!(live(&m), 1);
    m.clear(2).unwrap();
    assert_eq!(m.collector().buffered(), 0);
    assert_eq!(live(&m), 0);
    assert_eq!(m.collect(None).unwrap(), 0);
    assert_eq!(m.get_stats()[0].candidates, 0, "no root left to examine");
}

#[test]
fn weak_references_finalizers_and_resurrection_in_a_collection() {
    let mut m = runtime(RcBacon::default());
    let pair = Shape::new(1, 8);
    // a <-> b; a weak reference to a with callback 7 in slot 4; b's finalizer resurrects it
    // into slot 5 (tag 2); c, a self-cycle with finalizer tag 3, dies outright.
    m.alloc(0, pair).unwrap();
    m.alloc(1, pair).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(1, 0, Some(0)).unwrap();
    m.new_weak(4, 0, Some(7)).unwrap();
    m.set_finalizer(1, Finalizer::resurrect(2, 5)).unwrap();
    m.alloc(2, pair).unwrap();
    m.store(2, 0, Some(2)).unwrap();
    m.set_finalizer(2, Finalizer::report(3)).unwrap();
    let b = m.slot_ref(1).unwrap().unwrap();
    for slot in 0..3 {
        m.clear(slot).unwrap();
    }
    assert_eq!(live(&m), 4);
    assert_eq!(
        m.collect(None).unwrap(),
        1,
        "c is freed; a and b are resurrected"
    );
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    let mut tags: Vec<u32> = notices.iter().filter_map(Notice::finalized_tag).collect();
    tags.sort_unstable();
    assert_eq!(tags, vec![2, 3]);
    assert!(
        notices
            .iter()
            .any(|n| matches!(n, Notice::WeakCallback { tag: 7, .. })),
        "the weak reference to a was cleared, with its callback, before b's finalizer ran"
    );
    assert!(!m.upgrade(6, 4).unwrap());
    assert_eq!(m.slot_ref(5).unwrap(), Some(b));
    assert_eq!(live(&m), 3, "a, b and the weak reference");
    m.verify_now().unwrap();
    // Dropped again, the pair dies for good: b's finalizer ran once in its life.
    m.clear(5).unwrap();
    assert_eq!(m.collect(None).unwrap(), 2);
    m.drain_notices(&mut notices);
    assert_eq!(live(&m), 1);
    m.verify_now().unwrap();
}

/// g1 -> [g2, a, d, g3], g2 -> g1, g3 -> g1, d -> a, a -> b, d held by slot 3, every other
/// slot cleared: g1, g2, g3 are garbage; a and b, reached from g1, are kept by d. Scan
/// turns a and b white before it reaches d, whose count then blackens them again. With
/// `finalizers`, g1, g2, g3 report tags 1, 2, 3 and a reports 4.
fn garbage_beside_a_reblackened_subgraph(m: &mut Runtime<RcBacon>, finalizers: bool) {
    let (g1, g2, g3, d, a, b) = (0, 1, 2, 3, 4, 5);
    m.alloc(g1, Shape::new(4, 8)).unwrap();
    for slot in [g2, g3, d, a] {
        m.alloc(slot, Shape::new(1, 8)).unwrap();
    }
    m.alloc(b, Shape::new(0, 8)).unwrap();
    for (field, to) in [g2, a, d, g3].into_iter().enumerate() {
        m.store(g1, field, Some(to)).unwrap();
    }
    for (from, to) in [(g2, g1), (g3, g1), (d, a), (a, b)] {
        m.store(from, 0, Some(to)).unwrap();
    }
    if finalizers {
        for (slot, tag) in [(g1, 1), (g2, 2), (g3, 3), (a, 4)] {
            m.set_finalizer(slot, Finalizer::report(tag)).unwrap();
        }
    }
    for slot in [g1, g2, g3, a, b] {
        m.clear(slot).unwrap();
    }
}

#[test]
fn objects_turned_white_then_black_again_survive_and_the_garbage_keeps_its_order() {
    for finalizers in [false, true] {
        let mut m = runtime(RcBacon::default());
        garbage_beside_a_reblackened_subgraph(&mut m, finalizers);
        assert_eq!(m.collector().buffered(), 5, "g1, g2, g3, a and b");
        assert_eq!(m.collect(None).unwrap(), 3, "g1, g2 and g3");
        assert_eq!(m.get_stats()[0].candidates, 5);
        assert_eq!(m.objects_scanned(), 6, "all six, from g1");
        assert_eq!(live(&m), 3, "d, a and b");
        m.verify_now().unwrap();
        let mut notices = Vec::new();
        m.drain_notices(&mut notices);
        let tags: Vec<u32> = notices.iter().filter_map(Notice::finalized_tag).collect();
        // CollectWhite's order: from g1 through white objects, first field first.
        let want = if finalizers { vec![1, 2, 3] } else { vec![] };
        assert_eq!(tags, want);
        // Dropped, d takes a and b with it by counting alone.
        m.clear(3).unwrap();
        assert_eq!(live(&m), 0);
        m.verify_now().unwrap();
    }
}
