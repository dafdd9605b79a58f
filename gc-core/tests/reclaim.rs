//! The end of a collection (`Reclaimer::settle`), checked step by step on a heap no
//! collector touches (NoGC), with the unreachable set given by hand.

use gc_core::reclaim::Reclaimer;
use gc_core::{Finalizer, HeapConfig, Mutator, NoGc, Notice, ObjRef, Runtime, Shape};

fn runtime() -> Runtime<NoGc> {
    let mut m = Runtime::new(HeapConfig::default(), NoGc).unwrap();
    m.reserve_slots(8).unwrap();
    m
}

/// Allocates into `slot`, returns the object, and drops the slot's reference if `drop`.
fn object(m: &mut Runtime<NoGc>, slot: usize, fields: u32, drop: bool) -> ObjRef {
    m.alloc(slot, Shape::new(fields, 8)).unwrap();
    let r = m.slot_ref(slot).unwrap().unwrap();
    if drop {
        m.clear(slot).unwrap();
    }
    r
}

/// Two finalizers resurrect into the same slot: the net effect is the last one stored and
/// the slot's original value overwritten, once; the first resurrected object, displaced,
/// stays garbage, and what the survivor reaches survives with it.
#[test]
fn resurrections_are_reported_as_net_effects_on_slots() {
    let mut m = runtime();
    let live = object(&mut m, 5, 0, false);
    let a = object(&mut m, 0, 0, true);
    let child = object(&mut m, 1, 0, false);
    let b = object(&mut m, 2, 1, false);
    m.store(2, 0, Some(1)).unwrap();
    m.clear(1).unwrap();
    m.clear(2).unwrap();
    for (obj, tag) in [(a, 1), (b, 2)] {
        let (heap, _) = m.parts_mut();
        heap.set_finalizer(obj, Finalizer::resurrect(tag, 5));
    }
    let (heap, _) = m.parts_mut();
    let mut garbage = vec![a, child, b];
    let mut reclaimer = Reclaimer::new();
    let resurrections = reclaimer.settle(heap, &mut garbage).clone();
    assert_eq!(resurrections.stored, vec![b], "slot 5 ends holding b");
    assert_eq!(
        resurrections.overwritten,
        vec![live],
        "its original value, once"
    );
    assert_eq!(
        garbage,
        vec![a],
        "b and its child survive; a, displaced, does not"
    );
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    assert_eq!(
        notices,
        vec![
            Notice::Finalized { obj: a, tag: 1 },
            Notice::Finalized { obj: b, tag: 2 }
        ]
    );
    // Settling again runs nothing twice and reports nothing.
    let (heap, _) = m.parts_mut();
    assert!(reclaimer.settle(heap, &mut garbage).is_empty());
    assert_eq!(garbage, vec![a]);
}

/// Weak references: one in the set is cleared with no callback; one outside it, to an
/// object in the set, is cleared with its callback. No finalizer, nothing resurrected.
#[test]
fn weak_references_in_and_to_the_set() {
    let mut m = runtime();
    let target = object(&mut m, 0, 0, false);
    m.new_weak(1, 0, Some(7)).unwrap(); // alive: stays in slot 1
    m.new_weak(2, 0, Some(8)).unwrap(); // dying with the target
    let dying_weak = m.slot_ref(2).unwrap().unwrap();
    let kept_weak = m.slot_ref(1).unwrap().unwrap();
    m.clear(0).unwrap();
    m.clear(2).unwrap();
    let (heap, _) = m.parts_mut();
    let mut garbage = vec![target, dying_weak];
    assert!(Reclaimer::new().settle(heap, &mut garbage).is_empty());
    assert_eq!(garbage, vec![target, dying_weak]);
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    assert_eq!(
        notices,
        vec![Notice::WeakCallback {
            weak: kept_weak,
            tag: 7
        }]
    );
    assert!(
        !m.upgrade(3, 1).unwrap(),
        "the surviving weak reference is cleared"
    );
}

/// A weak reference that was garbage and survives through a resurrection is cleared all the
/// same (CPython clears garbage weak references before finalizers run), without a callback,
/// and the live object it pointed at keeps its other weak references.
#[test]
fn a_resurrected_weak_reference_is_cleared() {
    let mut m = runtime();
    let _target = object(&mut m, 0, 0, false); // live in slot 0
    m.new_weak(1, 0, Some(5)).unwrap(); // W, to become garbage
    m.new_weak(2, 0, Some(6)).unwrap(); // another, live in slot 2
    let weak = m.slot_ref(1).unwrap().unwrap();
    let holder = object(&mut m, 3, 1, false);
    m.store(3, 0, Some(1)).unwrap();
    m.clear(1).unwrap();
    m.set_finalizer(3, Finalizer::resurrect(9, 4)).unwrap();
    m.clear(3).unwrap();
    let (heap, _) = m.parts_mut();
    let mut garbage = vec![weak, holder];
    let resurrections = Reclaimer::new().settle(heap, &mut garbage).clone();
    assert_eq!(resurrections.stored, vec![holder]);
    assert_eq!(
        resurrections.scanned, 2,
        "the holder and the weak reference were read"
    );
    assert!(garbage.is_empty(), "both survive");
    m.load(5, 4, 0).unwrap();
    assert!(
        !m.upgrade(6, 5).unwrap(),
        "the resurrected weak reference is cleared"
    );
    assert!(
        m.upgrade(6, 2).unwrap(),
        "the other weak reference still points at the target"
    );
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    assert_eq!(
        notices,
        vec![Notice::Finalized {
            obj: holder,
            tag: 9
        }]
    );
}

/// `Heap::may_need_settling` says false exactly while no weak reference points anywhere and
/// no object has a finalizer: the promise that lets the reclaimer skip reading each dying
/// object's flags.
#[test]
fn settling_is_needed_only_while_weak_referents_or_finalizers_exist() {
    let mut m = runtime();
    let referent = object(&mut m, 0, 0, false);
    m.new_weak(1, 0, None).unwrap();
    let (heap, _) = m.parts_mut();
    assert!(
        heap.may_need_settling(),
        "a weak reference points at slot 0's object"
    );
    heap.clear_weakrefs(referent, |_, _| false);
    assert!(
        !heap.may_need_settling(),
        "a cleared weak reference points at nothing"
    );
    let finalized = object(&mut m, 2, 0, true);
    let (heap, _) = m.parts_mut();
    heap.set_finalizer(finalized, Finalizer::report(7));
    assert!(heap.may_need_settling(), "an object has a finalizer");
    heap.free(finalized);
    assert!(!heap.may_need_settling(), "freeing it forgot the finalizer");
}
