//! Mark-sweep behaviour beyond the conformance kit: exact pause counts, triggering, the
//! heap limit, resurrection that orphans another object, weak-reference callbacks,
//! DEBUG_SAVEALL, arena release and the gc-module mapping.
#![allow(missing_docs)]

use std::cell::RefCell;
use std::rc::Rc;

use gc_core::{
    Collector, Finalizer, GcControl, GcError, GcEvent, HeapConfig, Mutator, Notice, Phase, Runtime,
    Shape, DEBUG_SAVEALL,
};
use gc_tracing::MarkSweep;

fn runtime(config: HeapConfig) -> Runtime<MarkSweep> {
    let mut m = Runtime::new(config, MarkSweep::default()).unwrap();
    m.reserve_slots(16).unwrap();
    m
}

fn live(m: &Runtime<MarkSweep>) -> u64 {
    m.heap_stats().objects_in_use
}

fn stop_events(m: &mut Runtime<MarkSweep>) -> Rc<RefCell<Vec<GcEvent>>> {
    let events: Rc<RefCell<Vec<GcEvent>>> = Rc::default();
    let sink = events.clone();
    m.add_callback(Box::new(move |e| {
        if e.phase == Phase::Stop {
            sink.borrow_mut().push(*e)
        }
    }));
    events
}

