//! CPython's cycle collector, asserted with exact counts.

use std::cell::RefCell;
use std::rc::Rc;

use gc_core::{
    Collector, Finalizer, GcControl, HeapConfig, Mutator, Notice, PauseKind, Phase, Runtime, Shape,
    DEBUG_SAVEALL,
};
use gc_cycle::CycleGc;

fn runtime(gc: CycleGc, config: HeapConfig) -> Runtime<CycleGc> {
    let mut rt = Runtime::new(config, gc).unwrap();
    rt.reserve_slots(16).unwrap();
    rt
}

fn live(rt: &Runtime<CycleGc>) -> u64 {
    rt.heap_stats().objects_in_use
}

fn pair<M: Mutator>(m: &mut M, a: usize, b: usize) {
    m.alloc(a, Shape::new(1, 8)).unwrap();
    m.alloc(b, Shape::new(1, 8)).unwrap();
    m.store(a, 0, Some(b)).unwrap();
    m.store(b, 0, Some(a)).unwrap();
}

/// The seed's example: two objects referencing each other, outside references dropped.
#[test]
fn seed_example_collects_two() {
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    pair(&mut m, 0, 1);
    m.clear(0).unwrap();
    m.clear(1).unwrap();
    assert_eq!(live(&m), 2, "counting alone cannot free a cycle");
    assert_eq!(m.collect(None).unwrap(), 2);
    assert_eq!(live(&m), 0);
    assert_eq!(m.get_stats()[2].collected, 2);
    assert_eq!(m.get_stats()[2].candidates, 2);
}

