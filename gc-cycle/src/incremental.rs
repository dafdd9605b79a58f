//! `cycle-314`: CPython 3.14.0-3.14.4's incremental cycle collector (`Python/gc.c` of the 3.14
//! branch, read at python/cpython ca21a0a), on [`CycleGc`]'s counting, lists and
//! trial-deletion passes.
//!
//! Two generations: the young list and the old generation, which is two lists, CPython's
//! `old[0]` and `old[1]` (here the lists of generations 1 and 2). `visited_space` says which
//! of them is the visited space; the other is pending, and flipping the number swaps their
//! roles without touching an object (an object's state names its list, not its role).
//!
//! An automatic collection is an increment (`gc_collect_increment`): `work_to_do` grows by
//! [`assess_work_to_do`]; at the start of a scavenge the increment only marks everything
//! reachable from the roots as visited (`mark_at_start`); afterwards each increment marks
//! from the roots again (`mark_stacks`), then takes the young objects plus pending objects,
//! each with every pending object it reaches (`expand_region_transitively_reachable`, so a
//! cycle is in one increment whole or not at all), until the increment holds `work_to_do`
//! objects, and runs the ordinary trial deletion over it ([`CycleGc::collect_region`]);
//! survivors join the visited space. When pending is empty the scavenge is complete: the
//! spaces flip and the next increment marks again.
//!
//! Statistics and pauses are labelled as 3.14's `gc.get_stats()` counts them: generation 0
//! for `gc.collect(0)`, 1 for increments (automatic collections and `gc.collect(1)`), 2 for
//! full collections; only a full collection promises that every unreachable object is gone.
//!
//! Not modelled: `untrack_tuples` (gclab has no tuples of atoms to untrack; `cycle` does not
//! model it either), immortal objects (none are made here, so the permanent-generation
//! moves for them never happen), and the `frame->visited` shortcut of `mark_stacks`, which
//! needs frames (every root slot is marked at every increment instead; already visited
//! objects cost one test each). CPython counts a marking increment in no statistics; here
//! it is a pause (it takes time) labelled generation 1. `gc.unfreeze()` puts the frozen
//! objects in generation 2's list, which may be the pending space rather than the visited
//! one: they are scanned one scavenge earlier, and nothing else differs.
//!
//! gclab has no interpreter stacks or global dictionaries: its roots are the root slots
//! (and `gc.garbage`), which play both parts, so each increment marks from all of them.
//! An object reachable from the roots at a mark waits in the visited space, even if it
//! becomes garbage just after, until the next scavenge: that wait is what the 3.14 reports
//! were about.

use gc_core::{AllocRequest, CollectOutcome, GcResult, Heap, ObjRef};

use crate::collector::{tracked_request, Region};
use crate::header::{self, FIELDS};
use crate::lists::Generation;
use crate::variant::Variant;
use crate::CycleGc;

/// CPython's `SCAN_RATE_DIVISOR`: with the default old threshold of 10, the heap fraction
/// an increment adds is 1% of the tracked objects.
const SCAN_RATE_DIVISOR: u64 = 10;

/// 3.14's thresholds: young 2000, old 10 (the scale factor of the heap fraction), 0.
pub const THRESHOLDS_314: [u64; 3] = [2000, 10, 0];

/// Whether the next increment marks from the roots or collects (CPython's `phase`).
/// CPython counts a marking increment in no statistics; here it is a pause like any other
/// (it takes time), labelled generation 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Mark,
    Collect,
}

/// What the incremental collector did, for reading its mechanism off a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IncrementalStats {
    /// Increments that marked from the roots at the start of a scavenge.
    pub marks: u64,
    /// Increments that collected a region.
    pub increments: u64,
    /// Objects in all collected increments (young plus pending plus what they reached).
    pub increment_objects: u64,
    /// Objects in the largest increment.
    pub max_increment: u64,
    /// Objects marked from the roots (at the start of a scavenge and by every increment).
    pub marked: u64,
    /// Scavenges completed by increments (pending emptied, spaces flipped; a full
    /// collection completes one too, not counted here).
    pub scavenges: u64,
    /// Increments in the longest completed scavenge.
    pub max_scavenge_increments: u64,
    /// Tracked allocations during the longest completed scavenge: how long garbage that
    /// was marked visited at its start can wait.
    pub max_scavenge_allocations: u64,
    /// Tracked allocations during all completed scavenges.
    pub scavenge_allocations: u64,
}

