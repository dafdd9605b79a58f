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
//!
//! A failure says which check and step failed and what was expected. `random_operations`
//! also shows the operations leading up to it and a line replaying exactly that case:
//! `GCLAB_CONFORMANCE_REPLAY=<seed>:<op> cargo test -p <crate> random_operations --
//! --nocapture` prints every operation of that seed up to that one and checks the heap
//! against the oracle after each ([`replay_random_operations`]).

mod random;

pub use random::{
    apply, parse_replay, random_operations, replay_random_operations, Op, OpMix, Outcome,
    RandomOps, OPS_PER_SEED, REPLAY_VAR, SEEDS, SLOTS,
};

use crate::{
    Collector, Finalizer, GcControl, GcError, GcResult, HeapConfig, Mutator, Notice, Phase,
    Reclaims, Runtime, Shape,
};

/// Unwraps the result of a step every collector must complete; on an error, panics naming
/// the check (the `CHECK` constant in scope, or the one given before a `;`), the step as
/// written and the error.
macro_rules! ok {
    ($result:expr) => {
        ok!(CHECK; $result)
    };
    ($check:expr; $result:expr) => {
        step_done($check, stringify!($result), $result)
    };
}

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
                gc_module_surface, moving_allocation, gc_disable_stops_automatic_collection,
                debug_saveall_keeps_garbage, resurrection_overwriting_a_root,
                identity_across_collections);
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

/// The value of a step that must succeed; the panic otherwise names the check and the step.
#[track_caller]
fn step_done<T>(check: &str, step: &str, result: GcResult<T>) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!(
            "conformance check {check} failed at `{step}`: {e}\n\
             expected: this step succeeds for every collector (see the check's documentation \
             in gc_core::conformance)"
        ),
    }
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
/// `tmp` as scratch, for the check named `check`.
fn build_list<M: Mutator>(check: &str, m: &mut M, head: usize, tmp: usize, n: u64) {
    ok!(check; m.clear(head));
    for _ in 0..n {
        ok!(check; m.alloc(tmp, Shape::new(1, 8)));
        ok!(check; m.store(tmp, 0, Some(head)));
        ok!(check; m.copy(head, tmp));
    }
    ok!(check; m.clear(tmp));
}

/// Builds `pairs` two-object cycles with every outside reference dropped (the seed's example),
/// for the check named `check`.
fn build_cycle_pairs<M: Mutator>(check: &str, m: &mut M, a: usize, b: usize, pairs: u64) {
    ok!(check; crate::fixtures::cycle_pairs(m, a, b, pairs));
}

/// Slots, fields, payload, identity, and the errors every bad operation must give.
pub fn basic_operations<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "basic_operations";
    let mut m = verified(make);
    ok!(m.alloc(0, Shape::new(2, 16)));
    ok!(m.alloc(1, Shape::new(0, 4)));
    ok!(m.store(0, 1, Some(1)));
    ok!(m.load(2, 0, 1));
    assert!(ok!(m.same(1, 2)));
    ok!(m.load(3, 0, 0));
    assert!(ok!(m.is_null(3)), "fields start null");
    assert_eq!(ok!(m.shape(0)), Shape::new(2, 16));
    ok!(m.write_payload(0, 3, b"hello"));
    let mut out = [0u8; 5];
    ok!(m.read_payload(0, 3, &mut out));
    assert_eq!(&out, b"hello");
    let mut zero = [9u8; 3];
    ok!(m.read_payload(0, 13, &mut zero));
    assert_eq!(zero, [0, 0, 0], "payload starts zeroed");
    ok!(m.copy(4, 0));
    assert!(ok!(m.same(4, 0)));
    ok!(m.clear(4));
    assert!(ok!(m.is_null(4)));

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
    ok!(m.alloc(6, Shape::new(3, 2000)));
    ok!(m.store(6, 2, Some(0)));
    ok!(m.write_payload(6, 1990, &[7; 10]));
    ok!(m.collect(None));
    let mut big = [0u8; 10];
    ok!(m.read_payload(6, 1990, &mut big));
    assert_eq!(big, [7; 10]);
    assert_eq!(m.heap_stats().large_objects, 1);
    ok!(m.verify_now());
}

