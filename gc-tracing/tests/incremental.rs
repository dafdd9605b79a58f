//! Incremental mark-sweep beyond the conformance kit: the deletion barrier against the
//! classic lost-object schedule, the weak-referent barrier, and a mutator that keeps
//! allocating through a long mark, all checked by the oracle at every increment.
#![allow(missing_docs)]

use gc_core::{Finalizer, GcControl, HeapConfig, Mutator, Runtime, Shape};
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
/// MIN_MARK_WORK: 256 objects without fields) stops before the last slot: roots are queued
/// in slot order.
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

/// Drives the cycle one step at a time until `done` holds, checking after every step that
/// no weak reference in `weakrefs` (held by the array in slot `array`) names a freed object.
fn step_checking_weakrefs(
    m: &mut Runtime<MarkSweepIncr>,
    weakrefs: usize,
    mut done: impl FnMut(&Runtime<MarkSweepIncr>) -> bool,
) {
    while !done(m) {
        let (heap, c) = m.parts_mut();
        c.step(heap);
        let heap = m.heap();
        let array = heap.slot(0).unwrap().unwrap();
        for i in 0..weakrefs {
            let w = gc_core::ObjRef::from_raw(heap.fields(array)[i]).unwrap();
            if let Some(r) = heap.weak_entry(w).unwrap().referent {
                assert!(
                    heap.is_allocated(r),
                    "weak reference {i} names a freed object"
                );
            }
        }
        m.verify_now().unwrap();
    }
}

#[test]
fn weak_references_settled_across_steps_never_upgrade_a_dead_object() {
    // More dead referents than one settle step clears, so the end of marking takes several
    // steps and the mutator runs between them. R_i is only weakly reachable (through w_i,
    // held by the array in slot 0); the last, R_{K-1}, points at the first, R_0.
    const K: usize = 3 * MarkSweepIncr::MAX_SETTLE;
    let mut m = runtime();
    m.disable();
    m.alloc(0, Shape::new(K as u32, 0)).unwrap();
    for i in 0..K {
        m.alloc(3, Shape::new(1, 8)).unwrap();
        m.write_payload(3, 0, &(i as u64).to_le_bytes()).unwrap();
        if i == 0 {
            m.copy(4, 3).unwrap();
        }
        if i == K - 1 {
            m.store(3, 0, Some(4)).unwrap();
        }
        m.new_weak(1, 3, Some(i as u32)).unwrap();
        m.store(0, i, Some(1)).unwrap();
    }
    for s in [1, 3, 4] {
        m.clear(s).unwrap();
    }
    {
        let (heap, c) = m.parts_mut();
        c.start_cycle(heap);
    }
    // Up to the first chunk of weak references cleared: R_0's (the lowest address).
    step_checking_weakrefs(&mut m, K, |m| m.collector().stats().weak_settle_steps >= 1);
    assert_eq!(m.collector().phase(), CyclePhase::Marking, "still settling");
    m.load(1, 0, 0).unwrap();
    assert!(!m.upgrade(2, 1).unwrap(), "R_0's weak reference is cleared");
    // R_{K-1}'s chunk is not settled yet: the upgrade succeeds, and the referent survives
    // with R_0, which it reaches (its weak reference stays cleared: it was garbage when
    // its chunk was settled).
    m.load(1, 0, K - 1).unwrap();
    assert!(m.upgrade(5, 1).unwrap(), "R_{{K-1}} is not cleared yet");
    m.clear(1).unwrap();
    step_checking_weakrefs(&mut m, K, |m| m.collector().phase() == CyclePhase::Idle);
    let stats = m.collector().stats();
    assert!(
        stats.weak_settle_steps >= 3,
        "settled in {} steps",
        stats.weak_settle_steps
    );
    assert_eq!(stats.cycles, 1);
    // The array, the K weak references, R_{K-1} and R_0; the other K - 2 referents freed.
    assert_eq!(m.heap_stats().objects_in_use, 1 + K as u64 + 2);
    m.load(6, 5, 0).unwrap();
    let mut payload = [0u8; 8];
    m.read_payload(6, 0, &mut payload).unwrap();
    assert_eq!(u64::from_le_bytes(payload), 0, "R_{{K-1}}.0 is R_0, intact");
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    let callbacks: Vec<u32> = notices.iter().filter_map(|n| n.callback_tag()).collect();
    assert_eq!(
        callbacks.len(),
        K - 1,
        "every weak reference but w_(K-1) cleared"
    );
    assert!(!callbacks.contains(&(K as u32 - 1)));
    for i in 0..K - 1 {
        m.load(1, 0, i).unwrap();
        assert!(!m.upgrade(2, 1).unwrap());
    }
    m.load(1, 0, K - 1).unwrap();
    assert!(m.upgrade(2, 1).unwrap());
}