impl IncrementalStats {
    /// The counters as (name, value) pairs, for the harness.
    pub fn pairs(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("marks", self.marks),
            ("increments", self.increments),
            ("increment_objects", self.increment_objects),
            ("max_increment", self.max_increment),
            ("marked_from_roots", self.marked),
            ("scavenges", self.scavenges),
            ("max_scavenge_increments", self.max_scavenge_increments),
            ("scavenge_allocations", self.scavenge_allocations),
            ("max_scavenge_allocations", self.max_scavenge_allocations),
        ]
    }
}

/// `cycle-314`: reference counting plus CPython 3.14.0-3.14.4's incremental cycle collector.
#[derive(Debug)]
pub struct IncrementalCycleGc {
    gc: CycleGc,
    /// Which old list is the visited space (CPython's `visited_space`, 0 or 1).
    visited_space: usize,
    phase: Phase,
    work_to_do: i64,
    /// `gcstate->old[i].count`, raised by young collections and cleared by full ones.
    old_counts: [u64; 2],
    stack: Vec<ObjRef>,
    stats: IncrementalStats,
    /// Increments and tracked allocations since the current scavenge began.
    scavenge_increments: u64,
    scavenge_allocations: u64,
}

impl Default for IncrementalCycleGc {
    fn default() -> Self {
        IncrementalCycleGc::with_thresholds(THRESHOLDS_314)
    }
}

impl IncrementalCycleGc {
    /// A collector with the given thresholds: young, old (the heap fraction's scale
    /// factor), and a third that 3.14 ignores.
    pub fn with_thresholds(thresholds: [u64; 3]) -> Self {
        IncrementalCycleGc {
            gc: CycleGc::with_thresholds(thresholds),
            visited_space: 0,
            phase: Phase::Mark,
            work_to_do: 0,
            old_counts: [0; 2],
            stack: Vec::new(),
            stats: IncrementalStats::default(),
            scavenge_increments: 0,
            scavenge_allocations: 0,
        }
    }

    /// What the collector did so far.
    pub fn stats(&self) -> &IncrementalStats {
        &self.stats
    }

    /// The list of old space `space` (0 or 1).
    fn space(space: usize) -> Generation {
        Generation::of(1 + space)
    }

    fn visited(&self) -> Generation {
        Self::space(self.visited_space)
    }

    fn pending(&self) -> Generation {
        Self::space(self.visited_space ^ 1)
    }

    /// Tracked objects (CPython's `heap_size`: every tracked object, the permanent
    /// generation's too).
    fn heap_size(&self) -> u64 {
        let lists = self.gc.lists();
        [
            Generation::Young,
            Generation::Middle,
            Generation::Old,
            Generation::Permanent,
        ]
        .iter()
        .map(|&g| lists.len(g))
        .sum()
    }

    /// The old threshold as the heap fraction's scale factor (at least 2).
    fn scale_factor(&self) -> u64 {
        self.gc.get_threshold_values()[1].max(2)
    }

    /// The fraction of the heap an increment scans beyond the new objects: 1% with the
    /// default old threshold.
    fn heap_fraction(&self) -> u64 {
        self.heap_size() / SCAN_RATE_DIVISOR / self.scale_factor()
    }

    /// CPython's `assess_work_to_do`: the new objects since the last increment plus a
    /// fraction of the heap, that fraction at most 1.5 times the new objects; count 0
    /// restarts.
    fn assess_work_to_do(&mut self) -> i64 {
        let new_objects = std::mem::take(&mut self.gc.lists_mut().count[0]);
        let heap_fraction = self.heap_fraction().min(new_objects * 3 / 2);
        (new_objects + heap_fraction) as i64
    }

    /// Moves every young or pending object reachable from the roots, and everything such
    /// objects reach, into the visited space (CPython's `mark_global_roots` and
    /// `mark_stacks`; gclab's root slots are both). Returns the objects moved.
    fn mark_from_roots(&mut self, heap: &mut Heap) -> u64 {
        let visited = self.visited();
        let pending_state = header::linked(self.pending().index());
        let young_state = header::linked(Generation::Young.index());
        let unvisited = |w0: u32| {
            let s = header::state(w0);
            s == young_state || s == pending_state
        };
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        stack.extend(heap.roots().filter(|&r| unvisited(heap.words(r)[0])));
        let lists = self.gc.lists_mut();
        let mut marked = 0;
        // Moved when pushed, so an object reached twice is pushed once.
        for &r in &stack {
            lists.move_to(heap, r, visited);
        }
        marked += stack.len() as u64;
        while let Some(obj) = stack.pop() {
            let w = heap.words(obj);
            let n = header::field_count(w[0]);
            for i in 0..n {
                let Some(child) = ObjRef::from_raw(heap.words(obj)[FIELDS + i]) else {
                    continue;
                };
                if unvisited(heap.words(child)[0]) {
                    lists.move_to(heap, child, visited);
                    stack.push(child);
                    marked += 1;
                }
            }
        }
        self.stack = stack;
        marked
    }