/// Garbage without cycles: freed by every collector that frees anything.
pub fn acyclic_garbage<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "acyclic_garbage";
    let mut m = verified(make);
    build_list(CHECK, &mut m, 0, 1, 100);
    ok!(m.alloc(2, Shape::new(2, 0)));
    ok!(m.alloc(3, Shape::new(0, 8)));
    ok!(m.store(2, 0, Some(3)));
    ok!(m.store(2, 1, Some(3)));
    ok!(m.clear(3));
    assert_eq!(live(&m), 102);
    ok!(m.clear(0));
    ok!(m.clear(2));
    let caps = m.capabilities();
    if caps.prompt {
        assert_eq!(
            live(&m),
            0,
            "a prompt collector frees acyclic garbage on release"
        );
    }
    ok!(m.collect(None));
    match caps.reclaims {
        Reclaims::Nothing => {
            assert_eq!(live(&m), 102);
            assert_eq!(ok!(m.leak_report()).objects, 102);
        }
        _ => {
            assert_eq!(live(&m), 0);
            assert_eq!(ok!(m.leak_report()).objects, 0);
            assert_eq!(m.heap_stats().total_freed, 102);
        }
    }
}

/// The seed's example at scale: 1,000 pairs referencing each other, outside references gone.
pub fn cyclic_garbage<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "cyclic_garbage";
    let mut m = verified(make);
    // Automatic collections (CPython's thresholds fire within 2,000 allocations) would
    // take part of the garbage before the explicit collect() whose count is checked.
    m.disable();
    build_cycle_pairs(CHECK, &mut m, 0, 1, 1000);
    build_list(CHECK, &mut m, 2, 3, 10);
    ok!(m.clear(2));
    let caps = m.capabilities();
    let collected = ok!(m.collect(None));
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
            let leak = ok!(m.leak_report());
            assert_eq!(leak.objects, 2000, "exactly the cycles leak");
            assert_eq!(
                leak.bytes,
                2000 * m.heap().charge_for(Shape::new(1, 8)) as u64
            );
        }
        Reclaims::Nothing => {
            assert_eq!(collected, 0);
            assert_eq!(ok!(m.leak_report()).objects, 2010);
        }
    }
}

/// Reachable objects survive any number of collections with their contents intact.
pub fn live_objects_survive<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "live_objects_survive";
    let mut m = verified(make);
    // A small binary tree in slot 0, with payloads numbering the nodes.
    ok!(m.alloc(0, Shape::new(2, 8)));
    let mut n = 0u64;
    ok!(m.write_payload(0, 0, &n.to_le_bytes()));
    for _ in 0..200 {
        n += 1;
        ok!(m.alloc(1, Shape::new(2, 8)));
        ok!(m.write_payload(1, 0, &n.to_le_bytes()));
        // Walk down the left spine and hang the node on a free field.
        ok!(m.copy(2, 0));
        let mut depth = 0;
        loop {
            let field = ((n >> depth) & 1) as usize;
            ok!(m.load(3, 2, field));
            if ok!(m.is_null(3)) {
                ok!(m.store(2, field, Some(1)));
                break;
            }
            ok!(m.copy(2, 3));
            depth += 1;
        }
        if n.is_multiple_of(50) {
            ok!(m.collect(None));
        }
    }
    for s in 1..4 {
        ok!(m.clear(s));
    }
    for g in 0..m.capabilities().generations.max(1) {
        ok!(m.collect(Some(g)));
    }
    ok!(m.collect(None));
    assert_eq!(live(&m), 201);
    // Every payload 0..=200 is still there exactly once.
    let mut seen = vec![false; 201];
    let mut stack = vec![0usize];
    ok!(m.copy(10, 0));
    let mut next_slot = 11;
    while let Some(s) = stack.pop() {
        let mut b = [0u8; 8];
        ok!(m.read_payload(s, 0, &mut b));
        let v = u64::from_le_bytes(b) as usize;
        assert!(!seen[v], "payload {v} seen twice");
        seen[v] = true;
        for f in 0..2 {
            ok!(m.reserve_slots(next_slot + 1));
            ok!(m.load(next_slot, s, f));
            if !ok!(m.is_null(next_slot)) {
                stack.push(next_slot);
                next_slot += 1;
            }
        }
    }
    assert!(seen.iter().all(|&s| s));
    ok!(m.verify_now());
}