/// Garbage that refers out of itself: a leaf only the cycle holds dies with it (freed by
/// counting, so not counted as collected, as in CPython), objects a slot also holds (one
/// scanned before the garbage, one after) survive with their counts back to one (the verified heap checks every count after the
/// collection), and a tracked object only the cycle holds is collected with it.
#[test]
fn garbage_releases_what_it_refers_to_outside_itself() {
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    // J, held by slot 5 too, comes before the cycle in the generation (and so in the scan
    // that frees the garbage); K comes after it.
    m.alloc(5, Shape::new(1, 8)).unwrap(); // J
    m.alloc(0, Shape::new(3, 8)).unwrap(); // A
    m.alloc(1, Shape::new(3, 8)).unwrap(); // B
    m.store(1, 2, Some(5)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(1, 0, Some(0)).unwrap();
    m.alloc(3, Shape::new(0, 8)).unwrap(); // L, a leaf: never tracked
    m.store(0, 1, Some(3)).unwrap();
    m.alloc(4, Shape::new(1, 8)).unwrap(); // C, tracked, only A refers to it
    m.store(0, 2, Some(4)).unwrap();
    m.alloc(2, Shape::new(1, 8)).unwrap(); // K, also held by slot 2
    m.store(1, 1, Some(2)).unwrap();
    for s in [0, 1, 3, 4] {
        m.clear(s).unwrap();
    }
    assert_eq!(live(&m), 6);
    assert_eq!(m.collect(None).unwrap(), 3, "A, B and C");
    assert_eq!(live(&m), 2, "J and K");
    for s in [2, 5] {
        let survivor = m.heap().slot(s).unwrap().unwrap();
        assert_eq!(m.collector().refcount(m.heap(), survivor), Some(1));
    }
    m.clear(2).unwrap();
    m.clear(5).unwrap();
    assert_eq!(live(&m), 0);
}

/// A young collection whose candidates are all garbage (nothing outside refers to any of
/// them) frees the whole set and releases exactly the references leaving it: to an object
/// in an older generation, to a frozen one, and to an untracked leaf only the set held.
/// The older and frozen objects are not candidates, keep their lists and get their counts
/// back to one (the verified heap checks every count).
#[test]
fn closed_garbage_set_releases_references_to_older_frozen_and_untracked_objects() {
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    m.disable();
    m.alloc(6, Shape::new(1, 8)).unwrap(); // F, to be frozen
    m.freeze().unwrap();
    m.alloc(5, Shape::new(1, 8)).unwrap(); // O, to be promoted to generation 2
    assert_eq!(m.collect(None).unwrap(), 0);
    let old = m.heap().slot(5).unwrap().unwrap();
    let frozen = m.heap().slot(6).unwrap().unwrap();
    assert_eq!(m.get_objects(Some(2)), vec![old]);
    pair(&mut m, 0, 1); // A <-> B, young
    m.alloc(2, Shape::new(0, 8)).unwrap(); // L, untracked, held only by the set
    m.alloc(3, Shape::new(3, 8)).unwrap(); // C, young: C -> B, C -> O, C -> F
    m.store(0, 0, Some(3)).unwrap(); // A -> C replaces A -> B: the cycle is A -> C -> B -> A
    m.store(3, 0, Some(1)).unwrap();
    m.store(3, 1, Some(5)).unwrap();
    m.store(3, 2, Some(6)).unwrap();
    m.alloc(4, Shape::new(2, 8)).unwrap(); // D, young, a self-cycle holding L: D -> L, D -> D
    m.store(4, 0, Some(2)).unwrap();
    m.store(4, 1, Some(4)).unwrap();
    for s in 0..5 {
        m.clear(s).unwrap();
    }
    assert_eq!(live(&m), 7, "F, O, A, B, C, D, L");
    assert_eq!(m.get_objects(Some(0)).len(), 4);
    assert_eq!(m.collect(Some(0)).unwrap(), 4, "A, B, C and D");
    assert_eq!(m.get_stats()[0].candidates, 4);
    assert_eq!(live(&m), 2, "L died by counting; F and O live");
    assert_eq!(m.collector().refcount(m.heap(), old), Some(1));
    assert_eq!(m.collector().refcount(m.heap(), frozen), Some(1));
    assert_eq!(m.get_objects(Some(2)), vec![old]);
    assert_eq!(m.get_freeze_count(), 1);
    m.verify_now().unwrap();
}

/// A collection of generation 1 takes generations 0 and 1 and leaves generation 2 alone:
/// references from the older generation keep their targets (their gc_refs never reach
/// zero), references into it are not subtracted, and survivors of both younger
/// generations move to generation 2. An object referred to before the walk of the list
/// reaches it (Y2, allocated after Y1, which refers to it) keeps what was subtracted.
#[test]
fn middle_collection_takes_the_two_younger_generations_only() {
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    m.disable();
    m.alloc(0, Shape::new(1, 8)).unwrap(); // O, generation 2 after a full collection
    m.collect(None).unwrap();
    m.alloc(1, Shape::new(1, 8)).unwrap(); // M, generation 1 after a young collection
    m.alloc(2, Shape::new(2, 8)).unwrap(); // G1 <-> G2, garbage, generation 1
    m.alloc(3, Shape::new(1, 8)).unwrap();
    m.store(2, 0, Some(3)).unwrap();
    m.store(3, 0, Some(2)).unwrap();
    m.store(2, 1, Some(0)).unwrap(); // G1 -> O
    m.store(1, 0, Some(2)).unwrap(); // M -> G1 for now
    m.collect(Some(0)).unwrap();
    assert_eq!(m.get_objects(Some(1)).len(), 3, "M, G1, G2");
    m.store(1, 0, None).unwrap(); // M lets go of G1: with slots 2 and 3 cleared, G1 and G2 are garbage
                                  // Y1 <-> Y2, young, Y2 also held by O and holding M: reachable from O only.
    m.alloc(4, Shape::new(1, 8)).unwrap(); // Y1
    m.alloc(5, Shape::new(2, 8)).unwrap(); // Y2
    m.store(4, 0, Some(5)).unwrap();
    m.store(5, 0, Some(4)).unwrap();
    m.store(5, 1, Some(1)).unwrap(); // Y2 -> M
    m.store(0, 0, Some(5)).unwrap(); // O -> Y2
    for s in 1..6 {
        m.clear(s).unwrap();
    }
    let o = m.heap().slot(0).unwrap().unwrap();
    let y2 = m.heap().field(o, 0).unwrap().unwrap();
    assert_eq!(live(&m), 6, "O, M, G1, G2, Y1, Y2");
    assert_eq!(m.collect(Some(1)).unwrap(), 2, "G1 and G2");
    assert_eq!(m.get_stats()[1].candidates, 5, "M, G1, G2, Y1 and Y2");
    assert_eq!(live(&m), 4, "O, M, Y1, Y2");
    assert_eq!(m.collector().refcount(m.heap(), y2), Some(2));
    assert_eq!(m.collector().refcount(m.heap(), o), Some(1));
    assert_eq!(
        m.get_objects(Some(2)).len(),
        4,
        "O, then M, Y1 and Y2 promoted"
    );
    assert!(m.get_objects(Some(0)).is_empty() && m.get_objects(Some(1)).is_empty());
    m.verify_now().unwrap();
}

/// `move_unreachable` stops its scan once it has seen every root (every candidate with
/// references from outside) and reached every candidate it marked ahead of itself. First
/// the only root, A, comes first and marks B ahead, B marks C, and the scan stops before
/// the garbage pair after them: A, B and C must all survive and the pair die (a scan that
/// stopped at the root alone would lose C). Then the root comes last, after the garbage,
/// and marks an object behind the scan, which is traversed from the stack.
#[test]
fn marking_stops_after_the_last_root_and_what_it_marked_ahead() {
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    m.disable();
    m.alloc(0, Shape::new(1, 8)).unwrap(); // A, held by slot 0
    m.alloc(1, Shape::new(1, 8)).unwrap(); // B
    m.alloc(2, Shape::new(1, 8)).unwrap(); // C
    m.store(0, 0, Some(1)).unwrap();
    m.store(1, 0, Some(2)).unwrap();
    pair(&mut m, 3, 4);
    for s in 1..5 {
        m.clear(s).unwrap();
    }
    assert_eq!(live(&m), 5);
    assert_eq!(m.collect(Some(0)).unwrap(), 2, "the pair");
    assert_eq!(live(&m), 3, "A, B and C");
    assert_eq!(m.get_objects(Some(1)).len(), 3);
    m.verify_now().unwrap();

    m.alloc(1, Shape::new(1, 8)).unwrap(); // X, held only by R below
    m.alloc(2, Shape::new(1, 8)).unwrap(); // Y, held only by X
    m.store(1, 0, Some(2)).unwrap();
    pair(&mut m, 3, 4);
    m.alloc(5, Shape::new(1, 8)).unwrap(); // R, held by slot 5: R -> X
    m.store(5, 0, Some(1)).unwrap();
    for s in 1..5 {
        m.clear(s).unwrap();
    }
    assert_eq!(live(&m), 3 + 5);
    assert_eq!(m.collect(Some(0)).unwrap(), 2, "the second pair");
    assert_eq!(live(&m), 3 + 3, "X, Y and R too");
    assert_eq!(m.get_objects(Some(1)).len(), 6);
    m.verify_now().unwrap();
}

/// What CPython's rules predict for the seed workload, modelled over object numbers alone
/// (independent of the heap): per generation, the collections made, the objects left in each
/// generation at the end, and the peak number of objects alive. Object `j`'s partner is
/// `j ^ 1`; a collection triggers in the allocation of object `i`, before it exists, when
/// only object `i - 1` (if `i` is odd) is in a slot. A candidate survives if it is in that
/// slot or its partner is outside the collected set (an older generation refers to it, as
/// in CPython), or its partner survives.
struct Model {
    collections: [u64; 3],
    population: [u64; 3],
    peak: u64,
}

fn cpython_model(pairs: u64, thresholds: [u64; 3], long_lived_total: u64) -> Model {
    const DEAD: u8 = u8::MAX;
    let n = 2 * pairs as usize;
    let mut generation_of = vec![DEAD; n];
    let mut lists: [Vec<usize>; 3] = Default::default();
    let (mut count, mut collections) = ([0u64; 3], [0u64; 3]);
    let (mut pending, mut total, mut peak) = (0u64, long_lived_total, 0u64);
    for i in 0..n {
        count[0] += 1;
        if count[0] > thresholds[0] {
            let g = (0..3)
                .rev()
                .find(|&g| count[g] > thresholds[g] && !(g == 2 && pending < total / 4));
            if let Some(g) = g {
                if g < 2 {
                    count[g + 1] += 1;
                }
                count[..=g].fill(0);
                let old = (g + 1).min(2);
                let set: Vec<usize> = lists[..=g].iter_mut().flat_map(std::mem::take).collect();
                let rooted = |j: usize| {
                    let partner = j ^ 1;
                    (i % 2 == 1 && j == i - 1)
                        || (partner < i
                            && generation_of[partner] != DEAD
                            && generation_of[partner] as usize > g)
                };
                let mut survivors = 0;
                let mut kept = Vec::new();
                for &j in &set {
                    let partner = j ^ 1;
                    if rooted(j) || (partner < i && rooted(partner)) {
                        kept.push(j);
                        survivors += 1;
                    }
                }
                for &j in &set {
                    generation_of[j] = DEAD;
                }
                for &j in &kept {
                    generation_of[j] = old as u8;
                }
                lists[old].extend(kept);
                collections[g] += 1;
                if g == 1 {
                    pending += survivors;
                } else if g == 2 {
                    pending = 0;
                    total = survivors;
                }
            }
        }
        generation_of[i] = 0;
        lists[0].push(i);
        peak = peak.max(lists.iter().map(|l| l.len() as u64).sum());
    }
    Model {
        collections,
        population: [0, 1, 2].map(|g| lists[g].len() as u64),
        peak,
    }
}

/// 1,000,000 pairs with the default thresholds, reclaimed by automatic collections alone.
///
/// The derived figures: 2,596 generation-0, 236 generation-1 and 21 full collections, 2,853
/// in all (one per 701 tracked allocations: the allocation that triggers a collection was
/// counted before it and is forgotten by the reset, as in CPython 3.11's `gc_alloc`).
/// CPython 3.11 reported 2,619 / 238 / 0 for this program. Two differences explain it:
/// (1) the interpreter allocates about 2,800 tracked objects of its own over the run (2,857
/// collections, not 2,853); (2) its `long_lived_total` was large (the interpreter's own
/// long-lived objects, counted by an earlier full collection), so `pending < total / 4`
/// blocked every full collection, whereas a fresh gclab heap starts at total = 0, and
/// CPython's test lets a full collection run when pending = total = 0. The second test
/// below starts with 40,000 long-lived objects and gets CPython's shape: 2,616 / 237 / 0,
/// the same 11-to-1 ratio of young to middle collections.
#[test]
fn million_pairs_reclaimed_by_automatic_collections() {
    const PAIRS: u64 = 1_000_000;
    let mut m = runtime(CycleGc::default(), HeapConfig::default());
    let mut peak = 0;
    for _ in 0..PAIRS {
        m.alloc(0, Shape::new(1, 8)).unwrap();
        peak = peak.max(live(&m));
        m.alloc(1, Shape::new(1, 8)).unwrap();
        peak = peak.max(live(&m));
        m.store(0, 0, Some(1)).unwrap();
        m.store(1, 0, Some(0)).unwrap();
        m.clear(0).unwrap();
        m.clear(1).unwrap();
    }
    let Model {
        collections,
        population,
        peak: model_peak,
    } = cpython_model(PAIRS, [700, 10, 10], 0);
    assert_eq!(collections, [2596, 236, 21], "the model's own figures");
    let stats = m.get_stats();
    assert_eq!(
        [
            stats[0].collections,
            stats[1].collections,
            stats[2].collections
        ],
        collections
    );
    let left: u64 = population.iter().sum();
    assert_eq!(
        live(&m),
        left,
        "only what came after the last collections is left"
    );
    assert_eq!(
        stats.iter().map(|s| s.collected).sum::<u64>(),
        2 * PAIRS - left,
        "everything else was reclaimed automatically"
    );
    assert_eq!(peak, model_peak, "memory stayed bounded");
    assert_eq!(m.collect(None).unwrap(), left);
    assert_eq!(live(&m), 0);
}

/// The same with a long-lived heap in place first: no full collection, as CPython reported.
#[test]
fn million_pairs_beside_long_lived_objects_make_no_full_collection() {
    const PAIRS: u64 = 1_000_000;
    const LONG_LIVED: u64 = 40_000;
    let mut m = runtime(CycleGc::default(), HeapConfig::default());
    m.disable();
    for _ in 0..LONG_LIVED {
        m.alloc(3, Shape::new(1, 0)).unwrap();
        m.store(3, 0, Some(2)).unwrap();
        m.copy(2, 3).unwrap();
    }
    m.clear(3).unwrap();
    assert_eq!(m.collect(None).unwrap(), 0);
    assert_eq!(m.collector().long_lived_total(), LONG_LIVED);
    m.enable();
    let before: Vec<u64> = m.get_stats().iter().map(|s| s.collections).collect();
    for _ in 0..PAIRS {
        pair(&mut m, 0, 1);
        m.clear(0).unwrap();
        m.clear(1).unwrap();
    }
    let Model {
        collections,
        population,
        ..
    } = cpython_model(PAIRS, [700, 10, 10], LONG_LIVED);
    assert_eq!(collections, [2616, 237, 0]);
    let after: Vec<u64> = m.get_stats().iter().map(|s| s.collections).collect();
    let made: Vec<u64> = (0..3).map(|g| after[g] - before[g]).collect();
    assert_eq!(made, collections.to_vec());
    let generations: Vec<u64> = (0..3)
        .map(|g| m.get_objects(Some(g)).len() as u64)
        .collect();
    assert_eq!(
        generations,
        vec![population[0], population[1], LONG_LIVED + population[2]]
    );
}

/// get_count and the thresholds behave as CPython's.
#[test]
fn counts_and_thresholds() {
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    assert_eq!(m.get_threshold(), vec![700, 10, 10]);
    assert_eq!(CycleGc::python_313().get_threshold_values(), [2000, 10, 10]);
    for s in 0..5 {
        m.alloc(s, Shape::new(1, 0)).unwrap();
    }
    m.alloc(5, Shape::new(0, 8)).unwrap();
    assert_eq!(m.get_count(), vec![5, 0, 0], "leaves are not counted");
    m.clear(4).unwrap();
    assert_eq!(
        m.get_count(),
        vec![4, 0, 0],
        "freeing a tracked object uncounts it"
    );
    m.new_weak(6, 0, None).unwrap();
    assert_eq!(m.get_count(), vec![5, 0, 0], "weak references are tracked");
    m.collect(Some(0)).unwrap();
    assert_eq!(m.get_count(), vec![0, 1, 0]);
    m.collect(Some(0)).unwrap();
    assert_eq!(m.get_count(), vec![0, 2, 0]);
    m.alloc(7, Shape::new(2, 0)).unwrap();
    m.collect(Some(1)).unwrap();
    assert_eq!(
        m.get_count(),
        vec![0, 0, 1],
        "generation 1 resets 0 and 1, bumps 2"
    );
    m.collect(Some(2)).unwrap();
    assert_eq!(m.get_count(), vec![0, 0, 0]);

    m.set_threshold(&[3]).unwrap();
    assert_eq!(
        m.get_threshold(),
        vec![3, 10, 10],
        "only the given thresholds change"
    );
    assert!(m.set_threshold(&[1, 2, 3, 4]).is_err());
    assert!(m.set_threshold(&[]).is_err());
    // count 0 passes 3 on the fourth tracked allocation: one collection, before it.
    for s in 8..12 {
        m.alloc(s, Shape::new(1, 0)).unwrap();
    }
    assert_eq!(m.get_stats()[0].collections, 3);
    assert_eq!(m.get_count(), vec![0, 1, 0]);
    m.set_threshold(&[0]).unwrap();
    for _ in 0..100 {
        pair(&mut m, 12, 13);
    }
    assert_eq!(m.get_stats()[0].collections, 3, "threshold 0 = 0 disables");
    assert_eq!(m.get_count()[0], 200);
}

/// freeze() moves everything to the permanent generation, which collections never scan.
#[test]
fn freeze_and_unfreeze() {
    // Not verified: the oracle would rightly report the frozen garbage a full collection
    // leaves, which is CPython's behaviour.
    let mut m = runtime(CycleGc::default(), HeapConfig::default());
    for s in 0..10 {
        m.alloc(s, Shape::new(1, 0)).unwrap();
    }
    pair(&mut m, 10, 11);
    m.clear(10).unwrap();
    m.clear(11).unwrap();
    m.collect(Some(0)).unwrap();
    assert_eq!(m.get_objects(Some(1)).len(), 10);
    m.alloc(12, Shape::new(1, 0)).unwrap();
    pair(&mut m, 13, 14);
    m.clear(13).unwrap();
    m.clear(14).unwrap();
    m.freeze().unwrap();
    assert_eq!(m.get_freeze_count(), 13);
    assert_eq!(m.get_count(), vec![0, 1, 0]);
    assert!(m.get_objects(None).is_empty());
    let candidates = |m: &Runtime<CycleGc>| m.get_stats().iter().map(|s| s.candidates).sum::<u64>();
    let before = candidates(&m);
    assert_eq!(
        m.collect(None).unwrap(),
        0,
        "frozen garbage is not collected"
    );
    assert_eq!(
        candidates(&m),
        before,
        "a collection after freeze scans none of it"
    );
    m.clear(0).unwrap();
    assert_eq!(
        m.get_freeze_count(),
        12,
        "frozen objects still die by counting"
    );
    m.unfreeze().unwrap();
    assert_eq!(m.get_freeze_count(), 0);
    assert_eq!(m.get_objects(Some(2)).len(), 12);
    assert_eq!(m.collect(None).unwrap(), 2);
    assert_eq!(candidates(&m), before + 12);
    assert_eq!(live(&m), 10);
}

/// Weak references to cyclic garbage are cleared before finalizers run; only the weak
/// reference that is itself reachable gets its callback.
#[test]
fn weak_references_cleared_before_finalizers() {
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    m.alloc(0, Shape::new(2, 0)).unwrap();
    m.alloc(1, Shape::new(1, 0)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(1, 0, Some(0)).unwrap();
    m.set_finalizer(0, Finalizer::report(100)).unwrap();
    m.new_weak(2, 0, Some(1)).unwrap(); // reachable: stays in slot 2
    m.new_weak(3, 0, Some(2)).unwrap(); // garbage: hangs off the cycle
    m.store(0, 1, Some(3)).unwrap();
    let a = m.slot_ref(0).unwrap().unwrap();
    let reachable_weak = m.slot_ref(2).unwrap().unwrap();
    for s in [0, 1, 3] {
        m.clear(s).unwrap();
    }
    assert_eq!(
        m.collect(None).unwrap(),
        3,
        "the cycle and the garbage weak reference"
    );
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    assert_eq!(
        notices,
        vec![
            Notice::WeakCallback {
                weak: reachable_weak,
                tag: 1
            },
            Notice::Finalized { obj: a, tag: 100 },
        ]
    );
    assert!(!m.upgrade(4, 2).unwrap());
    assert_eq!(live(&m), 1);
}

/// A finalizer that resurrects keeps its object and all it reaches, promoted; it never
/// runs twice.
#[test]
fn resurrection_keeps_what_it_reaches() {
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    pair(&mut m, 0, 1);
    m.alloc(2, Shape::new(1, 8)).unwrap();
    m.store(1, 0, Some(2)).unwrap(); // b -> c instead of b -> a
    m.store(2, 0, Some(0)).unwrap(); // c -> a: a ring of three
    m.alloc(3, Shape::new(0, 8)).unwrap();
    m.set_finalizer(1, Finalizer::resurrect(7, 9)).unwrap();
    let objs: Vec<_> = (0..3).map(|s| m.slot_ref(s).unwrap().unwrap()).collect();
    for s in 0..3 {
        m.clear(s).unwrap();
    }
    assert_eq!(m.collect(Some(0)).unwrap(), 0, "all three resurrected");
    assert_eq!(live(&m), 4);
    let mut gen1 = m.get_objects(Some(1));
    gen1.sort();
    let mut expected = objs.clone();
    expected.sort();
    assert_eq!(gen1, expected, "resurrected objects are promoted");
    m.clear(9).unwrap();
    assert_eq!(m.collect(None).unwrap(), 3);
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    assert_eq!(
        notices,
        vec![Notice::Finalized {
            obj: objs[1],
            tag: 7
        }],
        "once"
    );
    assert_eq!(live(&m), 1);
}

/// DEBUG_SAVEALL puts the garbage in gc.garbage instead of freeing it.
#[test]
fn save_all_keeps_garbage() {
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    m.set_debug(DEBUG_SAVEALL);
    pair(&mut m, 0, 1);
    m.clear(0).unwrap();
    m.clear(1).unwrap();
    assert_eq!(m.collect(None).unwrap(), 2);
    assert_eq!(m.garbage().len(), 2);
    assert_eq!(live(&m), 2);
    m.verify_now().unwrap();
    m.set_debug(0);
    m.clear_garbage();
    assert_eq!(live(&m), 2, "a cycle again, once gc.garbage lets go");
    assert_eq!(m.collect(None).unwrap(), 2);
    assert_eq!(live(&m), 0);
}

/// Tracking: containers and weak references are tracked, leaves never.
#[test]
fn tracking_and_collection_events() {
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    m.alloc(0, Shape::new(0, 8)).unwrap();
    m.alloc(1, Shape::new(1, 0)).unwrap();
    m.new_weak(2, 0, None).unwrap();
    let is = |m: &Runtime<CycleGc>, s| m.is_tracked(m.slot_ref(s).unwrap().unwrap()).unwrap();
    assert!(!is(&m, 0));
    assert!(is(&m, 1));
    assert!(is(&m, 2));
    let events: Rc<RefCell<Vec<(Phase, PauseKind)>>> = Rc::default();
    let sink = events.clone();
    m.add_callback(Box::new(move |e| sink.borrow_mut().push((e.phase, e.kind))));
    for _ in 0..100 {
        pair(&mut m, 3, 4);
    }
    m.clear(3).unwrap();
    m.clear(4).unwrap();
    assert_eq!(m.collect(None).unwrap(), 200);
    assert_eq!(
        *events.borrow(),
        vec![
            (Phase::Start, PauseKind::Collection),
            (Phase::Stop, PauseKind::Collection)
        ],
        "freeing garbage inside a collection is part of its pause"
    );
}

/// A ten-million-object ring is collected in one collect(), without recursion.
#[test]
fn ten_million_ring_in_one_collect() {
    const N: u64 = 10_000_000;
    let mut m = runtime(CycleGc::default(), HeapConfig::default());
    m.disable();
    m.alloc(0, Shape::new(1, 0)).unwrap();
    m.copy(1, 0).unwrap();
    for _ in 1..N {
        m.alloc(2, Shape::new(1, 0)).unwrap();
        m.store(2, 0, Some(1)).unwrap();
        m.copy(1, 2).unwrap();
    }
    m.store(0, 0, Some(1)).unwrap();
    for s in 0..3 {
        m.clear(s).unwrap();
    }
    assert_eq!(live(&m), N);
    assert_eq!(m.collect(None).unwrap(), N);
    assert_eq!(live(&m), 0);
}

/// A large collection whose references are scattered (over 65,536 candidates and most
/// references leave their region, so after its first 4,096 objects the walk only gathers,
/// the rest are subtracted sorted by region, and marking goes level by level) finds
/// exactly the garbage the oracle finds: a random graph
/// of live nodes and garbage nodes pointing into each other.
#[test]
fn large_random_graph_matches_the_oracle() {
    use rand::{Rng, SeedableRng};
    const NODES: usize = 120_000;
    const HALF: usize = NODES / 2;
    let array = |i: usize| if i < HALF { 0 } else { 3 };
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    m.disable();
    m.alloc(0, Shape::new(HALF as u32, 0)).unwrap();
    m.alloc(3, Shape::new(HALF as u32, 0)).unwrap();
    for i in 0..NODES {
        m.alloc(1, Shape::new(2, 8)).unwrap();
        m.store(array(i), i % HALF, Some(1)).unwrap();
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for i in 0..NODES {
        m.load(1, array(i), i % HALF).unwrap();
        for f in 0..2 {
            // Nodes to be dropped point among themselves (cycles, chains into cycles);
            // the others anywhere but at them.
            let t = loop {
                let t = rng.gen_range(0..NODES);
                if (t % 3 == 0) == (i % 3 == 0) {
                    break t;
                }
            };
            m.load(2, array(t), t % HALF).unwrap();
            m.store(1, f, Some(2)).unwrap();
        }
    }
    // Drop every third node from the arrays: what only dropped nodes reach is garbage.
    for i in (0..NODES).step_by(3) {
        m.store(array(i), i % HALF, None).unwrap();
    }
    for s in 1..3 {
        m.clear(s).unwrap();
    }
    let before = live(&m);
    let leaked = m.leak_report().unwrap().objects;
    assert!(
        leaked > NODES as u64 / 4 && leaked <= NODES as u64 / 3,
        "{leaked}"
    );
    assert_eq!(m.collect(None).unwrap(), leaked);
    assert_eq!(live(&m), before - leaked);
    assert_eq!(m.get_stats()[2].candidates, before);
    m.verify_now().unwrap();
}

/// A verified heap with automatic collection off holding, from slot 0, a live random graph
/// of `nodes` nodes in arrays of 1,000 (`fixtures::indexed_random_graph`): large enough, at
/// these sizes, for its collections to take the region-ordered passes.
fn scattered_graph(nodes: usize, seed: u64) -> Runtime<CycleGc> {
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    m.disable();
    gc_core::fixtures::indexed_random_graph(&mut m, 0, nodes, 1000, seed).unwrap();
    m
}

/// A full collection of a large live graph whose references are scattered (so marking goes
/// level by level) keeps every object and promotes it; one garbage object among them is the
/// only one collected, and a second collection finds nothing and keeps the lists whole.
#[test]
fn large_scattered_live_graph_keeps_everything_but_its_one_garbage_object() {
    // Large enough that its references leave their 2 MiB region more often than not.
    const NODES: usize = 200_000;
    let mut m = scattered_graph(NODES, 11);
    let graph = live(&m);
    assert_eq!(graph, (NODES + NODES / 1000 + 1) as u64);
    assert_eq!(m.collect(None).unwrap(), 0, "everything is reachable");
    assert_eq!(m.get_objects(Some(2)).len() as u64, graph);
    // One object that refers to itself, dropped: garbage among a live scattered set.
    m.reserve_slots(5).unwrap();
    m.alloc(4, Shape::new(1, 0)).unwrap();
    m.store(4, 0, Some(4)).unwrap();
    m.clear(4).unwrap();
    assert_eq!(m.collect(None).unwrap(), 1);
    assert_eq!(live(&m), graph);
    let candidates_before = m.get_stats()[2].candidates;
    assert_eq!(m.collect(None).unwrap(), 0);
    assert_eq!(m.get_objects(Some(2)).len() as u64, graph);
    assert_eq!(m.get_stats()[2].candidates - candidates_before, graph);
    m.verify_now().unwrap();
}

/// A collection that finds everything reachable changes nothing but generations, whatever
/// the set holds: weak references (with callbacks), finalizers and DEBUG_SAVEALL are left
/// alone, nothing is reported, and an empty generation collects nothing.
#[test]
fn all_reachable_collection_with_weakrefs_finalizers_and_saveall_changes_nothing() {
    let mut m = runtime(CycleGc::default(), HeapConfig::verified());
    m.disable();
    assert_eq!(m.collect(Some(0)).unwrap(), 0, "an empty generation");
    // A live cycle with a finalizer, a weak reference to it with a callback, and a weak
    // reference stored in the cycle.
    m.alloc(0, Shape::new(2, 0)).unwrap();
    m.alloc(1, Shape::new(1, 0)).unwrap();
    m.store(0, 0, Some(1)).unwrap();
    m.store(1, 0, Some(0)).unwrap();
    m.set_finalizer(1, Finalizer::report(5)).unwrap();
    m.new_weak(2, 1, Some(9)).unwrap();
    m.new_weak(3, 0, Some(8)).unwrap();
    m.store(0, 1, Some(3)).unwrap();
    m.clear(3).unwrap();
    m.set_debug(DEBUG_SAVEALL | gc_core::DEBUG_COLLECTABLE);
    let before = live(&m);
    assert_eq!(m.collect(Some(0)).unwrap(), 0);
    assert_eq!(m.collect(None).unwrap(), 0);
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    assert_eq!(notices, vec![], "no callback, no finalizer");
    assert_eq!(live(&m), before);
    assert!(m.garbage().is_empty());
    assert!(
        m.upgrade(4, 2).unwrap(),
        "the weak reference still reaches its object"
    );
    assert_eq!(
        m.get_objects(Some(2)).len() as u64,
        before,
        "all promoted to the oldest"
    );
    assert_eq!(m.get_count(), [0, 0, 0]);
    // The same objects die normally afterwards: the state the collection left is sound.
    m.set_debug(0);
    for s in [0, 1, 4] {
        m.clear(s).unwrap();
    }
    assert_eq!(
        m.collect(None).unwrap(),
        3,
        "the cycle and the weak reference in it"
    );
    m.drain_notices(&mut notices);
    assert_eq!(
        notices.len(),
        2,
        "the callback of the live weak reference, the finalizer"
    );
    m.verify_now().unwrap();
}

/// A finalizer that resurrects one object of a large scattered garbage set (so the
/// resurrection re-check subtracts and marks region by region): exactly what the resurrected
/// object reaches survives, nothing else does, and the finalizer runs once.
#[test]
fn resurrection_in_a_large_scattered_garbage_set() {
    let mut m = scattered_graph(150_000, 5);
    // Nodes k and j refer to each other and to nothing else, so they stay cyclic garbage
    // when the arrays go (whatever else refers to them), and k resurrects itself into slot
    // 9: the two of them survive, exactly.
    m.load(5, 0, 12).unwrap();
    m.load(6, 5, 346).unwrap();
    m.load(5, 5, 345).unwrap();
    m.store(5, 0, Some(6)).unwrap();
    m.store(5, 1, None).unwrap();
    m.store(6, 0, Some(5)).unwrap();
    m.store(6, 1, None).unwrap();
    m.set_finalizer(5, Finalizer::resurrect(1, 9)).unwrap();
    for s in [6, 5, 0] {
        m.clear(s).unwrap();
    }
    let before = live(&m);
    assert!(
        before > 65_536 + 4096,
        "{before} objects left as cyclic garbage"
    );
    assert_eq!(
        m.leak_report().unwrap().objects,
        before,
        "all of it unreachable"
    );
    assert_eq!(m.collect(None).unwrap(), before - 2);
    assert_eq!(live(&m), 2);
    // What survived is exactly what slot 9 reaches, every count exact.
    assert!(m.slot_ref(9).unwrap().is_some());
    assert_eq!(m.leak_report().unwrap().objects, 0);
    m.verify_now().unwrap();
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    assert_eq!(notices.len(), 1, "the finalizer ran once: {notices:?}");
    m.clear(9).unwrap();
    assert_eq!(m.collect(None).unwrap(), 2);
    assert_eq!(live(&m), 0);
}

/// Points field 0 of nodes `k * 7 % 1000` of young array `k % 100` (the graph under slot 4)
/// at node `k * old_step % 1000` of old array `k % old_arrays` (the graph under slot 0), for
/// `k` below `count`; slots 8 and 9 are scratch.
fn point_young_at_old(m: &mut Runtime<CycleGc>, count: usize, old_arrays: usize, old_step: usize) {
    for k in 0..count {
        m.load(8, 4, k % 100).unwrap();
        m.load(8, 8, (k * 7) % 1000).unwrap();
        m.load(9, 0, k % old_arrays).unwrap();
        m.load(9, 9, (k * old_step) % 1000).unwrap();
        m.store(8, 0, Some(9)).unwrap();
    }
}

/// A young collection of a large scattered set (whose gc_refs go in the dense table beside
/// the heap): references from it into the old generation and to an untracked object change
/// nothing there, a young pair held only by an old object survives, and exactly the young
/// garbage dies (cyclic pairs, and a large object in a cycle with a live node).
#[test]
fn young_scattered_set_beside_an_old_generation() {
    let mut m = scattered_graph(20_000, 3);
    assert_eq!(m.collect(None).unwrap(), 0);
    let old = live(&m);
    m.reserve_slots(16).unwrap();
    // 100,000 scattered young nodes under slot 4 (slots 5 to 7 are its scratch).
    gc_core::fixtures::indexed_random_graph(&mut m, 4, 100_000, 1000, 4).unwrap();
    point_young_at_old(&mut m, 500, 20, 13);
    // Field 1 of the same young nodes to an untracked object.
    m.alloc(14, Shape::new(0, 8)).unwrap();
    for k in 0..500 {
        m.load(8, 4, k % 100).unwrap();
        m.load(8, 8, (k * 7) % 1000).unwrap();
        m.store(8, 1, Some(14)).unwrap();
    }
    // A young pair held only by an old node.
    m.alloc(11, Shape::new(1, 8)).unwrap();
    m.alloc(12, Shape::new(1, 8)).unwrap();
    m.store(11, 0, Some(12)).unwrap();
    m.store(12, 0, Some(11)).unwrap();
    m.load(9, 0, 3).unwrap();
    m.load(9, 9, 5).unwrap();
    m.store(9, 1, Some(11)).unwrap();
    // Young garbage: 300 pairs, and a large object referring to itself and to a live node.
    gc_core::fixtures::cycle_pairs(&mut m, 11, 12, 300).unwrap();
    m.alloc(13, Shape::new(200, 0)).unwrap();
    m.store(13, 0, Some(13)).unwrap();
    m.load(8, 4, 7).unwrap();
    m.load(8, 8, 9).unwrap();
    m.store(13, 1, Some(8)).unwrap();
    for s in [8, 9, 11, 12, 13] {
        m.clear(s).unwrap();
    }
    let garbage = m.leak_report().unwrap().objects;
    assert_eq!(garbage, 601, "the oracle agrees with the construction");
    let young = live(&m) - old;
    assert_eq!(
        m.get_objects(Some(0)).len() as u64 + 1,
        young,
        "all but the untracked"
    );
    assert_eq!(m.collect(Some(0)).unwrap(), garbage);
    assert_eq!(m.get_stats()[0].candidates, young - 1);
    assert_eq!(live(&m), old + young - garbage);
    assert_eq!(
        m.get_objects(Some(2)).len() as u64,
        old,
        "the old generation untouched"
    );
    assert_eq!(m.get_objects(Some(1)).len() as u64, young - 1 - garbage);
    assert_eq!(m.leak_report().unwrap().objects, 0);
    m.verify_now().unwrap();
    // The survivors' state is sound: a full collection finds nothing more.
    assert_eq!(m.collect(None).unwrap(), 0);
    assert_eq!(live(&m), old + young - garbage);
}

/// Builds a chain of `n` young objects onto the one in slot 10, each also referring to a
/// node of the graph under slot 0 (slots 9 and 11 are scratch).
fn chain_into_graph(m: &mut Runtime<CycleGc>, n: usize) {
    for k in 0..n {
        m.alloc(11, Shape::new(2, 0)).unwrap();
        m.store(11, 0, Some(10)).unwrap();
        m.load(9, 0, k % 100).unwrap();
        m.load(9, 9, (k * 31) % 1000).unwrap();
        m.store(11, 1, Some(9)).unwrap();
        m.copy(10, 11).unwrap();
    }
    m.clear(9).unwrap();
    m.clear(11).unwrap();
}

/// Collections of a large scattered live heap keep its list in place: a young collection
/// moves the whole list up a generation, a middle one takes the young objects merged into
/// it along, and a full one restates only the objects merged in from younger generations.
/// Every generation's length and state stays right, as later collections show.
#[test]
fn scattered_live_sets_stay_in_place_across_generations() {
    let mut m = scattered_graph(100_000, 8);
    let graph = live(&m);
    m.reserve_slots(12).unwrap();
    assert_eq!(m.collect(Some(0)).unwrap(), 0);
    assert_eq!(m.get_objects(Some(1)).len() as u64, graph);
    assert!(m.get_objects(Some(0)).is_empty());
    m.alloc(10, Shape::new(2, 0)).unwrap();
    chain_into_graph(&mut m, 50);
    assert_eq!(m.collect(Some(1)).unwrap(), 0);
    assert_eq!(
        m.get_stats()[1].candidates,
        graph + 51,
        "the first middle collection"
    );
    assert_eq!(m.get_objects(Some(2)).len() as u64, graph + 51);
    assert!(m.get_objects(Some(1)).is_empty());
    chain_into_graph(&mut m, 30);
    assert_eq!(m.collect(None).unwrap(), 0);
    assert_eq!(
        m.get_stats()[2].candidates,
        graph + 81,
        "the first full collection"
    );
    assert_eq!(m.get_objects(Some(2)).len() as u64, graph + 81);
    // Young objects referring to the objects the full collection restated: a young
    // collection sees only them, and the old ones die normally when dropped.
    chain_into_graph(&mut m, 20);
    let young_before = m.get_stats()[0].candidates;
    assert_eq!(m.collect(Some(0)).unwrap(), 0);
    assert_eq!(m.get_stats()[0].candidates - young_before, 20);
    m.verify_now().unwrap();
    m.clear(10).unwrap();
    assert_eq!(live(&m), graph, "the chain died by counting");
    m.clear(0).unwrap();
    let cyclic = live(&m);
    assert_eq!(m.leak_report().unwrap().objects, cyclic);
    assert_eq!(m.collect(None).unwrap(), cyclic);
    assert_eq!(live(&m), 0);
    m.verify_now().unwrap();
}

/// A large scattered set with live objects, garbage, finalizers and weak references (so the
/// dense table's marks feed the general path, with survivors, and a resurrection re-check):
/// a weak reference to garbage is cleared and calls back only because it is alive itself, a
/// weak reference held by garbage dies silently, each finalizer runs once, the resurrected
/// node keeps what it reaches, and everything else unreachable dies, every count exact.
#[test]
fn scattered_set_with_finalizers_weak_references_and_survivors() {
    let mut m = scattered_graph(100_000, 21);
    m.reserve_slots(20).unwrap();
    // A second graph, under slot 10, that becomes cyclic garbage.
    gc_core::fixtures::indexed_random_graph(&mut m, 10, 50_000, 1000, 22).unwrap();
    m.load(11, 10, 3).unwrap();
    m.load(12, 11, 7).unwrap();
    m.set_finalizer(12, Finalizer::report(1)).unwrap();
    // The resurrecting node refers to nothing, so it is all that comes back.
    m.load(12, 11, 8).unwrap();
    m.store(12, 0, None).unwrap();
    m.store(12, 1, None).unwrap();
    m.set_finalizer(12, Finalizer::resurrect(2, 15)).unwrap();
    // A live weak reference (slot 16) to a garbage node, with a callback.
    m.load(12, 11, 9).unwrap();
    m.new_weak(16, 12, Some(7)).unwrap();
    // A garbage node holding a weak reference, with a callback, to a live node.
    m.load(14, 0, 5).unwrap();
    m.load(14, 14, 5).unwrap();
    m.new_weak(13, 14, Some(8)).unwrap();
    m.load(12, 11, 10).unwrap();
    m.store(12, 0, Some(13)).unwrap();
    for s in [10, 11, 12, 13, 14] {
        m.clear(s).unwrap();
    }
    let before = live(&m);
    let unreachable = m.leak_report().unwrap().objects;
    // Counting freed the arrays and what only they held; the cycles are left.
    assert!(unreachable > 30_000, "{unreachable}");
    let collected = m.collect(Some(0)).unwrap();
    assert_eq!(collected, unreachable - 1, "all but the resurrected node");
    assert_eq!(live(&m), before - collected);
    assert!(m.slot_ref(15).unwrap().is_some(), "resurrected");
    assert_eq!(m.leak_report().unwrap().objects, 0, "all the rest died");
    let mut notices = Vec::new();
    m.drain_notices(&mut notices);
    assert_eq!(
        notices.len(),
        3,
        "two finalizers and one callback: {notices:?}"
    );
    assert!(
        !m.upgrade(17, 16).unwrap(),
        "the live weak reference was cleared"
    );
    m.verify_now().unwrap();
    // The resurrected node dies by counting when dropped, its finalizer not run again.
    m.clear(15).unwrap();
    assert_eq!(live(&m), before - collected - 1);
    assert_eq!(m.collect(None).unwrap(), 0);
    m.drain_notices(&mut notices);
    assert_eq!(notices.len(), 3, "nothing new: {notices:?}");
    m.verify_now().unwrap();
}

/// A young scattered set referring to frozen objects: freezing leaves them out of every
/// collection, and a middle-generation collection of the set once it is all garbage frees
/// exactly it, nothing frozen.
#[test]
fn scattered_garbage_beside_frozen_objects() {
    let mut m = scattered_graph(30_000, 31);
    m.freeze().unwrap();
    let frozen = m.get_freeze_count();
    assert_eq!(frozen, live(&m));
    m.reserve_slots(12).unwrap();
    gc_core::fixtures::indexed_random_graph(&mut m, 4, 100_000, 1000, 32).unwrap();
    point_young_at_old(&mut m, 300, 30, 7);
    for s in [8, 9] {
        m.clear(s).unwrap();
    }
    let young = live(&m) - frozen;
    assert_eq!(m.collect(Some(0)).unwrap(), 0);
    assert_eq!(m.get_objects(Some(1)).len() as u64, young);
    // Counting frees the arrays and what only they held; the cycles are left.
    m.clear(4).unwrap();
    let garbage = m.leak_report().unwrap().objects;
    assert_eq!(garbage, live(&m) - frozen, "what is left of the young set");
    assert!(garbage > 70_000, "{garbage}");
    let middle_before = m.get_stats()[1].candidates;
    assert_eq!(m.collect(Some(1)).unwrap(), garbage);
    assert_eq!(m.get_stats()[1].candidates - middle_before, garbage);
    assert_eq!(m.get_freeze_count(), frozen);
    assert_eq!(live(&m), frozen);
    m.verify_now().unwrap();
}

/// `Runtime::add_baseline` gives the long-lived heap an interpreter starts with, the way
/// gclab's CPython peer leaves it (collected once, then frozen): the long-lived total is the
/// baseline, nothing of it is in the slots, the oracle sees it reachable, and the million
/// pairs then make exactly the collections of the CPython model with that total (8,590:
/// what the CPython 3.11 driver froze here), with no full collection.
#[test]
fn a_baseline_is_frozen_long_lived_and_outside_the_slots() {
    const PAIRS: u64 = 1_000_000;
    const BASELINE: u64 = 8_590;
    let mut m = runtime(CycleGc::default(), HeapConfig::default());
    m.add_baseline(BASELINE).unwrap();
    assert_eq!(m.collector().long_lived_total(), BASELINE);
    assert_eq!(m.get_freeze_count(), BASELINE);
    assert_eq!(live(&m), BASELINE);
    assert!(m.heap().slots().iter().all(|&s| s == gc_core::NULL));
    assert_eq!(m.heap().pinned().len(), 1);
    assert_eq!(m.leak_report().unwrap().objects, 0);
    assert_eq!(m.get_count(), vec![0, 0, 0]);
    let before: Vec<u64> = m.get_stats().iter().map(|s| s.collections).collect();
    for _ in 0..PAIRS {
        pair(&mut m, 0, 1);
        m.clear(0).unwrap();
        m.clear(1).unwrap();
    }
    let model = cpython_model(PAIRS, [700, 10, 10], BASELINE);
    assert_eq!(model.collections[2], 0);
    let after: Vec<u64> = m.get_stats().iter().map(|s| s.collections).collect();
    let made: Vec<u64> = (0..3).map(|g| after[g] - before[g]).collect();
    assert_eq!(made, model.collections.to_vec());
    let left: u64 = model.population.iter().sum();
    assert_eq!(m.collect(None).unwrap(), left);
    assert_eq!(live(&m), BASELINE, "the baseline outlives every collection");
    assert_eq!(m.leak_report().unwrap().objects, 0);
}
