//! The fast paths of `cycle` checked against CPython's plain path (`cycle-plain`): the same
//! seeded random operations (the conformance kit's stream with the `gc` module's calls
//! mixed in) run through both, and after every operation both must agree exactly: what the
//! operation returned, the finalizers and weak-reference callbacks reported (in order),
//! `gc.garbage`, counts, thresholds and per-generation statistics, every allocator counter,
//! and after every collection the objects alive and each generation's list, in order. The
//! heaps allocate and free identically while the two agree, so an object is the same
//! reference on both sides. A bulk phase in each seed builds the large sets that take the
//! table and region-ordered passes, and each test requires every fast path to have been
//! taken, so it cannot pass without checking them.

use std::fmt::Debug;

use gc_core::conformance::{apply, OpMix, RandomOps, SLOTS};
use gc_core::{
    fixtures, AllocStats, GcControl, HeapConfig, Mutator, Notice, ObjRef, Runtime, Shape, Slot,
};
use gc_cycle::{CycleGc, Gather, Marking, Path};

/// Random operations per seed; four seeds make a million.
const OPS_PER_SEED: usize = 250_000;

/// The first slot of the bulk phase, past those the random operations name.
const BULK: Slot = SLOTS;

/// Nodes of the bulk phase's random graphs: enough for a set of at least 69,632 objects
/// whose references leave their 2 MiB region more often than not.
const GRAPH_NODES: usize = 120_000;

/// Objects of the bulk phase's chain: more than the 4,096 the scattered-set test samples.
const CHAIN: usize = 5_000;

/// What a runtime reports, beyond an operation's result.
#[derive(Debug, PartialEq)]
struct Report {
    garbage: Vec<ObjRef>,
    count: Vec<u64>,
    threshold: Vec<u64>,
    enabled: bool,
    frozen: u64,
    allocator: AllocStats,
    /// `gc.get_stats()` per generation: collections, collected, uncollectable, candidates,
    /// scanned (not the pause times).
    stats: Vec<[u64; 5]>,
}

impl Report {
    fn of(m: &Runtime<CycleGc>) -> Report {
        Report {
            garbage: m.garbage(),
            count: m.get_count(),
            threshold: m.get_threshold(),
            enabled: m.is_enabled(),
            frozen: m.get_freeze_count(),
            allocator: m.heap_stats(),
            stats: m
                .get_stats()
                .iter()
                .map(|s| {
                    [
                        s.collections,
                        s.collected,
                        s.uncollectable,
                        s.candidates,
                        s.scanned,
                    ]
                })
                .collect(),
        }
    }
}

/// Two runtimes driven in lockstep: `cycle` and `cycle-plain`.
struct Pair {
    fast: Runtime<CycleGc>,
    plain: Runtime<CycleGc>,
    seed: u64,
    /// What the current step is, for failure messages.
    at: String,
    /// Collections both had made at the last check.
    collections: u64,
}

impl Pair {
    fn new(seed: u64) -> Pair {
        let runtime = |gc| {
            let mut m = Runtime::new(HeapConfig::default(), gc).expect("runtime");
            m.reserve_slots(BULK + 6).expect("slots");
            m
        };
        Pair {
            fast: runtime(CycleGc::default()),
            plain: runtime(CycleGc::plain()),
            seed,
            at: String::new(),
            collections: 0,
        }
    }

    /// Runs `f` on both runtimes and requires the same result (compared as text, so errors
    /// compare too), then [`Pair::check`]s them.
    fn both<T: Debug>(&mut self, f: impl Fn(&mut Runtime<CycleGc>) -> T) {
        let fast = format!("{:?}", f(&mut self.fast));
        let plain = format!("{:?}", f(&mut self.plain));
        self.agree("result", &fast, &plain);
        self.check();
    }

    fn agree<T: Debug + PartialEq>(&self, what: &str, fast: &T, plain: &T) {
        assert!(
            fast == plain,
            "seed {}, {}: {what} differs between cycle and cycle-plain\n  cycle:       {fast:?}\n  cycle-plain: {plain:?}",
            self.seed,
            self.at
        );
    }

    /// Everything both runtimes report must agree; after a collection, also the objects
    /// alive and the generation lists.
    fn check(&mut self) {
        let (mut fast, mut plain) = (Vec::new(), Vec::new());
        self.fast.drain_notices(&mut fast);
        self.plain.drain_notices(&mut plain);
        self.agree::<Vec<Notice>>("finalizers and callbacks", &fast, &plain);
        let (fast, plain) = (Report::of(&self.fast), Report::of(&self.plain));
        self.agree(
            "the gc module's answers and the allocator's counters",
            &fast,
            &plain,
        );
        let collections = fast.stats.iter().map(|s| s[0]).sum();
        if collections != self.collections {
            self.collections = collections;
            let live = |m: &Runtime<CycleGc>| {
                let mut v = Vec::new();
                m.heap().for_each_object(|r| v.push(r));
                v
            };
            self.agree::<Vec<ObjRef>>("objects alive", &live(&self.fast), &live(&self.plain));
            for g in 0..3 {
                self.agree(
                    &format!("generation {g}'s list"),
                    &self.fast.get_objects(Some(g)),
                    &self.plain.get_objects(Some(g)),
                );
            }
        }
    }