/// A weak reference does not keep its referent alive; its callback fires once, afterwards.
pub fn weak_references<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "weak_references";
    let mut m = verified(make);
    let caps = m.capabilities();
    ok!(m.alloc(0, Shape::new(1, 8)));
    ok!(m.new_weak(1, 0, Some(7)));
    assert!(ok!(m.upgrade(2, 1)));
    assert!(ok!(m.same(0, 2)));
    ok!(m.clear(2));
    ok!(m.clear(0));
    if caps.prompt {
        assert!(!ok!(m.upgrade(2, 1)), "referent freed on last release");
    }
    ok!(m.collect(None));
    let alive = ok!(m.upgrade(2, 1));
    let notices = drain(&mut m);
    if caps.reclaims == Reclaims::Nothing {
        assert!(alive);
        assert!(callback_tags(&notices).is_empty());
    } else {
        assert!(!alive);
        assert!(ok!(m.is_null(2)));
        assert_eq!(
            callback_tags(&notices),
            vec![7],
            "callback fires exactly once"
        );
    }
    ok!(m.collect(None));
    assert!(callback_tags(&drain(&mut m)).is_empty());

    // A weak reference to cyclic garbage, itself reachable: cleared and called back only by
    // a collector that reclaims cycles.
    ok!(m.alloc(3, Shape::new(1, 0)));
    ok!(m.alloc(4, Shape::new(1, 0)));
    ok!(m.store(3, 0, Some(4)));
    ok!(m.store(4, 0, Some(3)));
    ok!(m.new_weak(5, 3, Some(9)));
    ok!(m.clear(3));
    ok!(m.clear(4));
    ok!(m.collect(None));
    let alive = ok!(m.upgrade(6, 5));
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
    const CHECK: &str = "weak_reference_in_garbage";
    let mut m = verified(make);
    let caps = m.capabilities();
    // Acyclic: drop the weak reference before its referent.
    ok!(m.alloc(0, Shape::new(0, 8)));
    ok!(m.new_weak(1, 0, Some(1)));
    ok!(m.clear(1));
    ok!(m.collect(None));
    ok!(m.clear(0));
    ok!(m.collect(None));
    assert!(callback_tags(&drain(&mut m)).is_empty());
    // Cyclic: the weak reference hangs off the garbage cycle it points into.
    ok!(m.alloc(2, Shape::new(2, 0)));
    ok!(m.alloc(3, Shape::new(1, 0)));
    ok!(m.store(2, 0, Some(3)));
    ok!(m.store(3, 0, Some(2)));
    ok!(m.new_weak(4, 2, Some(2)));
    ok!(m.store(2, 1, Some(4)));
    for s in 2..5 {
        ok!(m.clear(s));
    }
    let collected = ok!(m.collect(None));
    assert!(callback_tags(&drain(&mut m)).is_empty());
    if caps.reclaims_cycles() {
        assert_eq!(live(&m), 0);
        assert!(collected >= 3);
    } else {
        assert_eq!(ok!(m.leak_report()).objects, live(&m));
    }
}

/// Finalizers run exactly once, acyclic and cyclic.
pub fn finalizers_run_once<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "finalizers_run_once";
    let mut m = verified(make);
    let caps = m.capabilities();
    ok!(m.alloc(0, Shape::new(0, 8)));
    ok!(m.set_finalizer(0, Finalizer::report(11)));
    ok!(m.clear(0));
    if caps.prompt {
        assert_eq!(finalized_tags(&drain(&mut m)), vec![11]);
    }
    ok!(m.collect(None));
    ok!(m.collect(None));
    let tags = finalized_tags(&drain(&mut m));
    match (caps.reclaims, caps.prompt) {
        (Reclaims::Nothing, _) => assert!(tags.is_empty()),
        (_, true) => assert!(tags.is_empty(), "ran once already"),
        (_, false) => assert_eq!(tags, vec![11]),
    }
    // In a cycle.
    ok!(m.alloc(1, Shape::new(1, 0)));
    ok!(m.alloc(2, Shape::new(1, 0)));
    ok!(m.store(1, 0, Some(2)));
    ok!(m.store(2, 0, Some(1)));
    ok!(m.set_finalizer(1, Finalizer::report(12)));
    ok!(m.set_finalizer(2, Finalizer::report(13)));
    ok!(m.clear(1));
    ok!(m.clear(2));
    ok!(m.collect(None));
    ok!(m.collect(None));
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
    const CHECK: &str = "resurrection";
    let mut m = verified(make);
    let caps = m.capabilities();
    if caps.reclaims == Reclaims::Nothing {
        return;
    }
    ok!(m.alloc(0, Shape::new(1, 8)));
    ok!(m.alloc(1, Shape::new(0, 8)));
    ok!(m.store(0, 0, Some(1)));
    ok!(m.write_payload(1, 0, &42u64.to_le_bytes()));
    ok!(m.clear(1));
    ok!(m.set_finalizer(0, Finalizer::resurrect(21, 5)));
    ok!(m.clear(0));
    ok!(m.collect(None));
    assert_eq!(finalized_tags(&drain(&mut m)), vec![21]);
    assert!(!ok!(m.is_null(5)), "resurrected into slot 5");
    assert_eq!(live(&m), 2, "the object and what it reaches survive");
    assert!(ok!(m.is_finalized(
        ok!(m.slot_ref(5)).expect("slot 5 holds the resurrected object")
    )));
    ok!(m.load(6, 5, 0));
    let mut b = [0u8; 8];
    ok!(m.read_payload(6, 0, &mut b));
    assert_eq!(u64::from_le_bytes(b), 42);
    ok!(m.clear(6));
    ok!(m.clear(5));
    ok!(m.collect(None));
    assert!(finalized_tags(&drain(&mut m)).is_empty(), "never twice");
    assert_eq!(live(&m), 0);

    if caps.reclaims_cycles() {
        ok!(m.alloc(0, Shape::new(1, 0)));
        ok!(m.alloc(1, Shape::new(1, 0)));
        ok!(m.store(0, 0, Some(1)));
        ok!(m.store(1, 0, Some(0)));
        ok!(m.set_finalizer(0, Finalizer::resurrect(22, 7)));
        ok!(m.clear(0));
        ok!(m.clear(1));
        ok!(m.collect(None));
        assert_eq!(finalized_tags(&drain(&mut m)), vec![22]);
        assert_eq!(live(&m), 2, "the resurrected cycle survives whole");
        ok!(m.clear(7));
        ok!(m.collect(None));
        assert!(finalized_tags(&drain(&mut m)).is_empty());
        assert_eq!(live(&m), 0);
    }
}

