//! The conformance kit: the whole collector contract as tests any collector runs with one line.
//!
//! ```ignore
//! gc_core::conformance_tests!(my_crate::MyCollector::default);
//! ```
//!
//! expands to one `#[test]` per check below, each building fresh runtimes from the given
//! constructor. Expectations come from the collector's [`Capabilities`](crate::Capabilities): a collector that
//! reclaims everything must free cyclic garbage exactly; one that reclaims only acyclic
//! garbage must leak exactly the cyclic part (checked against the oracle); NoGC frees nothing.

mod random;

pub use random::{
    parse_replay, random_operations, replay_random_operations, OPS_PER_SEED, REPLAY_VAR, SEEDS,
};

use crate::{
    Collector, Finalizer, GcControl, GcError, HeapConfig, Mutator, Notice, Phase, Reclaims,
    Runtime, Shape,
};

/// Generates one `#[test]` per conformance check for the collector built by `$make`
/// (an expression callable as `fn() -> C`).
#[macro_export]
macro_rules! conformance_tests {
    ($make:expr) => {
        #[allow(missing_docs)]
        mod gc_conformance {
            #[allow(unused_imports)]
            use super::*;
            $crate::conformance_tests!(@tests $make;
                basic_operations, acyclic_garbage, cyclic_garbage, live_objects_survive,
                weak_references, weak_reference_in_garbage, finalizers_run_once, resurrection,
                long_list_ten_million, heap_limit_exhaustion_and_recovery, random_operations,
                gc_module_surface, moving_allocation);
        }
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                $crate::conformance::$name(&$make);
            }
        )*
    };
}

fn runtime<C: Collector>(make: &dyn Fn() -> C, config: HeapConfig) -> Runtime<C> {
    let mut rt = Runtime::new(config, make()).expect("conformance: runtime construction");
    rt.reserve_slots(64).expect("reserve slots");
    rt
}

fn verified<C: Collector>(make: &dyn Fn() -> C) -> Runtime<C> {
    runtime(make, HeapConfig::verified())
}

fn live<C: Collector>(rt: &Runtime<C>) -> u64 {
    rt.heap_stats().objects_in_use
}

fn drain<C: Collector>(rt: &mut Runtime<C>) -> Vec<Notice> {
    let mut v = Vec::new();
    rt.drain_notices(&mut v);
    v
}

fn finalized_tags(notices: &[Notice]) -> Vec<u32> {
    notices.iter().filter_map(Notice::finalized_tag).collect()
}

fn callback_tags(notices: &[Notice]) -> Vec<u32> {
    notices.iter().filter_map(Notice::callback_tag).collect()
}

/// Builds a list of `n` nodes (one field, 8 payload bytes) whose head ends in `head`, using
/// `tmp` as scratch.
fn build_list<M: Mutator>(m: &mut M, head: usize, tmp: usize, n: u64) {
    m.clear(head).unwrap();
    for _ in 0..n {
        m.alloc(tmp, Shape::new(1, 8)).unwrap();
        m.store(tmp, 0, Some(head)).unwrap();
        m.copy(head, tmp).unwrap();
    }
    m.clear(tmp).unwrap();
}

/// Builds `pairs` two-object cycles with every outside reference dropped (the seed's example).
fn build_cycle_pairs<M: Mutator>(m: &mut M, a: usize, b: usize, pairs: u64) {
    crate::fixtures::cycle_pairs(m, a, b, pairs).unwrap();
}