    fn collect(&mut self, generation: Option<u8>) {
        self.both(|m| m.collect(generation));
    }

    /// Large sets, for the table and the region-ordered passes, built with automatic
    /// collection off and collected explicitly; everything built is gone at the end.
    fn bulk_phase(&mut self) {
        let enabled = self.fast.is_enabled();
        self.both(|m| m.disable());
        let (root, pairs_a, pairs_b, chain, link) = (BULK, BULK + 1, BULK + 2, BULK + 4, BULK + 5);

        self.at = format!("bulk phase: garbage pairs, op {OPS_PER_SEED}");
        self.collect(None);
        self.both(|m| fixtures::cycle_pairs(m, pairs_a, pairs_b, 2_000));
        self.collect(Some(0));

        self.at = "bulk phase: a live scattered graph, then dropped".into();
        self.both(|m| fixtures::indexed_random_graph(m, root, GRAPH_NODES, 1000, 7));
        self.collect(Some(0));
        self.collect(None);
        self.both(|m| m.clear(root));
        self.collect(Some(2));

        self.at = "bulk phase: a dropped scattered graph alone in generation 0".into();
        self.both(|m| fixtures::indexed_random_graph(m, root, GRAPH_NODES, 1000, 8));
        self.both(|m| m.clear(root));
        self.collect(Some(0));

        self.at = "bulk phase: a local chain, then a scattered graph".into();
        self.collect(None);
        self.both(|m| {
            m.alloc(chain, Shape::new(1, 0))?;
            for _ in 0..CHAIN {
                m.alloc(link, Shape::new(1, 0))?;
                m.store(link, 0, Some(chain))?;
                m.copy(chain, link)?;
            }
            m.clear(link)
        });
        self.both(|m| fixtures::indexed_random_graph(m, root, GRAPH_NODES, 1000, 9));
        self.collect(Some(0));
        self.both(|m| m.clear(root));
        self.both(|m| m.clear(chain));
        self.collect(None);

        if enabled {
            self.both(|m| m.enable());
        }
    }
}

/// One seed's run: the random operations, with the bulk phase half way, then every path
/// required.
fn differential(seed: u64) {
    let mut pair = Pair::new(seed);
    let ops = RandomOps::new(seed, 3, OpMix::GcModule);
    for (i, op) in ops.take(OPS_PER_SEED).enumerate() {
        if i == OPS_PER_SEED / 2 {
            pair.bulk_phase();
        }
        pair.at = format!("op {i}: {op:?}");
        pair.both(|m| apply(m, op));
    }
    pair.at = "end of run".into();
    pair.both(|m| m.unfreeze());
    pair.both(|m| m.set_debug(0));
    // Twice: a finalizer run by the first collection may resurrect its object into a slot.
    for _ in 0..2 {
        pair.both(|m| (0..BULK + 6).try_for_each(|s| m.clear(s)));
        pair.both(|m| m.clear_garbage());
        pair.collect(None);
    }
    assert_eq!(pair.fast.heap_stats().objects_in_use, 0, "everything freed");

    let fast = pair.fast.collector().paths();
    let plain = pair.plain.collector().paths();
    assert_eq!(plain.plain(), pair.collections, "cycle-plain always plain");
    let gathered = fast.gathered(Gather::Walk) + fast.gathered(Gather::Table);
    assert_eq!(gathered, pair.collections, "every collection counted once");
    let gathers =
        [Gather::Walk, Gather::Table].map(|g| (format!("gathered by {g:?}"), fast.gathered(g)));
    let markings = [
        Marking::Skipped,
        Marking::InOrder,
        Marking::ByRegion,
        Marking::InTable,
    ]
    .map(|m| (format!("marked {m:?}"), fast.marked(m)));
    let paths = [
        Path::KeepInPlace,
        Path::KeepAll,
        Path::FreeClosedSet,
        Path::SplitAndFree,
        Path::SplitThenDelete,
    ]
    .map(|p| (format!("ended by {p:?}"), fast.ended(p)));
    for (path, taken) in gathers.into_iter().chain(markings).chain(paths) {
        assert!(taken > 0, "seed {seed}: cycle never {path}");
    }
}

#[test]
fn fast_paths_match_the_plain_path_seed_1() {
    differential(1);
}

#[test]
fn fast_paths_match_the_plain_path_seed_2() {
    differential(2);
}

#[test]
fn fast_paths_match_the_plain_path_seed_3() {
    differential(3);
}

#[test]
fn fast_paths_match_the_plain_path_seed_4() {
    differential(4);
}