/// A ten-million-object linked list is built, traced and freed without stack overflow.
pub fn long_list_ten_million<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "long_list_ten_million";
    const N: u64 = 10_000_000;
    let mut m = runtime(make, HeapConfig::default());
    m.disable();
    let caps = m.capabilities();
    if caps.moves_objects {
        // A garbage object between every two nodes leaves every arena half full, so a
        // moving collector moves the list: its rewriting must not recurse either.
        ok!(m.clear(0));
        for _ in 0..N {
            ok!(m.alloc(1, Shape::new(1, 8)));
            ok!(m.store(1, 0, Some(0)));
            ok!(m.copy(0, 1));
            ok!(m.alloc(1, Shape::new(1, 8)));
        }
        ok!(m.clear(1));
        let freed = ok!(m.collect(None));
        if !caps.prompt {
            assert_eq!(freed, N, "the garbage between the nodes");
        }
        assert!(
            m.heap_stats().objects_moved > 0,
            "nothing of the list moved"
        );
    } else {
        build_list(CHECK, &mut m, 0, 1, N);
    }
    assert_eq!(live(&m), N);
    assert_eq!(ok!(m.collect(None)), 0, "nothing of a live list is garbage");
    assert_eq!(live(&m), N);
    let mut walked = 0;
    ok!(m.copy(1, 0));
    while !ok!(m.is_null(1)) {
        ok!(m.load(1, 1, 0));
        walked += 1;
    }
    assert_eq!(walked, N, "the list is whole");
    ok!(m.clear(0));
    let collected = ok!(m.collect(None));
    match caps.reclaims {
        Reclaims::Nothing => assert_eq!(live(&m), N),
        _ => {
            assert_eq!(live(&m), 0);
            let stats = m.heap_stats();
            assert_eq!(stats.total_freed, stats.total_allocated, "everything freed");
            if !caps.prompt {
                assert_eq!(collected, N);
            }
        }
    }
}

/// Filling the heap limit gives `OutOfMemory`, and the heap works again once objects die.
pub fn heap_limit_exhaustion_and_recovery<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "heap_limit_exhaustion_and_recovery";
    let limit = 256 * 1024;
    let mut m = runtime(make, HeapConfig::verified().with_limit(limit));
    let mut built = 0u64;
    let err = loop {
        match m.alloc(1, Shape::new(1, 8)) {
            Ok(()) => {
                ok!(m.store(1, 0, Some(0)));
                ok!(m.copy(0, 1));
                built += 1;
            }
            Err(e) => break e,
        }
        assert!(built < 1_000_000, "the limit was never hit");
    };
    assert!(matches!(err, GcError::OutOfMemory { .. }), "got {err}");
    assert!(m.heap_stats().bytes_in_use <= limit as u64);
    assert!(built > 1000);
    ok!(m.verify_now());
    ok!(m.clear(0));
    ok!(m.clear(1));
    let again = m.alloc(2, Shape::new(1, 8));
    if m.capabilities().reclaims == Reclaims::Nothing {
        assert!(again.is_err());
        return;
    }
    ok!(again);
    // Cyclic garbage many times the limit: a collector that reclaims cycles never runs out.
    if m.capabilities().reclaims_cycles() {
        build_cycle_pairs(CHECK, &mut m, 3, 4, 4 * built);
        ok!(m.collect(None));
        assert_eq!(live(&m), 1);
    }
}