/// Slots, fields, payload, identity, and the errors every bad operation must give.
pub fn basic_operations<C: Collector>(make: &dyn Fn() -> C) {
    let mut m = verified(make);
    m.alloc(0, Shape::new(2, 16)).unwrap();
    m.alloc(1, Shape::new(0, 4)).unwrap();
    m.store(0, 1, Some(1)).unwrap();
    m.load(2, 0, 1).unwrap();
    assert!(m.same(1, 2).unwrap());
    m.load(3, 0, 0).unwrap();
    assert!(m.is_null(3).unwrap(), "fields start null");
    assert_eq!(m.shape(0).unwrap(), Shape::new(2, 16));
    m.write_payload(0, 3, b"hello").unwrap();
    let mut out = [0u8; 5];
    m.read_payload(0, 3, &mut out).unwrap();
    assert_eq!(&out, b"hello");
    let mut zero = [9u8; 3];
    m.read_payload(0, 13, &mut zero).unwrap();
    assert_eq!(zero, [0, 0, 0], "payload starts zeroed");
    m.copy(4, 0).unwrap();
    assert!(m.same(4, 0).unwrap());
    m.clear(4).unwrap();
    assert!(m.is_null(4).unwrap());

    let slots = m.slot_count();
    assert!(matches!(
        m.alloc(slots, Shape::new(0, 0)),
        Err(GcError::BadSlot { .. })
    ));
    assert!(matches!(
        m.load(0, 0, 2),
        Err(GcError::BadField { field: 2, .. })
    ));
    assert!(matches!(m.store(0, 7, None), Err(GcError::BadField { .. })));
    assert!(matches!(
        m.load(0, 5, 0),
        Err(GcError::NullSlot { slot: 5 })
    ));
    assert!(matches!(
        m.read_payload(0, 14, &mut [0u8; 3]),
        Err(GcError::BadPayload { .. })
    ));
    assert!(matches!(
        m.write_payload(1, 0, &[1; 5]),
        Err(GcError::BadPayload { .. })
    ));
    assert!(matches!(m.upgrade(5, 0), Err(GcError::NotWeak { .. })));
    assert!(matches!(
        m.collect(Some(200)),
        Err(GcError::BadGeneration { .. })
    ));
    assert!(matches!(
        m.alloc(0, Shape::new(70_000, 0)),
        Err(GcError::BadShape(_))
    ));
    // A large object (over 512 bytes) takes the system-allocator path.
    m.alloc(6, Shape::new(3, 2000)).unwrap();
    m.store(6, 2, Some(0)).unwrap();
    m.write_payload(6, 1990, &[7; 10]).unwrap();
    m.collect(None).unwrap();
    let mut big = [0u8; 10];
    m.read_payload(6, 1990, &mut big).unwrap();
    assert_eq!(big, [7; 10]);
    assert_eq!(m.heap_stats().large_objects, 1);
    m.verify_now().unwrap();
}

/// Garbage without cycles: freed by every collector that frees anything.
pub fn acyclic_garbage<C: Collector>(make: &dyn Fn() -> C) {
    let mut m = verified(make);
    build_list(&mut m, 0, 1, 100);
    m.alloc(2, Shape::new(2, 0)).unwrap();
    m.alloc(3, Shape::new(0, 8)).unwrap();
    m.store(2, 0, Some(3)).unwrap();
    m.store(2, 1, Some(3)).unwrap();
    m.clear(3).unwrap();
    assert_eq!(live(&m), 102);
    m.clear(0).unwrap();
    m.clear(2).unwrap();
    let caps = m.capabilities();
    if caps.prompt {
        assert_eq!(
            live(&m),
            0,
            "a prompt collector frees acyclic garbage on release"
        );
    }
    m.collect(None).unwrap();
    match caps.reclaims {
        Reclaims::Nothing => {
            assert_eq!(live(&m), 102);
            assert_eq!(m.leak_report().unwrap().objects, 102);
        }
        _ => {
            assert_eq!(live(&m), 0);
            assert_eq!(m.leak_report().unwrap().objects, 0);
            assert_eq!(m.heap_stats().total_freed, 102);
        }
    }
}

/// The seed's example at scale: 1,000 pairs referencing each other, outside references gone.
pub fn cyclic_garbage<C: Collector>(make: &dyn Fn() -> C) {
    let mut m = verified(make);
    // Automatic collections (CPython's thresholds fire within 2,000 allocations) would
    // take part of the garbage before the explicit collect() whose count is checked.
    m.disable();
    build_cycle_pairs(&mut m, 0, 1, 1000);
    build_list(&mut m, 2, 3, 10);
    m.clear(2).unwrap();
    let caps = m.capabilities();
    let collected = m.collect(None).unwrap();
    match caps.reclaims {
        Reclaims::Everything => {
            assert_eq!(live(&m), 0);
            if caps.prompt {
                assert_eq!(collected, 2000, "the acyclic list was already freed");
            } else {
                assert_eq!(collected, 2010);
            }
        }
        Reclaims::AcyclicOnly => {
            assert_eq!(collected, 0);
            assert_eq!(live(&m), 2000);
            let leak = m.leak_report().unwrap();
            assert_eq!(leak.objects, 2000, "exactly the cycles leak");
            assert_eq!(
                leak.bytes,
                2000 * m.heap().charge_for(Shape::new(1, 8)) as u64
            );
        }
        Reclaims::Nothing => {
            assert_eq!(collected, 0);
            assert_eq!(m.leak_report().unwrap().objects, 2010);
        }
    }
}

