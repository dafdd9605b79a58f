//! Reference counting's own promises, asserted with exact counts.

use std::cell::RefCell;
use std::rc::Rc;

use gc_core::{
    Collector, Finalizer, GcControl, HeapConfig, Mutator, Notice, PauseKind, Phase, Runtime, Shape,
};
use gc_refcount::{RefCount, SATURATED};

fn runtime(config: HeapConfig) -> Runtime<RefCount> {
    let mut rt = Runtime::new(config, RefCount::default()).unwrap();
    rt.reserve_slots(16).unwrap();
    rt
}

fn live(rt: &Runtime<RefCount>) -> u64 {
    rt.heap_stats().objects_in_use
}

/// The seed's example at scale: 1,000 pairs that reference each other leak exactly 2,000
/// objects, while acyclic garbage built alongside is freed the moment it is dropped.
#[test]
fn seed_pairs_leak_exactly_while_acyclic_garbage_is_freed_at_once() {
    let mut m = runtime(HeapConfig::verified());
    let pair = Shape::new(1, 8);
    for i in 0..1000u64 {
        m.alloc(0, pair).unwrap();
        m.alloc(1, pair).unwrap();
        m.store(0, 0, Some(1)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
        // Acyclic garbage alongside: a node holding a leaf twice and a three-node chain.
        m.alloc(2, Shape::new(2, 8)).unwrap();
        m.alloc(3, Shape::new(0, 16)).unwrap();
        m.store(2, 0, Some(3)).unwrap();
        m.store(2, 1, Some(3)).unwrap();
        m.clear(3).unwrap();
        m.alloc(4, Shape::new(1, 0)).unwrap();
        m.store(4, 0, Some(2)).unwrap();
        m.clear(2).unwrap();
        assert_eq!(live(&m), 2 * i + 2 + 3);
        m.clear(4).unwrap();
        assert_eq!(
            live(&m),
            2 * i + 2,
            "acyclic garbage freed on its last release"
        );
        m.clear(0).unwrap();
        m.clear(1).unwrap();
        assert_eq!(live(&m), 2 * i + 2, "the pair keeps itself alive");
    }
    assert_eq!(m.collect(None).unwrap(), 0);
    let leak = m.leak_report().unwrap();
    assert_eq!(leak.objects, 2000);
    assert_eq!(leak.bytes, 2000 * m.heap().charge_for(pair) as u64);
    assert_eq!(
        RefCount::leak_report(m.heap()).unwrap(),
        leak,
        "the collector's report is the oracle's"
    );
    assert_eq!(m.heap_stats().total_freed, 3000);
    m.verify_now().unwrap();
}

/// Freeing the head of a ten-million-object list is one cascade, not ten million frames.
#[test]
fn ten_million_list_freed_from_its_head() {
    const N: u64 = 10_000_000;
    let mut m = runtime(HeapConfig::default());
    for _ in 0..N {
        m.alloc(1, Shape::new(1, 8)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
        m.copy(0, 1).unwrap();
    }
    m.clear(1).unwrap();
    assert_eq!(live(&m), N);
    assert_eq!(m.cascade_stats().cascades, 0, "building frees nothing");
    m.clear(0).unwrap();
    assert_eq!(live(&m), 0);
    assert_eq!(m.heap_stats().total_freed, N);
    let cascades = m.cascade_stats();
    assert_eq!(
        (cascades.cascades, cascades.freed, cascades.largest),
        (1, N, N)
    );
}

/// A store retains before it releases: assigning an object to where it already is never
/// frees it, in a field or a slot.
#[test]
fn self_assignment_never_frees() {
    let mut m = runtime(HeapConfig::verified());
    m.alloc(0, Shape::new(1, 0)).unwrap();
    m.alloc(1, Shape::new(0, 8)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.clear(1).unwrap();
    m.load(1, 0, 0).unwrap();
    m.clear(0).unwrap();
    // Slot 1 holds the leaf; the field of the (now freed) parent held the other reference.
    assert_eq!(live(&m), 1);
    m.copy(1, 1).unwrap();
    assert_eq!(live(&m), 1);
    m.alloc(2, Shape::new(1, 0)).unwrap();
    m.store(2, 0, Some(2)).unwrap();
    m.store(2, 0, Some(2)).unwrap();
    assert_eq!(live(&m), 2);
    let obj = m.slot_ref(2).unwrap().unwrap();
    assert_eq!(m.collector().refcount(m.heap(), obj), Some(2));
    m.verify_now().unwrap();
}

/// Only cascades that free more than one object are pauses, and the statistics say so.
#[test]
fn cascades_of_more_than_one_object_are_pauses() {
    let mut m = runtime(HeapConfig::verified());
    let events: Rc<RefCell<Vec<(Phase, PauseKind, u64)>>> = Rc::default();
    let sink = events.clone();
    m.add_callback(Box::new(move |e| {
        sink.borrow_mut().push((e.phase, e.kind, e.counts.freed))
    }));
    // A leaf alone: no pause.
    m.alloc(0, Shape::new(0, 8)).unwrap();
    m.clear(0).unwrap();
    assert!(events.borrow().is_empty());
    // A parent whose child is shared: one object freed, no pause.
    m.alloc(0, Shape::new(1, 0)).unwrap();
    m.alloc(1, Shape::new(0, 0)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.clear(0).unwrap();
    assert!(events.borrow().is_empty());
    assert_eq!(live(&m), 1);
    // A three-node tree: one pause that freed three.
    m.alloc(0, Shape::new(2, 0)).unwrap();
    m.alloc(2, Shape::new(0, 0)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(0, 1, Some(2)).unwrap();
    m.clear(1).unwrap();
    m.clear(2).unwrap();
    m.clear(0).unwrap();
    assert_eq!(live(&m), 0);
    assert_eq!(
        *events.borrow(),
        vec![
            (Phase::Start, PauseKind::Cascade, 0),
            (Phase::Stop, PauseKind::Cascade, 3)
        ]
    );
    let stats = m.cascade_stats();
    assert_eq!((stats.cascades, stats.freed, stats.largest), (1, 3, 3));
}

/// Finalizers run at zero, once; a resurrecting one keeps its object and what it reaches,
/// and weak references to what dies are cleared with callbacks, in the order things die.
#[test]
fn finalizers_resurrection_and_weak_callbacks_at_zero() {
    let mut m = runtime(HeapConfig::verified());
    m.alloc(0, Shape::new(1, 0)).unwrap();
    m.alloc(1, Shape::new(0, 8)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.new_weak(2, 1, Some(5)).unwrap();
    m.clear(1).unwrap();
    m.set_finalizer(0, Finalizer::resurrect(1, 9)).unwrap();
    m.clear(0).unwrap();
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    let parent = m.slot_ref(9).unwrap().unwrap();
    assert_eq!(
        notices,
        vec![Notice::Finalized {
            obj: parent,
            tag: 1
        }]
    );
    assert_eq!(live(&m), 3, "parent, child and the weak reference");
    assert!(m.upgrade(3, 2).unwrap());
    m.clear(3).unwrap();
    m.clear(9).unwrap();
    notices.clear();
    m.drain_notices(&mut notices);
    let weak = m.slot_ref(2).unwrap().unwrap();
    assert_eq!(
        notices,
        vec![Notice::WeakCallback { weak, tag: 5 }],
        "no second finalizer"
    );
    assert_eq!(live(&m), 1, "only the weak reference is left");
    assert!(!m.upgrade(3, 2).unwrap());
    m.verify_now().unwrap();
}

/// A cascade releases each dead object's referents last field first and depth first (a
/// referent's own referents before the field before it), as CPython's lists and tuples do:
/// here R holds [X1, X2], X1 holds [L1, L2], X2 holds [L3], and every object but R has a
/// finalizer, so the notices give the order they died in (breadth first would finalize X1
/// before L3).
#[test]
fn cascades_release_last_field_first_depth_first() {
    let mut m = runtime(HeapConfig::verified());
    m.alloc(0, Shape::new(2, 0)).unwrap(); // R
    m.alloc(1, Shape::new(2, 0)).unwrap(); // X1
    m.alloc(2, Shape::new(1, 0)).unwrap(); // X2
    for slot in [3, 4, 5] {
        m.alloc(slot, Shape::new(0, 8)).unwrap(); // L1, L2, L3
    }
    for (slot, tag) in [(1, 10), (2, 20), (3, 1), (4, 2), (5, 3)] {
        m.set_finalizer(slot, Finalizer::report(tag)).unwrap();
    }
    m.store(1, 0, Some(3)).unwrap();
    m.store(1, 1, Some(4)).unwrap();
    m.store(2, 0, Some(5)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(0, 1, Some(2)).unwrap();
    for s in 1..6 {
        m.clear(s).unwrap();
    }
    m.clear(0).unwrap();
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    let tags: Vec<u32> = notices.iter().filter_map(Notice::finalized_tag).collect();
    assert_eq!(tags, vec![20, 3, 10, 2, 1]);
    assert_eq!(live(&m), 0);
}

/// A count that would overflow saturates: the object becomes immortal and the lost
/// increments are reported, never wrapped.
#[test]
fn counts_saturate_and_report_overflow() {
    let mut m = runtime(HeapConfig::verified());
    m.alloc(0, Shape::new(0, 8)).unwrap();
    let obj = m.slot_ref(0).unwrap().unwrap();
    {
        let (heap, _) = m.parts_mut();
        *heap.header_mut(obj, 0) = SATURATED - 1;
    }
    m.copy(1, 0).unwrap();
    assert_eq!(m.collector().count_overflows(), 0);
    m.copy(2, 0).unwrap();
    m.copy(3, 0).unwrap();
    assert_eq!(m.collector().count_overflows(), 2);
    assert_eq!(
        m.collector().refcount(m.heap(), obj),
        None,
        "no longer exact"
    );
    for s in 0..4 {
        m.clear(s).unwrap();
    }
    assert_eq!(live(&m), 1, "a saturated object is immortal");
    assert_eq!(m.heap().header(obj, 0), SATURATED);
}