#[test]
fn finalizers_run_across_steps_once_each() {
    // More dead finalizable objects than one step finalizes; the last resurrects itself into
    // slot 7 and keeps D (no finalizer) alive through its field.
    const N: usize = 2 * MarkSweepIncr::MAX_FINALIZE + 100;
    let mut m = runtime();
    m.disable();
    m.alloc(4, Shape::new(0, 8)).unwrap();
    m.write_payload(4, 0, &[9; 8]).unwrap();
    for i in 0..N {
        m.alloc(3, Shape::new(1, 0)).unwrap();
        let f = if i == N - 1 {
            m.store(3, 0, Some(4)).unwrap();
            Finalizer::resurrect(i as u32, 7)
        } else {
            Finalizer::report(i as u32)
        };
        m.set_finalizer(3, f).unwrap();
    }
    m.clear(3).unwrap();
    m.clear(4).unwrap();
    {
        let (heap, c) = m.parts_mut();
        c.start_cycle(heap);
    }
    step_until_idle(&mut m);
    m.verify_now().unwrap();
    let stats = m.collector().stats();
    assert_eq!(
        stats.finalizer_steps, 3,
        "N finalizers, MAX_FINALIZE per step"
    );
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    let mut tags: Vec<u32> = notices.iter().filter_map(|n| n.finalized_tag()).collect();
    tags.sort_unstable();
    assert_eq!(tags, (0..N as u32).collect::<Vec<_>>(), "each ran once");
    // The resurrected object and D; the other N - 1 freed.
    assert_eq!(m.heap_stats().objects_in_use, 2);
    m.load(6, 7, 0).unwrap();
    let mut payload = [0u8; 8];
    m.read_payload(6, 0, &mut payload).unwrap();
    assert_eq!(payload, [9; 8]);
    m.clear(6).unwrap();
    m.clear(7).unwrap();
    assert_eq!(m.collect(None).unwrap(), 2, "finalized once: no second run");
    m.drain_notices(&mut notices);
    assert_eq!(notices.len(), N);
}

/// A cycle whose marking leaves every object marked does not sweep (its count of marked
/// objects, from roots, tracing, barriers and births, equals the objects in use); one that
/// leaves a single object unmarked sweeps and frees exactly that one.
#[test]
fn a_cycle_with_no_garbage_skips_its_sweep_and_one_with_garbage_does_not() {
    let mut m = runtime();
    m.disable();
    for _ in 0..2_000 {
        m.alloc(1, Shape::new(1, 8)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
        m.copy(0, 1).unwrap();
    }
    m.alloc(2, Shape::new(0, 8)).unwrap();
    m.enable();
    let cycle = |m: &mut Runtime<MarkSweepIncr>| {
        let (heap, c) = m.parts_mut();
        c.start_cycle(heap);
        // An allocation during marking: born black, and counted as marked.
        m.alloc(3, Shape::new(0, 8)).unwrap();
        step_until_idle(m);
    };
    cycle(&mut m);
    let stats = m.collector().stats();
    assert_eq!((stats.cycles, stats.sweeps_skipped), (1, 1));
    assert_eq!(m.heap_stats().objects_in_use, 2_000 + 2);
    m.clear(2).unwrap();
    m.clear(3).unwrap();
    cycle(&mut m);
    let stats = m.collector().stats();
    assert_eq!(
        (stats.cycles, stats.sweeps_skipped),
        (2, 1),
        "this one sweeps"
    );
    assert_eq!(
        m.heap_stats().objects_in_use,
        2_000 + 1,
        "slot 2's and slot 3's objects freed, the new slot 3 object born black"
    );
    m.verify_now().unwrap();
}

/// The growth trigger runs from the start of a cycle, as marksweep's runs from its last
/// collection: the next cycle starts once growth x the live bytes have been allocated since
/// the last one began, what the mutator allocated during that cycle included. (Counted from
/// the cycle's end instead, every cycle came a marking and a sweeping window late, and
/// marked a larger heap than marksweep did at the same point.)
#[test]
fn the_next_cycle_starts_growth_times_live_after_the_last_began() {
    // A floor under the live list's budget, and small steps: cycles span many allocations.
    let collector = MarkSweepIncr::with_steps(2.0, 64 << 10, 4 << 10, 25).unwrap();
    let mut m = Runtime::new(HeapConfig::default(), collector).unwrap();
    m.reserve_slots(4).unwrap();
    m.disable();
    for _ in 0..10_000 {
        m.alloc(1, Shape::new(1, 8)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
        m.copy(0, 1).unwrap();
    }
    m.clear(1).unwrap();
    m.enable();
    let allocated = |m: &Runtime<MarkSweepIncr>| m.heap_stats().total_bytes_allocated;
    let before = allocated(&m);
    m.alloc(2, Shape::new(0, 24)).unwrap();
    let object = allocated(&m) - before;
    // The list and the one garbage object slot 2 holds at any time.
    let live = m.heap_stats().bytes_in_use;
    // Garbage only from here: each allocation drops the one before it.
    let mut starts = Vec::new();
    let mut was_idle = m.collector().phase() == CyclePhase::Idle;
    while starts.len() < 4 {
        m.alloc(2, Shape::new(0, 24)).unwrap();
        let idle = m.collector().phase() == CyclePhase::Idle;
        if was_idle && !idle {
            starts.push(allocated(&m));
        }
        was_idle = idle;
    }
    // The first cycle may have started on the floor; from the second on, the live list sets
    // the budget. A cycle starts on the allocation that passes it, so within an object or two.
    for pair in starts.windows(2).skip(1) {
        let gap = pair[1] - pair[0];
        assert!(
            gap.abs_diff(2 * live) <= 2 * object,
            "{gap} bytes between cycle starts, growth x live is {}",
            2 * live
        );
    }
    assert!(m.collector().stats().cycles >= 2);
}