/// Reachable objects survive any number of collections with their contents intact.
pub fn live_objects_survive<C: Collector>(make: &dyn Fn() -> C) {
    let mut m = verified(make);
    // A small binary tree in slot 0, with payloads numbering the nodes.
    m.alloc(0, Shape::new(2, 8)).unwrap();
    let mut n = 0u64;
    m.write_payload(0, 0, &n.to_le_bytes()).unwrap();
    for _ in 0..200 {
        n += 1;
        m.alloc(1, Shape::new(2, 8)).unwrap();
        m.write_payload(1, 0, &n.to_le_bytes()).unwrap();
        // Walk down the left spine and hang the node on a free field.
        m.copy(2, 0).unwrap();
        let mut depth = 0;
        loop {
            let field = ((n >> depth) & 1) as usize;
            m.load(3, 2, field).unwrap();
            if m.is_null(3).unwrap() {
                m.store(2, field, Some(1)).unwrap();
                break;
            }
            m.copy(2, 3).unwrap();
            depth += 1;
        }
        if n.is_multiple_of(50) {
            m.collect(None).unwrap();
        }
    }
    for s in 1..4 {
        m.clear(s).unwrap();
    }
    for g in 0..m.capabilities().generations.max(1) {
        m.collect(Some(g)).unwrap();
    }
    m.collect(None).unwrap();
    assert_eq!(live(&m), 201);
    // Every payload 0..=200 is still there exactly once.
    let mut seen = vec![false; 201];
    let mut stack = vec![0usize];
    m.copy(10, 0).unwrap();
    let mut next_slot = 11;
    while let Some(s) = stack.pop() {
        let mut b = [0u8; 8];
        m.read_payload(s, 0, &mut b).unwrap();
        let v = u64::from_le_bytes(b) as usize;
        assert!(!seen[v], "payload {v} seen twice");
        seen[v] = true;
        for f in 0..2 {
            m.reserve_slots(next_slot + 1).unwrap();
            m.load(next_slot, s, f).unwrap();
            if !m.is_null(next_slot).unwrap() {
                stack.push(next_slot);
                next_slot += 1;
            }
        }
    }
    assert!(seen.iter().all(|&s| s));
    m.verify_now().unwrap();
}

/// A weak reference does not keep its referent alive; its callback fires once, afterwards.
pub fn weak_references<C: Collector>(make: &dyn Fn() -> C) {
    let mut m = verified(make);
    let caps = m.capabilities();
    m.alloc(0, Shape::new(1, 8)).unwrap();
    m.new_weak(1, 0, Some(7)).unwrap();
    assert!(m.upgrade(2, 1).unwrap());
    assert!(m.same(0, 2).unwrap());
    m.clear(2).unwrap();
    m.clear(0).unwrap();
    if caps.prompt {
        assert!(!m.upgrade(2, 1).unwrap(), "referent freed on last release");
    }
    m.collect(None).unwrap();
    let alive = m.upgrade(2, 1).unwrap();
    let notices = drain(&mut m);
    if caps.reclaims == Reclaims::Nothing {
        assert!(alive);
        assert!(callback_tags(&notices).is_empty());
    } else {
        assert!(!alive);
        assert!(m.is_null(2).unwrap());
        assert_eq!(
            callback_tags(&notices),
            vec![7],
            "callback fires exactly once"
        );
    }
    m.collect(None).unwrap();
    assert!(callback_tags(&drain(&mut m)).is_empty());

    // A weak reference to cyclic garbage, itself reachable: cleared and called back only by
    // a collector that reclaims cycles.
    m.alloc(3, Shape::new(1, 0)).unwrap();
    m.alloc(4, Shape::new(1, 0)).unwrap();
    m.store(3, 0, Some(4)).unwrap();
    m.store(4, 0, Some(3)).unwrap();
    m.new_weak(5, 3, Some(9)).unwrap();
    m.clear(3).unwrap();
    m.clear(4).unwrap();
    m.collect(None).unwrap();
    let alive = m.upgrade(6, 5).unwrap();
    let tags = callback_tags(&drain(&mut m));
    if caps.reclaims_cycles() {
        assert!(!alive);
        assert_eq!(tags, vec![9]);
    } else {
        assert!(alive);
        assert!(tags.is_empty());
    }
}