#[test]
fn ten_million_list_exact_counts() {
    const N: u64 = 10_000_000;
    let mut m = runtime(HeapConfig::default());
    m.disable();
    for _ in 0..N {
        m.alloc(1, Shape::new(1, 8)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
        m.copy(0, 1).unwrap();
    }
    m.clear(1).unwrap();
    let events = stop_events(&mut m);
    assert_eq!(m.collect(None).unwrap(), 0);
    m.clear(0).unwrap();
    assert_eq!(m.collect(None).unwrap(), N);
    let events = events.borrow();
    assert_eq!(events.len(), 2, "one pause per collection");
    let (keep, sweep) = (events[0].counts, events[1].counts);
    assert_eq!((keep.candidates, keep.scanned, keep.freed), (N, N, 0));
    assert_eq!((sweep.candidates, sweep.scanned, sweep.freed), (N, 0, N));
    let cell = m.heap().charge_for(Shape::new(1, 8)) as u64;
    assert_eq!(sweep.bytes_freed, N * cell, "each node is one cell");
    assert_eq!(m.objects_scanned(), N);
    assert_eq!(live(&m), 0);
    let stats = m.heap_stats();
    assert_eq!(stats.bytes_in_use, 0);
    assert!(
        stats.arenas_held <= 1,
        "empty arenas are released (one is kept): {} held",
        stats.arenas_held
    );
}

#[test]
fn heap_limit_gives_out_of_memory_then_recovers() {
    let limit = 1 << 20;
    let mut m = runtime(HeapConfig::verified().with_limit(limit));
    m.disable(); // running into the limit collects even when disabled
    let mut built = 0u64;
    let err = loop {
        match m.alloc(1, Shape::new(1, 8)) {
            Ok(()) => {
                m.store(1, 0, Some(0)).unwrap();
                m.copy(0, 1).unwrap();
                built += 1;
            }
            Err(e) => break e,
        }
    };
    assert!(matches!(err, GcError::OutOfMemory { .. }), "got {err}");
    let cell = m.heap().charge_for(Shape::new(1, 8)) as u64;
    assert_eq!(built, limit as u64 / cell, "the limit is filled exactly");
    assert_eq!(
        live(&m),
        built,
        "a full heap of live objects: nothing freed"
    );
    m.clear(0).unwrap();
    m.clear(1).unwrap();
    // Garbage ten times the limit: every refusal collects and the allocation succeeds.
    for _ in 0..10 * built {
        m.alloc(2, Shape::new(1, 8)).unwrap();
    }
    assert!(m.get_stats()[0].collections >= 10);
    m.collect(None).unwrap();
    assert_eq!(live(&m), 1);
    assert!(m.heap_stats().peak_bytes_in_use <= limit as u64);
}

#[test]
fn growth_trigger_follows_live_bytes() {
    let mut m = Runtime::new(
        HeapConfig::default(),
        MarkSweep::with_growth(1.0, 64 * 1024).unwrap(),
    )
    .unwrap();
    m.reserve_slots(4).unwrap();
    let node = m.heap().charge_for(Shape::new(1, 8)) as u64;
    let leaf = m.heap().charge_for(Shape::new(0, 8)) as u64;
    let nodes = 64 * 1024 / node;
    // Exactly the floor's worth of live list nodes: not more than the budget, no collection.
    for _ in 0..nodes {
        m.alloc(1, Shape::new(1, 8)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
        m.copy(0, 1).unwrap();
    }
    m.clear(1).unwrap();
    assert_eq!(
        m.get_stats()[0].collections,
        0,
        "the floor is not yet passed"
    );
    m.alloc(2, Shape::new(0, 8)).unwrap();
    assert_eq!(m.get_stats()[0].collections, 1);
    assert_eq!(
        m.get_count(),
        vec![0],
        "a new budget starts after each collection"
    );
    // 64 KiB survived, so the next collection comes once more than 64 KiB is allocated.
    let leaves_until_next = 64 * 1024 / leaf + 1;
    for _ in 0..leaves_until_next - 1 {
        m.alloc(3, Shape::new(0, 8)).unwrap();
    }
    assert_eq!(m.get_stats()[0].collections, 1);
    m.alloc(3, Shape::new(0, 8)).unwrap();
    assert_eq!(m.get_stats()[0].collections, 2);
    // Disabled: no automatic collection however much is allocated.
    m.disable();
    for _ in 0..100_000 {
        m.alloc(3, Shape::new(0, 8)).unwrap();
    }
    assert_eq!(m.get_stats()[0].collections, 2);
    m.enable();
    m.alloc(3, Shape::new(0, 8)).unwrap();
    assert_eq!(m.get_stats()[0].collections, 3);
    // The list, slot 2, slot 3, and the object slot 3 held when the last collection ran.
    assert_eq!(live(&m), nodes + 3);
}

#[test]
fn thresholds_are_growth_percent_and_floor() {
    let mut m = runtime(HeapConfig::default());
    assert_eq!(m.get_threshold(), vec![200, 1 << 20]);
    m.set_threshold(&[150]).unwrap();
    assert_eq!(m.get_threshold(), vec![150, 1 << 20]);
    m.set_threshold(&[300, 4096]).unwrap();
    assert_eq!(m.get_threshold(), vec![300, 4096]);
    assert!(matches!(m.set_threshold(&[0]), Err(GcError::BadConfig(_))));
    assert!(matches!(m.set_threshold(&[]), Err(GcError::BadConfig(_))));
    assert!(matches!(
        m.set_threshold(&[1, 2, 3]),
        Err(GcError::BadConfig(_))
    ));
    assert_eq!(
        m.get_threshold(),
        vec![300, 4096],
        "failed calls change nothing"
    );
    assert!(MarkSweep::with_growth(-1.0, 0).is_err());
}

#[test]
fn resurrection_that_orphans_another_object_is_exact() {
    let mut m = runtime(HeapConfig::verified());
    // Slot 5 holds the only reference to `orphan`, which has a finalizer of its own.
    m.alloc(5, Shape::new(0, 8)).unwrap();
    m.set_finalizer(5, Finalizer::report(2)).unwrap();
    m.alloc(0, Shape::new(1, 8)).unwrap();
    m.alloc(1, Shape::new(1, 8)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(1, 0, Some(0)).unwrap();
    m.set_finalizer(0, Finalizer::resurrect(1, 5)).unwrap();
    m.clear(0).unwrap();
    m.clear(1).unwrap();
    // The oracle (verify mode) checks that nothing unreachable survives this collection.
    let freed = m.collect(None).unwrap();
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    let tags: Vec<u32> = notices.iter().filter_map(Notice::finalized_tag).collect();
    assert_eq!(
        tags,
        vec![1, 2],
        "the orphan is finalized in the same collection"
    );
    assert_eq!(freed, 1, "the orphan is freed; the resurrected cycle lives");
    assert_eq!(live(&m), 2);
    m.clear(5).unwrap();
    assert_eq!(m.collect(None).unwrap(), 2);
    assert_eq!(live(&m), 0);
}

#[test]
fn weak_callbacks_only_for_live_weakrefs() {
    let mut m = runtime(HeapConfig::verified());
    // A cycle with two weak references to it: one rooted, one inside the cycle.
    m.alloc(0, Shape::new(2, 0)).unwrap();
    m.alloc(1, Shape::new(1, 0)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(1, 0, Some(0)).unwrap();
    m.new_weak(2, 0, Some(10)).unwrap();
    m.new_weak(3, 1, Some(11)).unwrap();
    m.store(0, 1, Some(3)).unwrap();
    m.clear(3).unwrap();
    m.clear(0).unwrap();
    m.clear(1).unwrap();
    assert_eq!(m.collect(None).unwrap(), 3);
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    assert_eq!(
        notices,
        vec![Notice::WeakCallback {
            weak: m.slot_ref(2).unwrap().unwrap(),
            tag: 10
        }]
    );
    assert!(!m.upgrade(4, 2).unwrap());
}

#[test]
fn saveall_moves_garbage_to_gc_garbage() {
    let mut m = runtime(HeapConfig::default());
    m.alloc(0, Shape::new(1, 0)).unwrap();
    m.alloc(1, Shape::new(1, 0)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(1, 0, Some(0)).unwrap();
    m.clear(0).unwrap();
    m.clear(1).unwrap();
    m.set_debug(DEBUG_SAVEALL);
    assert_eq!(
        m.collect(None).unwrap(),
        2,
        "gc.collect() counts the saved garbage"
    );
    assert_eq!(m.garbage().len(), 2);
    assert_eq!(live(&m), 2);
    // As CPython counts DEBUG_SAVEALL garbage: collected, not uncollectable (rule 7).
    assert_eq!(m.get_stats()[0].collected, 2);
    assert_eq!(m.get_stats()[0].uncollectable, 0);
    m.set_debug(0);
    m.clear_garbage();
    assert_eq!(m.collect(None).unwrap(), 2);
    assert_eq!(live(&m), 0);
}

#[test]
fn large_objects_and_mixed_sizes_are_swept() {
    let mut m = runtime(HeapConfig::verified());
    m.alloc(0, Shape::new(3, 0)).unwrap();
    for (field, payload) in [(0, 4000), (1, 40), (2, 300)] {
        m.alloc(1, Shape::new(1, payload)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
        m.store(0, field, Some(1)).unwrap();
    }
    m.alloc(2, Shape::new(0, 10_000)).unwrap();
    m.clear(1).unwrap();
    m.clear(2).unwrap();
    assert_eq!(
        m.collect(None).unwrap(),
        1,
        "only the unreferenced large object"
    );
    assert_eq!(m.heap_stats().large_objects, 1);
    m.clear(0).unwrap();
    assert_eq!(m.collect(None).unwrap(), 4);
    let stats = m.heap_stats();
    assert_eq!((stats.objects_in_use, stats.large_objects), (0, 0));
    assert_eq!(stats.bytes_in_use, 0);
}

#[test]
fn every_object_is_tracked() {
    let mut m = runtime(HeapConfig::default());
    m.alloc(0, Shape::new(0, 8)).unwrap();
    m.alloc(1, Shape::new(2, 0)).unwrap();
    let leaf = m.slot_ref(0).unwrap().unwrap();
    assert!(m.is_tracked(leaf).unwrap());
    assert_eq!(m.get_objects(None).len(), 2);
    assert_eq!(m.collector().name(), "marksweep");
    assert_eq!(MarkSweep::HEADER_WORDS, 0);
    assert!(!m.capabilities().prompt);
}