/// The gc-module surface: switches, inspection, statistics, callbacks, debug flags.
pub fn gc_module_surface<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "gc_module_surface";
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
    let thresholds = m.get_threshold();
    if !thresholds.is_empty() {
        assert!(
            m.set_threshold(&thresholds).is_ok(),
            "set_threshold refused what get_threshold returned ({thresholds:?})"
        );
        assert_eq!(
            m.get_threshold(),
            thresholds,
            "thresholds changed by setting them to themselves"
        );
    }
    assert_eq!(m.get_stats().len(), caps.generations.max(1) as usize);

    ok!(m.alloc(0, Shape::new(2, 0)));
    ok!(m.alloc(1, Shape::new(0, 8)));
    ok!(m.store(0, 0, Some(1)));
    ok!(m.store(0, 1, Some(1)));
    let a = ok!(m.slot_ref(0)).expect("slot 0 holds an object");
    let b = ok!(m.slot_ref(1)).expect("slot 1 holds an object");
    assert_eq!(ok!(m.get_referents(a)), vec![b, b]);
    assert_eq!(ok!(m.get_referents(b)), vec![]);
    assert_eq!(ok!(m.get_referrers(b)), vec![a]);
    assert!(!ok!(m.is_finalized(a)));

    let events: Rc<RefCell<Vec<Phase>>> = Rc::default();
    let sink = events.clone();
    let id = m.add_callback(Box::new(move |e| sink.borrow_mut().push(e.phase)));
    build_cycle_pairs(CHECK, &mut m, 2, 3, 10);
    ok!(m.collect(None));
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
    ok!(m.collect(None));
    assert_eq!(
        events.borrow().len(),
        before,
        "removed callbacks hear nothing"
    );
    let dead = ok!(m.slot_ref(1)).expect("slot 1 holds an object");
    ok!(m.clear(0));
    ok!(m.clear(1));
    ok!(m.collect(None));
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
    const CHECK: &str = "moving_allocation";
    let mut m = verified(make);
    ok!(m.alloc(1, Shape::new(1, 8)));
    ok!(m.alloc(2, Shape::new(0, 8)));
    ok!(m.store(1, 0, Some(2))); // a -> b, and slot 2 holds b too
    ok!(m.copy(4, 1)); // slot 4 also holds a
    ok!(m.alloc_moving(0, Shape::new(3, 8), &[1, 3, 2]));
    for s in 1..4 {
        assert!(ok!(m.is_null(s)), "source slot {s} is left null");
    }
    ok!(m.load(5, 0, 0));
    assert!(ok!(m.same(5, 4)), "field 0 took slot 1's reference");
    ok!(m.load(6, 0, 1));
    assert!(ok!(m.is_null(6)), "field 1 took slot 3's null");
    ok!(m.load(6, 0, 2));
    ok!(m.load(7, 4, 0));
    assert!(ok!(m.same(6, 7)), "field 2 took slot 2's reference");
    assert_eq!(live(&m), 3);
    ok!(m.verify_now());

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
        !ok!(m.is_null(4)) && ok!(m.is_null(8)),
        "nor moves anything"
    );
    ok!(m.verify_now());

    for s in [0, 4, 5, 6, 7] {
        ok!(m.clear(s));
    }
    ok!(m.collect(None));
    let expected = if m.capabilities().reclaims == Reclaims::Nothing {
        3
    } else {
        0
    };
    assert_eq!(live(&m), expected);

    // A source named twice moves once (the second field takes the now-null slot), and a
    // large object (over the small-object limit) takes its sources the same way.
    let mut m = verified(make);
    ok!(m.alloc(1, Shape::new(0, 8)));
    ok!(m.alloc(2, Shape::new(0, 8)));
    ok!(m.alloc_moving(0, Shape::new(2, 8), &[1, 1]));
    ok!(m.load(3, 0, 1));
    assert!(ok!(m.is_null(1)) && ok!(m.is_null(3)));
    ok!(m.load(3, 0, 0));
    assert!(!ok!(m.is_null(3)), "the first field took the reference");
    ok!(m.clear(3));
    let large = Shape::new(200, 64);
    ok!(m.alloc_moving(4, large, &[2, 0]));
    assert!(ok!(m.is_null(2)) && ok!(m.is_null(0)));
    ok!(m.load(5, 4, 1));
    ok!(m.load(6, 5, 0));
    assert!(
        !ok!(m.is_null(6)),
        "the large object holds the pair's first object"
    );
    ok!(m.verify_now());

    // Replacing an object whose finalizer resurrects it into a source slot: the effect is
    // that of the operations alloc_moving stands for, so the new object's field takes the
    // resurrected object (where the release runs the finalizer at once) and the source
    // slot is left null either way.
    let mut m = verified(make);
    ok!(m.alloc(0, Shape::new(0, 8))); // V, in the destination
    let v = ok!(m.slot_ref(0)).expect("slot 0 holds an object");
    ok!(m.set_finalizer(0, Finalizer::resurrect(7, 1)));
    ok!(m.alloc(1, Shape::new(0, 8))); // A, the source
    let a = ok!(m.slot_ref(1)).expect("slot 1 holds an object");
    ok!(m.alloc_moving(0, Shape::new(1, 8), &[1]));
    assert!(ok!(m.is_null(1)), "the source slot is left null");
    ok!(m.load(2, 0, 0));
    let taken = ok!(m.slot_ref(2)).expect("slot 2 holds an object");
    if m.capabilities().prompt {
        assert_eq!(
            taken, v,
            "the field took what the finalizer put in the source slot"
        );
    } else {
        assert_eq!(taken, a, "no finalizer ran before the move");
    }
    ok!(m.verify_now());

    // Garbage fills the heap to within a cell of its limit (automatic collection off where
    // there is any), so the moving allocation itself must collect, with the sources still
    // in their slots, or fail cleanly.
    let limit = 256 * 1024;
    let mut m = runtime(make, HeapConfig::verified().with_limit(limit));
    let _ = m.set_threshold(&[0]); // collectors without thresholds refuse; nothing to turn off
    ok!(m.alloc(1, Shape::new(0, 8)));
    ok!(m.alloc(2, Shape::new(0, 8)));
    while m.heap_stats().bytes_in_use + 64 <= limit as u64 {
        if m.alloc(3, Shape::new(1, 8)).is_err() {
            break;
        }
        ok!(m.store(3, 0, Some(3))); // a self-cycle, dropped at once
        ok!(m.clear(3));
    }
    let big = Shape::new(2, 200); // does not fit in what is left
    match m.alloc_moving(0, big, &[1, 2]) {
        Ok(()) => {
            assert!(ok!(m.is_null(1)) && ok!(m.is_null(2)));
            ok!(m.load(4, 0, 0));
            ok!(m.load(5, 0, 1));
            assert!(!ok!(m.is_null(4)) && !ok!(m.is_null(5)));
        }
        Err(e) => {
            assert!(matches!(e, GcError::OutOfMemory { .. }), "got {e}");
            assert!(!ok!(m.is_null(1)) && !ok!(m.is_null(2)), "nothing moved");
        }
    }
    ok!(m.verify_now());
}