/// A weak reference that is itself garbage gets no callback (CPython's rule).
pub fn weak_reference_in_garbage<C: Collector>(make: &dyn Fn() -> C) {
    let mut m = verified(make);
    let caps = m.capabilities();
    // Acyclic: drop the weak reference before its referent.
    m.alloc(0, Shape::new(0, 8)).unwrap();
    m.new_weak(1, 0, Some(1)).unwrap();
    m.clear(1).unwrap();
    m.collect(None).unwrap();
    m.clear(0).unwrap();
    m.collect(None).unwrap();
    assert!(callback_tags(&drain(&mut m)).is_empty());
    // Cyclic: the weak reference hangs off the garbage cycle it points into.
    m.alloc(2, Shape::new(2, 0)).unwrap();
    m.alloc(3, Shape::new(1, 0)).unwrap();
    m.store(2, 0, Some(3)).unwrap();
    m.store(3, 0, Some(2)).unwrap();
    m.new_weak(4, 2, Some(2)).unwrap();
    m.store(2, 1, Some(4)).unwrap();
    for s in 2..5 {
        m.clear(s).unwrap();
    }
    let collected = m.collect(None).unwrap();
    assert!(callback_tags(&drain(&mut m)).is_empty());
    if caps.reclaims_cycles() {
        assert_eq!(live(&m), 0);
        assert!(collected >= 3);
    } else {
        assert_eq!(m.leak_report().unwrap().objects, live(&m));
    }
}

/// Finalizers run exactly once, acyclic and cyclic.
pub fn finalizers_run_once<C: Collector>(make: &dyn Fn() -> C) {
    let mut m = verified(make);
    let caps = m.capabilities();
    m.alloc(0, Shape::new(0, 8)).unwrap();
    m.set_finalizer(0, Finalizer::report(11)).unwrap();
    m.clear(0).unwrap();
    if caps.prompt {
        assert_eq!(finalized_tags(&drain(&mut m)), vec![11]);
    }
    m.collect(None).unwrap();
    m.collect(None).unwrap();
    let tags = finalized_tags(&drain(&mut m));
    match (caps.reclaims, caps.prompt) {
        (Reclaims::Nothing, _) => assert!(tags.is_empty()),
        (_, true) => assert!(tags.is_empty(), "ran once already"),
        (_, false) => assert_eq!(tags, vec![11]),
    }
    // In a cycle.
    m.alloc(1, Shape::new(1, 0)).unwrap();
    m.alloc(2, Shape::new(1, 0)).unwrap();
    m.store(1, 0, Some(2)).unwrap();
    m.store(2, 0, Some(1)).unwrap();
    m.set_finalizer(1, Finalizer::report(12)).unwrap();
    m.set_finalizer(2, Finalizer::report(13)).unwrap();
    m.clear(1).unwrap();
    m.clear(2).unwrap();
    m.collect(None).unwrap();
    m.collect(None).unwrap();
    let mut tags = finalized_tags(&drain(&mut m));
    tags.sort_unstable();
    if caps.reclaims_cycles() {
        assert_eq!(tags, vec![12, 13]);
        assert_eq!(live(&m), 0);
    } else {
        assert!(tags.is_empty());
    }
}