    /// Moves `first` (pending) into the increment (the young list) with every pending
    /// object it reaches transitively (CPython's `expand_region_transitively_reachable`).
    /// Returns the objects moved.
    fn take_with_closure(&mut self, heap: &mut Heap, first: ObjRef) -> u64 {
        let pending_state = header::linked(self.pending().index());
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        let lists = self.gc.lists_mut();
        lists.move_to(heap, first, Generation::Young);
        stack.push(first);
        let mut moved = 1;
        while let Some(obj) = stack.pop() {
            let n = header::field_count(heap.words(obj)[0]);
            for i in 0..n {
                let Some(child) = ObjRef::from_raw(heap.words(obj)[FIELDS + i]) else {
                    continue;
                };
                if header::state(heap.words(child)[0]) == pending_state {
                    lists.move_to(heap, child, Generation::Young);
                    stack.push(child);
                    moved += 1;
                }
            }
        }
        self.stack = stack;
        moved
    }

    /// CPython's `gc_collect_increment`, as one pause labelled generation 1.
    fn collect_increment(&mut self, heap: &mut Heap) -> CollectOutcome {
        self.paused(heap, 1, |this, heap| {
            this.scavenge_increments += 1;
            this.work_to_do += this.assess_work_to_do();
            if this.phase == Phase::Mark {
                // `mark_at_start` takes the marked objects off `work_to_do`, and so does its
                // caller: 3.14 counts them twice.
                let marked = this.mark_from_roots(heap);
                this.work_to_do -= 2 * marked as i64;
                this.phase = Phase::Collect;
                this.stats.marks += 1;
                this.stats.marked += marked;
                return Region {
                    candidates: marked,
                    ..Region::default()
                };
            }
            let marked = this.mark_from_roots(heap);
            this.stats.marked += marked;
            this.work_to_do -= marked as i64;
            let mut size = this.gc.lists().len(Generation::Young);
            let pending = this.pending();
            while (size as i64) < this.work_to_do {
                let Some(first) = this.gc.lists().first(pending) else {
                    break;
                };
                size += this.take_with_closure(heap, first);
            }
            let region = this.gc.collect_region(heap, 0, this.visited(), 0);
            this.work_to_do += this.heap_fraction() as i64;
            this.work_to_do -= size as i64;
            this.stats.increments += 1;
            this.stats.increment_objects += size;
            this.stats.max_increment = this.stats.max_increment.max(size);
            if this.gc.lists().len(pending) == 0 {
                this.completed_scavenge();
                this.count_scavenge();
            }
            region
        })
    }

    /// CPython's `completed_scavenge`: the spaces flip (visited, now holding every old
    /// object, becomes pending) and the next increment marks. CPython moves the objects
    /// instead of flipping when the permanent generation is not empty, because its frozen
    /// objects carry a space bit; here frozen objects have a state of their own, so
    /// flipping is always right.
    fn completed_scavenge(&mut self) {
        self.visited_space ^= 1;
        self.work_to_do = 0;
        self.phase = Phase::Mark;
    }

    /// Records the length of the scavenge an increment just completed.
    fn count_scavenge(&mut self) {
        self.stats.scavenges += 1;
        self.stats.max_scavenge_increments = self
            .stats
            .max_scavenge_increments
            .max(std::mem::take(&mut self.scavenge_increments));
        let allocations = std::mem::take(&mut self.scavenge_allocations);
        self.stats.scavenge_allocations += allocations;
        self.stats.max_scavenge_allocations = self.stats.max_scavenge_allocations.max(allocations);
    }

    /// CPython's `gc_collect_young` (`gc.collect(0)`): trial deletion over the young list,
    /// survivors into the visited space.
    fn collect_young(&mut self, heap: &mut Heap) -> CollectOutcome {
        self.paused(heap, 0, |this, heap| {
            let region = this.gc.collect_region(heap, 0, this.visited(), 0);
            this.gc.lists_mut().count[0] = 0;
            this.old_counts[this.visited_space] += 1;
            region
        })
    }