/// Rounds of [`gc_disable_stops_automatic_collection`]'s allocation (100,000 objects each,
/// a few MiB) after `gc.enable()` within which an automatically collecting collector must
/// have collected.
const AUTO_COLLECT_ROUNDS: u64 = 16;

fn collections<C: Collector>(m: &Runtime<C>) -> u64 {
    m.get_stats().iter().map(|s| s.collections).sum()
}

/// `gc.disable()` (rule 6 of the contract): no collection starts on its own while automatic
/// collection is off, however much is allocated; after `gc.enable()` a collector that
/// promises automatic collection ([`crate::Capabilities::auto_collects`]) collects again,
/// and one that does not never does.
pub fn gc_disable_stops_automatic_collection<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "gc_disable_stops_automatic_collection";
    const PAIRS: u64 = 50_000;
    let mut m = verified(make);
    let caps = m.capabilities();
    m.disable();
    build_cycle_pairs(CHECK, &mut m, 0, 1, PAIRS);
    assert_eq!(
        collections(&m),
        0,
        "{}: a collection ran while gc.disable() was in force",
        caps.describe()
    );
    assert_eq!(live(&m), 2 * PAIRS, "cyclic garbage waits for a collection");
    m.enable();
    build_cycle_pairs(CHECK, &mut m, 0, 1, PAIRS);
    if caps.auto_collects {
        // A collector may let a lot be allocated before it collects (a large nursery, a
        // high threshold): keep allocating, in the same rounds, up to a bound.
        let mut rounds = 1;
        while collections(&m) == 0 && rounds < AUTO_COLLECT_ROUNDS {
            build_cycle_pairs(CHECK, &mut m, 0, 1, PAIRS);
            rounds += 1;
        }
        assert!(
            collections(&m) > 0,
            "automatic collection did not resume after gc.enable() ({} objects allocated)",
            2 * PAIRS * (1 + rounds)
        );
    } else {
        assert_eq!(
            collections(&m),
            0,
            "a collector that does not claim auto_collects collected on its own"
        );
    }
}

