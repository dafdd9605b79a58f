//! Moving objects (`Heap::evacuate`), checked on a heap no collector touches (NoGC), with
//! the arenas to empty chosen by hand: every kind of reference is rewritten, identities
//! and contents survive, emptied arenas go back, old references are use-after-free.

use gc_core::{Finalizer, GcControl, GcError, HeapConfig, Mutator, NoGc, Notice, Runtime, Shape};

/// A runtime whose first arena holds, among 4,000 garbage objects, a live structure that
/// touches every table: slot 0 a node (payload 7) whose field names a large object whose
/// field names slot 1's node; a weak reference (slot 2) to slot 0 with a callback; a
/// finalizer on slot 1's node; `gc.garbage` holding slot 1's node; a queued notice naming
/// it. The garbage is freed, so the arena is sparse.
fn fragmented() -> Runtime<NoGc> {
    let mut m = Runtime::new(HeapConfig::verified(), NoGc).unwrap();
    m.reserve_slots(8).unwrap();
    for i in 0..4000u32 {
        m.alloc(7, Shape::new(0, i % 200)).unwrap();
        if i == 1000 {
            m.alloc(0, Shape::new(1, 8)).unwrap();
            m.write_payload(0, 0, &7u64.to_le_bytes()).unwrap();
        }
        if i == 3000 {
            m.alloc(1, Shape::new(1, 8)).unwrap();
        }
    }
    m.alloc(3, Shape::new(1, 2000)).unwrap(); // large
    m.store(3, 0, Some(1)).unwrap();
    m.store(0, 0, Some(3)).unwrap();
    m.store(1, 0, Some(0)).unwrap();
    m.clear(3).unwrap();
    m.new_weak(2, 0, Some(9)).unwrap();
    let (heap, _) = m.parts_mut();
    let one = heap.slot(1).unwrap().unwrap();
    heap.set_finalizer(one, Finalizer::report(5));
    heap.push_garbage(one);
    heap.push_notice(Notice::Finalized { obj: one, tag: 1 });
    // Free everything unreachable: the arena keeps a handful of objects.
    let live = gc_core::oracle::reachable(heap).unwrap();
    let dead: Vec<_> = heap
        .objects()
        .into_iter()
        .filter(|&r| !live.contains(r))
        .collect();
    heap.free_all(&dead);
    heap.flush_pools();
    m
}

#[test]
fn evacuation_rewrites_every_reference_and_releases_the_arena() {
    let mut m = fragmented();
    let ids = [m.object_id(0).unwrap(), m.object_id(1).unwrap()];
    let before = m.heap_stats();
    let old = m.slot_ref(0).unwrap().unwrap();
    let (heap, _) = m.parts_mut();
    let arenas: Vec<usize> = heap.arena_occupancy().iter().map(|u| u.arena).collect();
    assert_eq!(arenas, vec![0], "one arena holds every small object");
    let done = heap.evacuate(&arenas);
    assert_eq!(
        done.moved,
        before.objects_in_use - 1,
        "every small object moved"
    );
    assert_eq!(done.arenas_released, 1);
    m.verify_now().unwrap();
    let after = m.heap_stats();
    assert_eq!(after.objects_in_use, before.objects_in_use);
    assert_eq!(after.bytes_in_use, before.bytes_in_use);
    assert_eq!(
        after.total_allocated, before.total_allocated,
        "moves are not allocations"
    );
    assert_eq!(after.objects_moved, done.moved);
    assert_eq!([m.object_id(0).unwrap(), m.object_id(1).unwrap()], ids);
    let new = m.slot_ref(0).unwrap().unwrap();
    assert_ne!(new, old);
    assert!(matches!(
        m.get_referents(old),
        Err(GcError::UseAfterFree { .. })
    ));
    // Contents, the path through the large object, the weak reference, gc.garbage.
    let mut b = [0u8; 8];
    m.read_payload(0, 0, &mut b).unwrap();
    assert_eq!(u64::from_le_bytes(b), 7);
    m.load(4, 0, 0).unwrap();
    m.load(4, 4, 0).unwrap();
    assert!(m.same(4, 1).unwrap(), "slot 0 -> large -> slot 1's node");
    m.load(4, 1, 0).unwrap();
    assert!(m.same(4, 0).unwrap());
    assert!(m.upgrade(5, 2).unwrap());
    assert!(m.same(5, 0).unwrap());
    let one = m.slot_ref(1).unwrap().unwrap();
    assert_eq!(m.garbage(), vec![one]);
    assert!(m.heap().has_pending_finalizer(one));
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    assert_eq!(notices, vec![Notice::Finalized { obj: one, tag: 1 }]);
    // The weak reference's callback still fires for the referent at its new place.
    let (heap, _) = m.parts_mut();
    let referent = heap.slot(0).unwrap().unwrap();
    assert_eq!(heap.clear_weakrefs(referent, |_, _| true), 1);
    heap.drain_notices(&mut notices);
    assert!(notices.iter().any(|n| n.callback_tag() == Some(9)));
}

#[test]
fn sparse_arenas_are_chosen_only_when_moving_frees_one() {
    let mut m = fragmented();
    let (heap, _) = m.parts_mut();
    // One sparse arena: its survivors need an arena too, so nothing pays.
    assert!(heap.sparse_arenas(0.5).is_empty());
    assert!(heap.sparse_arenas(0.0).is_empty());
    assert_eq!(heap.evacuate(&[]).moved, 0);
    assert_eq!(
        heap.evacuate(&[99]).moved,
        0,
        "arenas that do not exist are ignored"
    );
}
