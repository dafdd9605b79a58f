//! Incremental mark-sweep beyond the conformance kit: the deletion barrier against the
//! classic lost-object schedule, the weak-referent barrier, and a mutator that keeps
//! allocating through a long mark, all checked by the oracle at every increment.
#![allow(missing_docs)]

use gc_core::{GcControl, HeapConfig, Mutator, Runtime, Shape};
use gc_tracing::incremental::CyclePhase;
use gc_tracing::MarkSweepIncr;

/// Steps every 4 KiB, marking windows of 256 KiB: small budgets, many increments.
fn runtime() -> Runtime<MarkSweepIncr> {
    let collector = MarkSweepIncr::with_steps(2.0, 1 << 20, 4 << 10, 25).unwrap();
    let mut m = Runtime::new(HeapConfig::verified(), collector).unwrap();
    m.reserve_slots(16).unwrap();
    m
}

fn step_until_idle(m: &mut Runtime<MarkSweepIncr>) {
    while m.collector().phase() != CyclePhase::Idle {
        let (heap, c) = m.parts_mut();
        c.step(heap);
    }
}

/// Enough unrelated roots (slots 16..400) that the first step (its budget,
/// MIN_MARK_STEP objects) stops before the last slot: roots are queued in slot order.
fn add_fillers(m: &mut Runtime<MarkSweepIncr>) {
    m.reserve_slots(400).unwrap();
    for s in 16..400 {
        m.alloc(s, Shape::new(0, 8)).unwrap();
    }
}

#[test]
fn lost_object_schedule_keeps_the_white_object() {
    let mut m = runtime();
    // Slot 0: B, to be black. Slot 1: G, to stay grey. G.0 -> W, white.
    m.alloc(0, Shape::new(1, 8)).unwrap();
    m.alloc(1, Shape::new(1, 8)).unwrap();
    m.alloc(2, Shape::new(0, 8)).unwrap();
    m.write_payload(2, 0, &[7; 8]).unwrap();
    m.store(1, 0, Some(2)).unwrap();
    m.clear(2).unwrap();
    add_fillers(&mut m);
    m.copy(399, 1).unwrap();
    m.clear(1).unwrap();
    {
        let (heap, c) = m.parts_mut();
        c.start_cycle(heap);
    }
    assert_eq!(m.collector().phase(), CyclePhase::Marking);
    // The move: W's only reference leaves G (grey) for B (black).
    m.load(2, 399, 0).unwrap();
    m.store(0, 0, Some(2)).unwrap();
    m.store(399, 0, None).unwrap();
    m.clear(2).unwrap();
    step_until_idle(&mut m);
    // The oracle ran at the end of every increment; any dangling reference shows here.
    m.verify_now().unwrap();
    let shaded = m.collector().stats().shaded_by_barrier;
    assert_eq!(shaded, 1, "the deletion barrier shaded W once");
    m.load(3, 0, 0).unwrap();
    let mut payload = [0u8; 8];
    m.read_payload(3, 0, &mut payload).unwrap();
    assert_eq!(payload, [7; 8]);
    assert_eq!(m.collect(None).unwrap(), 0, "nothing was garbage");
    // B, G, W and the 383 fillers G's slot did not displace.
    assert_eq!(m.heap_stats().objects_in_use, 3 + 383);
}

#[test]
fn upgraded_weak_referent_survives_the_cycle() {
    let mut m = runtime();
    m.alloc(0, Shape::new(0, 8)).unwrap();
    m.new_weak(1, 0, None).unwrap();
    m.clear(0).unwrap(); // only weakly reachable from here on
    add_fillers(&mut m);
    {
        let (heap, c) = m.parts_mut();
        c.start_cycle(heap);
    }
    assert!(
        m.upgrade(2, 1).unwrap(),
        "not yet cleared: marking has not ended"
    );
    step_until_idle(&mut m);
    m.verify_now().unwrap();
    assert!(m.upgrade(3, 1).unwrap(), "the upgraded referent is alive");
    m.clear(2).unwrap();
    m.clear(3).unwrap();
    assert_eq!(m.collect(None).unwrap(), 1);
    assert!(!m.upgrade(3, 1).unwrap());
    assert_eq!(m.collector().stats().shaded_by_barrier, 1);
}

#[test]
fn mutator_allocates_through_a_long_mark() {
    const LIST: u64 = 50_000;
    let mut m = runtime();
    m.disable();
    for _ in 0..LIST {
        m.alloc(1, Shape::new(1, 8)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
        m.copy(0, 1).unwrap();
    }
    m.clear(1).unwrap();
    m.enable();
    {
        let (heap, c) = m.parts_mut();
        c.start_cycle(heap);
    }
    // Through the whole cycle: grow a second list (live) and drop pairs (garbage); the
    // steps run from the allocations themselves.
    let mut kept = 0u64;
    while m.collector().phase() != CyclePhase::Idle {
        m.alloc(3, Shape::new(1, 8)).unwrap();
        m.store(3, 0, Some(2)).unwrap();
        m.copy(2, 3).unwrap();
        m.alloc(4, Shape::new(1, 8)).unwrap();
        kept += 1;
    }
    m.verify_now().unwrap();
    let stats = m.collector().stats();
    assert_eq!(stats.cycles, 1);
    assert!(
        stats.mark_steps > 10,
        "a long mark: {} marking steps",
        stats.mark_steps
    );
    // Born black: nothing allocated during the cycle was freed by it.
    let allocated = m.heap_stats().total_allocated;
    assert_eq!(allocated, LIST + 2 * kept);
    assert_eq!(m.heap_stats().objects_in_use, allocated);
    m.clear(3).unwrap();
    m.clear(4).unwrap();
    assert_eq!(
        m.collect(None).unwrap(),
        kept,
        "the dropped objects, exactly"
    );
    assert_eq!(m.heap_stats().objects_in_use, LIST + kept);
}