/// A finalizer that resurrects keeps its object and all it reaches; it never runs twice.
pub fn resurrection<C: Collector>(make: &dyn Fn() -> C) {
    let mut m = verified(make);
    let caps = m.capabilities();
    if caps.reclaims == Reclaims::Nothing {
        return;
    }
    m.alloc(0, Shape::new(1, 8)).unwrap();
    m.alloc(1, Shape::new(0, 8)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.write_payload(1, 0, &42u64.to_le_bytes()).unwrap();
    m.clear(1).unwrap();
    m.set_finalizer(0, Finalizer::resurrect(21, 5)).unwrap();
    m.clear(0).unwrap();
    m.collect(None).unwrap();
    assert_eq!(finalized_tags(&drain(&mut m)), vec![21]);
    assert!(!m.is_null(5).unwrap(), "resurrected into slot 5");
    assert_eq!(live(&m), 2, "the object and what it reaches survive");
    assert!(m.is_finalized(m.slot_ref(5).unwrap().unwrap()).unwrap());
    m.load(6, 5, 0).unwrap();
    let mut b = [0u8; 8];
    m.read_payload(6, 0, &mut b).unwrap();
    assert_eq!(u64::from_le_bytes(b), 42);
    m.clear(6).unwrap();
    m.clear(5).unwrap();
    m.collect(None).unwrap();
    assert!(finalized_tags(&drain(&mut m)).is_empty(), "never twice");
    assert_eq!(live(&m), 0);

    if caps.reclaims_cycles() {
        m.alloc(0, Shape::new(1, 0)).unwrap();
        m.alloc(1, Shape::new(1, 0)).unwrap();
        m.store(0, 0, Some(1)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
        m.set_finalizer(0, Finalizer::resurrect(22, 7)).unwrap();
        m.clear(0).unwrap();
        m.clear(1).unwrap();
        m.collect(None).unwrap();
        assert_eq!(finalized_tags(&drain(&mut m)), vec![22]);
        assert_eq!(live(&m), 2, "the resurrected cycle survives whole");
        m.clear(7).unwrap();
        m.collect(None).unwrap();
        assert!(finalized_tags(&drain(&mut m)).is_empty());
        assert_eq!(live(&m), 0);
    }
}

/// A ten-million-object linked list is built, traced and freed without stack overflow.
pub fn long_list_ten_million<C: Collector>(make: &dyn Fn() -> C) {
    const N: u64 = 10_000_000;
    let mut m = runtime(make, HeapConfig::default());
    m.disable();
    build_list(&mut m, 0, 1, N);
    assert_eq!(live(&m), N);
    assert_eq!(
        m.collect(None).unwrap(),
        0,
        "nothing of a live list is garbage"
    );
    assert_eq!(live(&m), N);
    m.clear(0).unwrap();
    let collected = m.collect(None).unwrap();
    let caps = m.capabilities();
    match caps.reclaims {
        Reclaims::Nothing => assert_eq!(live(&m), N),
        _ => {
            assert_eq!(live(&m), 0);
            assert_eq!(m.heap_stats().total_freed, N);
            if !caps.prompt {
                assert_eq!(collected, N);
            }
        }
    }
}

/// Filling the heap limit gives `OutOfMemory`, and the heap works again once objects die.
pub fn heap_limit_exhaustion_and_recovery<C: Collector>(make: &dyn Fn() -> C) {
    let limit = 256 * 1024;
    let mut m = runtime(make, HeapConfig::verified().with_limit(limit));
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
        assert!(built < 1_000_000, "the limit was never hit");
    };
    assert!(matches!(err, GcError::OutOfMemory { .. }), "got {err}");
    assert!(m.heap_stats().bytes_in_use <= limit as u64);
    assert!(built > 1000);
    m.verify_now().unwrap();
    m.clear(0).unwrap();
    m.clear(1).unwrap();
    let again = m.alloc(2, Shape::new(1, 8));
    if m.capabilities().reclaims == Reclaims::Nothing {
        assert!(again.is_err());
        return;
    }
    again.unwrap();
    // Cyclic garbage many times the limit: a collector that reclaims cycles never runs out.
    if m.capabilities().reclaims_cycles() {
        build_cycle_pairs(&mut m, 3, 4, 4 * built);
        m.collect(None).unwrap();
        assert_eq!(live(&m), 1);
    }
}

/// The gc-module surface: switches, inspection, statistics, callbacks, debug flags.
pub fn gc_module_surface<C: Collector>(make: &dyn Fn() -> C) {
    use std::cell::RefCell;
    use std::rc::Rc;
    let mut m = verified(make);
    let caps = m.capabilities();
    assert!(m.is_enabled());
    m.disable();
    assert!(!m.is_enabled());
    m.enable();
    assert!(m.is_enabled());
    m.set_debug(crate::DEBUG_COLLECTABLE);
    assert_eq!(m.get_debug(), crate::DEBUG_COLLECTABLE);
    m.set_debug(0);
    assert_eq!(m.get_stats().len(), caps.generations.max(1) as usize);

    m.alloc(0, Shape::new(2, 0)).unwrap();
    m.alloc(1, Shape::new(0, 8)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(0, 1, Some(1)).unwrap();
    let a = m.slot_ref(0).unwrap().unwrap();
    let b = m.slot_ref(1).unwrap().unwrap();
    assert_eq!(m.get_referents(a).unwrap(), vec![b, b]);
    assert_eq!(m.get_referents(b).unwrap(), vec![]);
    assert_eq!(m.get_referrers(b).unwrap(), vec![a]);
    assert!(!m.is_finalized(a).unwrap());

    let events: Rc<RefCell<Vec<Phase>>> = Rc::default();
    let sink = events.clone();
    let id = m.add_callback(Box::new(move |e| sink.borrow_mut().push(e.phase)));
    build_cycle_pairs(&mut m, 2, 3, 10);
    m.collect(None).unwrap();
    let seen = events.borrow().clone();
    let starts = seen.iter().filter(|p| **p == Phase::Start).count();
    let stops = seen.iter().filter(|p| **p == Phase::Stop).count();
    assert_eq!(starts, stops, "pauses come in start/stop pairs");
    if caps.reclaims_cycles() {
        assert!(starts >= 1, "a collection that frees cycles is a pause");
        let stats = m.get_stats();
        assert!(stats.iter().map(|s| s.collections).sum::<u64>() >= 1);
        assert!(stats.iter().map(|s| s.collected).sum::<u64>() >= 20);
    }
    assert!(m.remove_callback(id));
    assert!(!m.remove_callback(id));
    let before = events.borrow().len();
    m.collect(None).unwrap();
    assert_eq!(
        events.borrow().len(),
        before,
        "removed callbacks hear nothing"
    );
    let dead = m.slot_ref(1).unwrap().unwrap();
    m.clear(0).unwrap();
    m.clear(1).unwrap();
    m.collect(None).unwrap();
    if caps.reclaims != Reclaims::Nothing {
        assert!(matches!(
            m.get_referents(dead),
            Err(GcError::UseAfterFree { .. })
        ));
    }
}

/// `alloc_moving`: the new object's fields take the sources' references (null for a null
/// slot), the sources are left null, every count stays exact (the verified heap checks),
/// and bad arguments change nothing. With a heap limit that forces a collection inside the
/// allocation, the sources, still in their slots then, survive it.
pub fn moving_allocation<C: Collector>(make: &dyn Fn() -> C) {
    let mut m = verified(make);
    m.alloc(1, Shape::new(1, 8)).unwrap();
    m.alloc(2, Shape::new(0, 8)).unwrap();
    m.store(1, 0, Some(2)).unwrap(); // a -> b, and slot 2 holds b too
    m.copy(4, 1).unwrap(); // slot 4 also holds a
    m.alloc_moving(0, Shape::new(3, 8), &[1, 3, 2]).unwrap();
    for s in 1..4 {
        assert!(m.is_null(s).unwrap(), "source slot {s} is left null");
    }
    m.load(5, 0, 0).unwrap();
    assert!(m.same(5, 4).unwrap(), "field 0 took slot 1's reference");
    m.load(6, 0, 1).unwrap();
    assert!(m.is_null(6).unwrap(), "field 1 took slot 3's null");
    m.load(6, 0, 2).unwrap();
    m.load(7, 4, 0).unwrap();
    assert!(m.same(6, 7).unwrap(), "field 2 took slot 2's reference");
    assert_eq!(live(&m), 3);
    m.verify_now().unwrap();

    let before = live(&m);
    let refused = [
        m.alloc_moving(8, Shape::new(1, 0), &[4, 5]),
        m.alloc_moving(8, Shape::new(2, 0), &[4, 8]),
        m.alloc_moving(8, Shape::new(2, 0), &[4, 1000]),
        m.alloc_moving(1000, Shape::new(2, 0), &[4]),
    ];
    for r in refused {
        assert!(r.is_err(), "a bad alloc_moving is refused");
    }
    assert!(matches!(
        m.alloc_moving(8, Shape::new(2, 0), &[4, 1000]),
        Err(GcError::BadSlot { slot: 1000, .. })
    ));
    assert_eq!(live(&m), before, "and allocates nothing");
    assert!(
        !m.is_null(4).unwrap() && m.is_null(8).unwrap(),
        "nor moves anything"
    );
    m.verify_now().unwrap();

    for s in [0, 4, 5, 6, 7] {
        m.clear(s).unwrap();
    }
    m.collect(None).unwrap();
    let expected = if m.capabilities().reclaims == Reclaims::Nothing {
        3
    } else {
        0
    };
    assert_eq!(live(&m), expected);

    // A source named twice moves once (the second field takes the now-null slot), and a
    // large object (over the small-object limit) takes its sources the same way.
    let mut m = verified(make);
    m.alloc(1, Shape::new(0, 8)).unwrap();
    m.alloc(2, Shape::new(0, 8)).unwrap();
    m.alloc_moving(0, Shape::new(2, 8), &[1, 1]).unwrap();
    m.load(3, 0, 1).unwrap();
    assert!(m.is_null(1).unwrap() && m.is_null(3).unwrap());
    m.load(3, 0, 0).unwrap();
    assert!(!m.is_null(3).unwrap(), "the first field took the reference");
    m.clear(3).unwrap();
    let large = Shape::new(200, 64);
    m.alloc_moving(4, large, &[2, 0]).unwrap();
    assert!(m.is_null(2).unwrap() && m.is_null(0).unwrap());
    m.load(5, 4, 1).unwrap();
    m.load(6, 5, 0).unwrap();
    assert!(
        !m.is_null(6).unwrap(),
        "the large object holds the pair's first object"
    );
    m.verify_now().unwrap();

    // Replacing an object whose finalizer resurrects it into a source slot: the effect is
    // that of the operations alloc_moving stands for, so the new object's field takes the
    // resurrected object (where the release runs the finalizer at once) and the source
    // slot is left null either way.
    let mut m = verified(make);
    m.alloc(0, Shape::new(0, 8)).unwrap(); // V, in the destination
    let v = m.slot_ref(0).unwrap().unwrap();
    m.set_finalizer(0, Finalizer::resurrect(7, 1)).unwrap();
    m.alloc(1, Shape::new(0, 8)).unwrap(); // A, the source
    let a = m.slot_ref(1).unwrap().unwrap();
    m.alloc_moving(0, Shape::new(1, 8), &[1]).unwrap();
    assert!(m.is_null(1).unwrap(), "the source slot is left null");
    m.load(2, 0, 0).unwrap();
    let taken = m.slot_ref(2).unwrap().unwrap();
    if m.capabilities().prompt {
        assert_eq!(
            taken, v,
            "the field took what the finalizer put in the source slot"
        );
    } else {
        assert_eq!(taken, a, "no finalizer ran before the move");
    }
    m.verify_now().unwrap();

    // Garbage fills the heap to within a cell of its limit (automatic collection off where
    // there is any), so the moving allocation itself must collect, with the sources still
    // in their slots, or fail cleanly.
    let limit = 256 * 1024;
    let mut m = runtime(make, HeapConfig::verified().with_limit(limit));
    let _ = m.set_threshold(&[0]); // collectors without thresholds refuse; nothing to turn off
    m.alloc(1, Shape::new(0, 8)).unwrap();
    m.alloc(2, Shape::new(0, 8)).unwrap();
    while m.heap_stats().bytes_in_use + 64 <= limit as u64 {
        if m.alloc(3, Shape::new(1, 8)).is_err() {
            break;
        }
        m.store(3, 0, Some(3)).unwrap(); // a self-cycle, dropped at once
        m.clear(3).unwrap();
    }
    let big = Shape::new(2, 200); // does not fit in what is left
    match m.alloc_moving(0, big, &[1, 2]) {
        Ok(()) => {
            assert!(m.is_null(1).unwrap() && m.is_null(2).unwrap());
            m.load(4, 0, 0).unwrap();
            m.load(5, 0, 1).unwrap();
            assert!(!m.is_null(4).unwrap() && !m.is_null(5).unwrap());
        }
        Err(e) => {
            assert!(matches!(e, GcError::OutOfMemory { .. }), "got {e}");
            assert!(
                !m.is_null(1).unwrap() && !m.is_null(2).unwrap(),
                "nothing moved"
            );
        }
    }
    m.verify_now().unwrap();
}