/// `gc.DEBUG_SAVEALL` (rule 7): a collection puts the garbage it finds into `gc.garbage`,
/// counted as collected (as CPython counts it), frees none of it, and `gc.garbage` keeps it
/// alive (a root) until it is emptied.
pub fn debug_saveall_keeps_garbage<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "debug_saveall_keeps_garbage";
    let mut m = verified(make);
    if !m.capabilities().save_all {
        return;
    }
    m.disable();
    build_cycle_pairs(CHECK, &mut m, 0, 1, 100);
    m.set_debug(crate::DEBUG_SAVEALL);
    assert_eq!(
        ok!(m.collect(None)),
        200,
        "gc.collect() returns collected + uncollectable: 200 saved objects, counted once, as \
         collected (rule 7)"
    );
    assert_eq!(m.garbage().len(), 200, "the garbage went to gc.garbage");
    assert_eq!(live(&m), 200, "and none of it was freed");
    let stats = m.get_stats();
    assert_eq!(
        stats.iter().map(|s| s.collected).sum::<u64>(),
        200,
        "gc.get_stats() collected: saved garbage counts as collected (PauseCounts::freed, rule 7)"
    );
    assert_eq!(
        stats.iter().map(|s| s.uncollectable).sum::<u64>(),
        0,
        "gc.get_stats() uncollectable: saved garbage is not uncollectable (rule 7)"
    );
    assert_eq!(ok!(m.collect(None)), 0, "gc.garbage is a root");
    ok!(m.verify_now());
    m.set_debug(0);
    m.clear_garbage();
    assert_eq!(
        ok!(m.collect(None)),
        200,
        "emptied gc.garbage: the saved garbage is collected"
    );
    assert_eq!(live(&m), 0, "objects left after the last collection");
}

/// A resurrecting finalizer overwrites a slot that held the only reference to a live
/// structure (rule 5.5): that structure is garbage now, and a complete collector frees it in
/// the same collection, finalizer and weak-reference callback included.
pub fn resurrection_overwriting_a_root<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "resurrection_overwriting_a_root";
    let mut m = verified(make);
    if !m.capabilities().reclaims_cycles() {
        return;
    }
    m.disable();
    // A, live in slot 3, with a child B, a finalizer (tag 31) and a weak reference in slot 4.
    ok!(m.alloc(3, Shape::new(1, 8)));
    ok!(m.alloc(5, Shape::new(0, 8)));
    ok!(m.store(3, 0, Some(5)));
    ok!(m.clear(5));
    ok!(m.set_finalizer(3, Finalizer::report(31)));
    ok!(m.new_weak(4, 3, Some(41)));
    // X, a self-cycle, resurrects itself into slot 3 (tag 30).
    ok!(m.alloc(0, Shape::new(1, 8)));
    ok!(m.store(0, 0, Some(0)));
    ok!(m.set_finalizer(0, Finalizer::resurrect(30, 3)));
    let x = ok!(m.object_id(0));
    ok!(m.clear(0));
    ok!(m.collect(None));
    let notices = drain(&mut m);
    let mut finalized = finalized_tags(&notices);
    finalized.sort_unstable();
    assert_eq!(
        finalized,
        vec![30, 31],
        "X resurrected, and A, displaced, finalized"
    );
    assert_eq!(
        callback_tags(&notices),
        vec![41],
        "A's weak reference called back"
    );
    assert_eq!(ok!(m.object_id(3)), x, "X is in slot 3");
    assert!(!ok!(m.upgrade(6, 4)), "the weak reference to A is cleared");
    assert_eq!(
        live(&m),
        2,
        "X and the weak reference are left: A and B were freed"
    );
    ok!(m.verify_now());
}