    /// CPython's `gc_collect_full` (`gc.collect()`): everything merged into the visited
    /// space in CPython's order (visited, pending, young), one trial deletion over all of
    /// it, then `completed_scavenge`, after which every old object is pending.
    fn collect_full(&mut self, heap: &mut Heap) -> CollectOutcome {
        self.paused(heap, 2, |this, heap| {
            // Everything ends in generation 2's list, whose collection takes every listed
            // state; only when it is already the visited space are its first objects settled.
            let (visited, pending) = (this.visited(), this.pending());
            let lists = this.gc.lists_mut();
            let settled = if visited == Generation::Old {
                let settled = lists.len(Generation::Old) as usize;
                lists.merge(heap, pending, Generation::Old);
                settled
            } else {
                lists.merge(heap, Generation::Old, visited);
                lists.merge(heap, visited, Generation::Old);
                0
            };
            lists.merge(heap, Generation::Young, Generation::Old);
            lists.count[0] = 0;
            let region = this.gc.collect_region(heap, 2, Generation::Old, settled);
            this.old_counts = [0; 2];
            // Generation 2's list is old[1]; after the flip it must be the pending one.
            this.visited_space = 1;
            this.completed_scavenge();
            this.scavenge_increments = 0;
            this.scavenge_allocations = 0;
            region
        })
    }

    /// `body` as one collection labelled `label` ([`CycleGc::begin_collection`]).
    fn paused(
        &mut self,
        heap: &mut Heap,
        label: u8,
        body: impl FnOnce(&mut Self, &mut Heap) -> Region,
    ) -> CollectOutcome {
        let bracket = self.gc.begin_collection(heap, label);
        let region = body(self, heap);
        self.gc.end_collection(heap, bracket, region)
    }
}

impl Variant for IncrementalCycleGc {
    /// A tracked allocation past threshold 0 runs an increment (CPython schedules it for
    /// the next eval-breaker check; gclab has none, so it runs before the allocation).
    #[inline]
    fn schedule(&mut self, heap: &mut Heap, request: AllocRequest) -> GcResult<()> {
        if tracked_request(request) {
            self.scavenge_allocations += 1;
        }
        if self.gc.count_allocation(heap, request) {
            self.collect_increment(heap);
        }
        Ok(())
    }

    fn heap_full(&mut self, heap: &mut Heap, _bytes: usize) -> GcResult<()> {
        if heap.is_enabled() && !self.gc.is_collecting() {
            self.collect_full(heap);
        }
        Ok(())
    }

    /// `gc.collect(0)` collects the young, `gc.collect(1)` runs an increment, anything
    /// else is a full collection.
    fn collect_now(&mut self, heap: &mut Heap, generation: Option<u8>) -> GcResult<CollectOutcome> {
        if self.gc.is_collecting() {
            return Ok(CollectOutcome::default());
        }
        Ok(match generation {
            Some(0) => self.collect_young(heap),
            Some(1) => self.collect_increment(heap),
            _ => self.collect_full(heap),
        })
    }

    fn mechanism_counters(&self) -> Vec<(&'static str, u64)> {
        self.stats.pairs()
    }

    /// `gc.get_count()`: young, then the visited and pending spaces' counts.
    fn counts(&self) -> Vec<u64> {
        vec![
            self.gc.lists().count[0],
            self.old_counts[self.visited_space],
            self.old_counts[self.visited_space ^ 1],
        ]
    }

    /// `gc.get_objects(g)`: 0 the young, 1 nothing (3.14 has no generation 1), 2 the old
    /// generation (`old[0]` then `old[1]`), none all of them.
    fn objects(&self, heap: &Heap, generation: Option<u8>) -> Vec<ObjRef> {
        let mut v = Vec::new();
        let lists: &[Generation] = match generation {
            Some(0) => &[Generation::Young],
            Some(1) => &[],
            Some(_) => &[Generation::Middle, Generation::Old],
            None => &[Generation::Young, Generation::Middle, Generation::Old],
        };
        for &g in lists {
            self.gc.lists().for_each(heap, g, |r| v.push(r));
        }
        v
    }
}

crate::variant::cycle_variant!(IncrementalCycleGc, "cycle-314", gc);