/// Objects keep their identity across collections (rule 12): a moving collector may change
/// every reference, but not an object's [`crate::ObjId`], its contents, what its weak
/// references and finalizers name, or `gc.garbage`. The heap is fragmented on purpose (one
/// object in sixteen kept, scattered over several arenas), so a collector that
/// [`crate::Capabilities::moves_objects`] must move some of it, and a reference taken
/// before the move is then a use-after-free; one that does not must move nothing.
pub fn identity_across_collections<C: Collector>(make: &dyn Fn() -> C) {
    const CHECK: &str = "identity_across_collections";
    const KEPT: u64 = 4000;
    let mut m = verified(make);
    let caps = m.capabilities();
    m.disable();
    // Saved garbage, a root from now on.
    if caps.save_all {
        m.set_debug(crate::DEBUG_SAVEALL);
        build_cycle_pairs(CHECK, &mut m, 1, 2, 3);
        ok!(m.collect(None));
        m.set_debug(0);
    }
    // The kept objects in a list at slot 0 (payload: their number), fifteen of every
    // sixteen allocations garbage, of mixed sizes.
    for i in 0..KEPT * 16 {
        if i % 16 == 0 {
            ok!(m.alloc(1, Shape::new(1, 8)));
            ok!(m.write_payload(1, 0, &(i / 16).to_le_bytes()));
            ok!(m.store(1, 0, Some(0)));
            ok!(m.copy(0, 1));
        } else {
            ok!(m.alloc(1, Shape::new(i as u32 % 3, (i as u32 % 7) * 40)));
        }
    }
    ok!(m.clear(1));
    // A weak reference to the head (slot 2), a live object with a finalizer (slot 3), and
    // a dying one that resurrects into slot 5.
    ok!(m.new_weak(2, 0, Some(50)));
    ok!(m.alloc(3, Shape::new(1, 8)));
    ok!(m.store(3, 0, Some(0)));
    ok!(m.set_finalizer(3, Finalizer::report(53)));
    ok!(m.alloc(4, Shape::new(0, 8)));
    ok!(m.set_finalizer(4, Finalizer::resurrect(54, 5)));
    let head = ok!(m.object_id(0));
    let finalizable = ok!(m.object_id(3));
    let resurrecting = ok!(m.object_id(4));
    let stale = ok!(m.slot_ref(0)).expect("slot 0 holds the head");
    ok!(m.clear(4));
    let moved_before = m.heap_stats().objects_moved;
    ok!(m.collect(None));
    let moved = m.heap_stats().objects_moved - moved_before;
    assert_eq!(ok!(m.object_id(0)), head, "the head kept its identity");
    assert_eq!(ok!(m.object_id(3)), finalizable);
    if caps.reclaims != Reclaims::Nothing {
        // A prompt collector ran it when slot 4 was cleared; any other in the collection.
        assert_eq!(finalized_tags(&drain(&mut m)), vec![54]);
        assert_eq!(ok!(m.object_id(5)), Some(resurrecting.expect("allocated")));
    }
    assert!(
        ok!(m.upgrade(6, 2)),
        "the weak reference still names the head"
    );
    assert_eq!(ok!(m.object_id(6)), head);
    // Every kept object, in order, with its contents.
    ok!(m.copy(7, 0));
    for n in (0..KEPT).rev() {
        let mut b = [0u8; 8];
        ok!(m.read_payload(7, 0, &mut b));
        assert_eq!(u64::from_le_bytes(b), n, "kept object {n} intact");
        ok!(m.load(7, 7, 0));
    }
    assert!(ok!(m.is_null(7)));
    ok!(m.verify_now());
    if caps.moves_objects {
        assert!(
            moved > 0,
            "a moving collector moved nothing out of a fragmented heap"
        );
        if ok!(m.slot_ref(0)) != Some(stale) {
            assert!(
                matches!(m.get_referents(stale), Err(GcError::UseAfterFree { .. })),
                "a reference to a moved object's old cell is a use-after-free"
            );
        }
    } else {
        assert_eq!(
            moved, 0,
            "a collector that does not move objects moved some"
        );
    }
    // The finalizer of a (perhaps moved) object runs once, with its tag.
    ok!(m.clear(3));
    for s in [0, 2, 5, 6] {
        ok!(m.clear(s));
    }
    m.clear_garbage();
    ok!(m.collect(None));
    if caps.reclaims != Reclaims::Nothing {
        assert_eq!(finalized_tags(&drain(&mut m)), vec![53]);
        assert_eq!(live(&m), 0);
    }
}
