//! `cycle`: the collector, its triggers and the gc-module surface. Which path a collection
//! takes is [`crate::policy`]'s decision; the passes are one module each.

use gc_core::layout::{self, FLAG_HAS_FINALIZER, FLAG_HAS_WEAKREFS, FLAG_IS_WEAKREF};
use gc_core::{
    AllocRequest, Capabilities, CollectOutcome, Collector, GcError, GcModule, GcResult, Heap,
    ObjRef, PauseCounts, PauseKind, Reclaims, DEBUG_COLLECTABLE, DEBUG_SAVEALL,
};
use gc_refcount::{Counting, SATURATED};

use crate::finish::{self, Scratch};
use crate::header::{self, HEADER_WORDS};
use crate::lists::{Generation, Lists};
use crate::policy::{self, Conditions, Gather, Marking, Passes, Path, PathCounts};
use crate::walk::{self, Gathered};
use crate::{dense, mark, plain, region};

const GENERATIONS: usize = 3;

/// An open collection ([`CycleGc::begin_collection`]).
#[derive(Debug)]
pub(crate) struct Bracket {
    start: gc_core::events::PauseStart,
    budget: u64,
    bytes_before: usize,
}

/// What one trial deletion over a region did: the pause's counts and the survivors.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Region {
    /// Objects in the region.
    pub(crate) candidates: u64,
    /// Objects scanned (the region, plus the garbage again after a resurrection).
    pub(crate) scanned: u64,
    /// Objects that survived into the older list.
    pub(crate) survivors: u64,
    /// Objects collected.
    pub(crate) collected: u64,
}

/// Reference counting plus CPython's generational cycle collector.
///
/// The engine is the bounded one with no budget (`u64::MAX`) unless
/// [`CycleGc::set_cascade_budget`] sets one (the `cascade_budget` of [`crate::CycleParams`]):
/// a non-generic collector keeps its collection code compiled in this crate (a const
/// parameter here moved it into every user's and changed its code generation), and its
/// cascades pay one comparison per object freed.
#[derive(Debug)]
pub struct CycleGc {
    counting: Counting<Lists, true>,
    thresholds: [u64; GENERATIONS],
    long_lived_pending: u64,
    long_lived_total: u64,
    collecting: bool,
    scanned: u64,
    scratch: Scratch,
    passes: Passes,
    paths: PathCounts,
}

impl Default for CycleGc {
    /// CPython 3.11/3.12's thresholds: (700, 10, 10).
    fn default() -> Self {
        Self::with_thresholds([700, 10, 10])
    }
}

impl CycleGc {
    /// Dead objects waiting on the to-free list (always none without a budget).
    pub fn deferred(&self) -> usize {
        self.counting.deferred()
    }

    /// Sets the cascade budget: objects freed at most per mutator operation (`u64::MAX`,
    /// the default, for none). See [`Counting`]'s bounded cascades.
    pub fn set_cascade_budget(&mut self, budget: u64) {
        self.counting.set_cascade_budget(budget);
    }

    /// A collector with thresholds (700, 10, 10), as CPython 3.11 and 3.12.
    pub fn python_311() -> Self {
        Self::default()
    }

    /// A collector with thresholds (2000, 10, 10), as CPython 3.13.
    pub fn python_313() -> Self {
        Self::with_thresholds([2000, 10, 10])
    }

    /// A collector with the given thresholds (threshold 0 = 0 disables automatic collection).
    pub fn with_thresholds(thresholds: [u64; 3]) -> Self {
        CycleGc {
            counting: unbounded(Counting::new(Lists::default())),
            thresholds,
            long_lived_pending: 0,
            long_lived_total: 0,
            collecting: false,
            scanned: 0,
            scratch: Scratch::default(),
            passes: Passes::Fast,
            paths: PathCounts::default(),
        }
    }

    /// CPython 3.11/3.12's collector that always takes the plain path (`cycle-plain`,
    /// [`crate::plain`]): the reference the fast paths are tested against.
    pub fn plain() -> Self {
        Self::default().with_passes(Passes::Plain)
    }

    /// This collector running `passes`.
    pub fn with_passes(mut self, passes: Passes) -> Self {
        self.passes = passes;
        self
    }

    /// The passes this collector runs.
    pub fn passes(&self) -> Passes {
        self.passes
    }

    /// How many collections took each path so far.
    pub fn paths(&self) -> &PathCounts {
        &self.paths
    }

    /// The thresholds (as `gc.get_threshold()`).
    pub fn get_threshold_values(&self) -> [u64; 3] {
        self.thresholds
    }

    /// Survivors of generation-1 collections since the last full one (CPython's
    /// `long_lived_pending`).
    pub fn long_lived_pending(&self) -> u64 {
        self.long_lived_pending
    }

    /// Survivors of the last full collection (CPython's `long_lived_total`).
    pub fn long_lived_total(&self) -> u64 {
        self.long_lived_total
    }

    /// Increments lost to saturated reference counts.
    pub fn count_overflows(&self) -> u64 {
        self.counting.overflows()
    }

    /// CPython's `gc_collect_generations`: the oldest generation whose count exceeds its
    /// threshold, except that a full collection waits until `long_lived_pending` reaches a
    /// quarter of `long_lived_total` (CPython skips it while pending < total / 4).
    fn select_generation(&self) -> Option<usize> {
        let count = &self.counting.hooks().count;
        (0..GENERATIONS).rev().find(|&g| {
            count[g] > self.thresholds[g]
                && !(g == GENERATIONS - 1 && self.long_lived_pending < self.long_lived_total / 4)
        })
    }

    /// Collects generation `generation` and the younger ones: CPython's `gc_collect_main`.
    /// The steps every collection of `cycle` shares (counts, merging the younger
    /// generations, `long_lived_pending`/`long_lived_total`) are here; the pause is
    /// [`CycleGc::begin_collection`]'s and the trial deletion [`CycleGc::collect_region`]'s.
    fn collect_generation(&mut self, heap: &mut Heap, generation: usize) -> CollectOutcome {
        let bracket = self.begin_collection(heap, generation as u8);
        let lists = self.counting.hooks_mut();
        if generation + 1 < GENERATIONS {
            lists.count[generation + 1] += 1;
        }
        for g in 0..=generation {
            lists.count[g] = 0;
        }
        let young = Generation::of(generation);
        let old = Generation::of((generation + 1).min(GENERATIONS - 1));
        // A full collection's survivors stay in the oldest generation: those already there
        // (the list's first objects) have the state it names.
        let settled = if young == old {
            lists.len(young) as usize
        } else {
            0
        };
        for g in 0..generation {
            lists.merge(heap, Generation::of(g), young);
        }
        let region = self.collect_region(heap, generation, old, settled);
        if generation == GENERATIONS - 2 {
            self.long_lived_pending += region.survivors;
        } else if generation == GENERATIONS - 1 {
            self.long_lived_pending = 0;
            self.long_lived_total = region.survivors;
        }
        self.end_collection(heap, bracket, region)
    }

    /// Opens one collection as a pause labelled `label`: the to-free list is drained first
    /// (its own cascade pause). Every variant's collections (generational, incremental,
    /// free-threaded) open with this and close with [`CycleGc::end_collection`].
    pub(crate) fn begin_collection(&mut self, heap: &mut Heap, label: u8) -> Bracket {
        self.collecting = true;
        // Bounded: the dead waiting on the to-free list are freed first (their own cascade
        // pause), and nothing waits during the collection, whose candidates must not include
        // the dead.
        let budget = self.counting.cascade_budget();
        self.counting.set_cascade_budget(u64::MAX);
        self.counting.drain(heap);
        let start = heap.begin_pause(PauseKind::Collection, Some(label));
        Bracket {
            start,
            budget,
            bytes_before: heap.bytes_in_use(),
        }
    }

    /// Closes the collection `bracket` opened: the pools are flushed and the pause ends
    /// with `region`'s counts.
    pub(crate) fn end_collection(
        &mut self,
        heap: &mut Heap,
        bracket: Bracket,
        region: Region,
    ) -> CollectOutcome {
        self.scanned += region.scanned;
        heap.flush_pools();
        heap.end_pause(
            bracket.start,
            PauseCounts {
                candidates: region.candidates,
                scanned: region.scanned,
                freed: region.collected,
                bytes_freed: bracket.bytes_before.saturating_sub(heap.bytes_in_use()) as u64,
                uncollectable: 0,
            },
        );
        self.counting.set_cascade_budget(bracket.budget);
        self.collecting = false;
        CollectOutcome {
            collected: region.collected,
            uncollectable: 0,
        }
    }

    /// Trial deletion over the list of generation `generation` (younger lists already
    /// merged into it, every member's state within [`header::in_collection`] of
    /// `generation`): CPython's `gc_collect_region`, by this collector's passes. Survivors
    /// are linked at the end of `old`; when `old` is the collected list itself, its first
    /// `settled` objects already have `old`'s state. Runs inside a collection
    /// ([`CycleGc::begin_collection`]); the variants form their regions and call this.
    pub(crate) fn collect_region(
        &mut self,
        heap: &mut Heap,
        generation: usize,
        old: Generation,
        settled: usize,
    ) -> Region {
        let young = Generation::of(generation);
        let candidates = self.counting.hooks().len(young);
        let mut scratch = std::mem::take(&mut self.scratch);
        let (survivors, collected, scanned) = match self.passes {
            Passes::Fast => self.collect_fast(heap, &mut scratch, generation, old, settled),
            Passes::Plain => {
                self.paths.record_plain();
                plain::collect(&mut self.counting, heap, &mut scratch, young, old)
            }
        };
        self.scratch = scratch;
        Region {
            candidates,
            scanned,
            survivors,
            collected,
        }
    }

    /// The part of CPython's `gc_alloc` every variant shares: a tracked allocation bumps
    /// count 0; returns whether a collection is due (count 0 past threshold 0, automatic
    /// collection on, none running). Also a drain point of the to-free list.
    #[inline]
    pub(crate) fn count_allocation(&mut self, heap: &mut Heap, request: AllocRequest) -> bool {
        // A drain point of the to-free list (compiled away without a budget).
        self.counting.drain(heap);
        if !tracked_request(request) {
            return false;
        }
        let count = &mut self.counting.hooks_mut().count[0];
        *count += 1;
        *count > self.thresholds[0]
            && self.thresholds[0] != 0
            && heap.is_enabled()
            && !self.collecting
    }

    /// Whether a collection is running (a variant's trigger must not start another).
    pub(crate) fn is_collecting(&self) -> bool {
        self.collecting
    }

    /// The generation lists and counts (for the variants that schedule differently).
    pub(crate) fn lists(&self) -> &Lists {
        self.counting.hooks()
    }

    /// The generation lists and counts, to move objects between them.
    pub(crate) fn lists_mut(&mut self) -> &mut Lists {
        self.counting.hooks_mut()
    }

    /// The trial deletion and end of a collection by the path [`policy`] chooses, over
    /// the list of generation `generation` (the younger ones merged in; survivors go to
    /// `old`, and when that is the same list its first `settled` objects already have its
    /// state).
    /// Returns the survivors, the objects collected and the objects scanned.
    fn collect_fast(
        &mut self,
        heap: &mut Heap,
        scratch: &mut Scratch,
        generation: usize,
        old: Generation,
        settled: usize,
    ) -> (u64, u64, u64) {
        let young = Generation::of(generation);
        let lists = self.counting.hooks_mut();
        scratch.candidates.clear();
        let set_len = lists.len(young) as usize;
        let first = lists.first(young);
        let gather = policy::choose_gather(region::scattered_list(heap, first, set_len));
        let found = match gather {
            Gather::Table => trial_deletion_in_table(heap, first, set_len, scratch),
            Gather::Walk => {
                lists.take(young);
                trial_deletion_by_walk(heap, first, set_len, generation, scratch)
            }
        };
        let all_reachable = found.reachable == scratch.candidates.len();
        if gather == Gather::Table && !all_reachable {
            self.counting.hooks_mut().take(young);
        }
        let conditions = Conditions {
            in_table: gather == Gather::Table,
            all_reachable,
            no_roots: found.roots == 0,
            outside_known: found.gathered.outside_complete,
            nothing_to_attend: layout::flags_of(found.gathered.shape_union)
                & (FLAG_HAS_WEAKREFS | FLAG_IS_WEAKREF | FLAG_HAS_FINALIZER)
                == 0
                && heap.debug() & (DEBUG_COLLECTABLE | DEBUG_SAVEALL) == 0,
        };
        let path = policy::choose_path(conditions);
        self.paths.record(gather, found.marking, path);

        let counting = &mut self.counting;
        let mut scanned = scratch.candidates.len() as u64;
        let (survivors, collected) = match path {
            Path::KeepInPlace => {
                let restate = if young == old {
                    &scratch.candidates[settled..]
                } else {
                    &scratch.candidates[..]
                };
                finish::keep_in_place(counting, heap, restate, young, old);
                (scratch.candidates.len() as u64, 0)
            }
            Path::KeepAll => finish::keep_all(counting, heap, scratch, old),
            Path::FreeClosedSet => finish::free_closed_set(counting, heap, scratch),
            Path::SplitAndFree => finish::split_and_free(counting, heap, scratch, old),
            Path::SplitThenDelete => {
                finish::split_then_delete(counting, heap, scratch, old, Passes::Fast, &mut scanned)
            }
        };
        (survivors, collected, scanned)
    }
}

/// What the trial deletion found.
struct Found {
    gathered: Gathered,
    /// Candidates with references from outside the set.
    roots: usize,
    /// Candidates found reachable.
    reachable: usize,
    marking: Marking,
}

/// The trial deletion of a set gathered by one walk of its list from `first` (detached
/// by the caller), gc_refs in the headers.
fn trial_deletion_by_walk(
    heap: &mut Heap,
    first: Option<ObjRef>,
    set_len: usize,
    generation: usize,
    scratch: &mut Scratch,
) -> Found {
    let gathered = walk::gather_and_subtract(
        heap,
        first,
        set_len,
        generation,
        &mut scratch.candidates,
        &mut scratch.outside,
    );
    debug_assert_eq!(scratch.candidates.len(), set_len, "list length kept");
    // Candidates whose gc_refs stayed above zero are referred to from outside the set:
    // the roots of `move_unreachable`. With none, nothing is reachable.
    // Exact while every count is (a candidate's gc_refs never drops below zero).
    debug_assert!(gathered.zeroed <= scratch.candidates.len());
    let roots = scratch.candidates.len() - gathered.zeroed;
    let (reachable, marking) = if roots == 0 {
        (0, Marking::Skipped)
    } else {
        region::choose_region_order(heap, &scratch.candidates, &mut scratch.subtract);
        let marking = if scratch.subtract.sort_by_region {
            Marking::ByRegion
        } else {
            Marking::InOrder
        };
        let reachable = mark::mark_reachable_by_region(
            heap,
            &scratch.candidates,
            roots,
            &mut scratch.stack,
            &mut scratch.subtract,
        );
        (reachable, marking)
    };
    Found {
        gathered,
        roots,
        reachable,
        marking,
    }
}

/// The trial deletion of a large scattered set, gc_refs in the table, its list from
/// `first` left linked ([`dense`]). Leaves each candidate's state as the finishing paths
/// read it unless every candidate is reachable.
fn trial_deletion_in_table(
    heap: &mut Heap,
    first: Option<ObjRef>,
    set_len: usize,
    scratch: &mut Scratch,
) -> Found {
    let gathered = dense::gather(
        heap,
        first,
        set_len,
        &mut scratch.candidates,
        &mut scratch.subtract,
    );
    debug_assert_eq!(scratch.candidates.len(), set_len, "list length kept");
    let candidates = scratch.candidates.len();
    // Only a wrong reference count makes the table's subtraction fail: then nothing is
    // taken for garbage.
    let (roots, reachable, marking) = match dense::subtract_bucketed(&mut scratch.subtract) {
        None => (candidates, candidates, Marking::Skipped),
        Some(zeroed) => {
            let zeroed = gathered.zeroed + zeroed;
            debug_assert!(zeroed <= candidates);
            let roots = candidates - zeroed;
            if roots == 0 {
                (0, 0, Marking::Skipped)
            } else {
                let reachable =
                    dense::mark_reachable(heap, &scratch.candidates, roots, &mut scratch.subtract);
                (roots, reachable, Marking::InTable)
            }
        }
    };
    dense::finish(
        heap,
        &scratch.candidates,
        reachable == candidates,
        &mut scratch.subtract,
    );
    Found {
        gathered,
        roots,
        reachable,
        marking,
    }
}

/// Whether an allocation makes a tracked object: one with reference fields, or a weak
/// reference.
#[inline]
pub(crate) fn tracked_request(request: AllocRequest) -> bool {
    request.shape.fields != 0 || request.flags & FLAG_IS_WEAKREF != 0
}

/// The engine with no budget.
fn unbounded(mut counting: Counting<Lists, true>) -> Counting<Lists, true> {
    counting.set_cascade_budget(u64::MAX);
    counting
}

impl Collector for CycleGc {
    fn name(&self) -> &'static str {
        "cycle"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            reclaims: Reclaims::Everything,
            generations: GENERATIONS as u8,
            moves_objects: false,
            reference_counting: true,
            prompt: true,
            auto_collects: true,
            save_all: true,
        }
    }

    const HEADER_WORDS: usize = HEADER_WORDS;

    const BORN_COUNT_WORD: Option<usize> = Some(header::COUNT_HEADER);

    /// CPython's `gc_alloc`: a tracked allocation bumps count 0 and, past threshold 0,
    /// collects before the new object exists (so it is not a candidate, and after the
    /// collection reset it is not counted either, exactly as in CPython 3.11).
    #[inline]
    fn before_alloc(&mut self, heap: &mut Heap, request: AllocRequest) -> GcResult<()> {
        if self.count_allocation(heap, request) {
            if let Some(g) = self.select_generation() {
                self.collect_generation(heap, g);
            }
        }
        Ok(())
    }

    /// A drain point of the to-free list (compiled away without a budget).
    #[inline]
    fn safepoint(&mut self, heap: &mut Heap) -> GcResult<()> {
        self.counting.drain(heap);
        Ok(())
    }

    fn on_heap_full(&mut self, heap: &mut Heap, _bytes: usize) -> GcResult<()> {
        if heap.is_enabled() && !self.collecting {
            self.collect_generation(heap, GENERATIONS - 1);
        }
        Ok(())
    }

    #[inline]
    fn on_alloc(&mut self, heap: &mut Heap, obj: ObjRef) {
        if header::trackable(heap.words(obj)[0]) {
            self.counting
                .hooks_mut()
                .append(heap, Generation::Young, obj);
        }
    }

    #[inline]
    fn retain(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.counting.retain(heap, obj)
    }

    #[inline]
    fn release(&mut self, heap: &mut Heap, obj: ObjRef) {
        self.counting.release(heap, obj)
    }

    fn collect(&mut self, heap: &mut Heap, generation: Option<u8>) -> GcResult<CollectOutcome> {
        if self.collecting {
            return Ok(CollectOutcome::default());
        }
        let g = generation.map_or(GENERATIONS - 1, |g| (g as usize).min(GENERATIONS - 1));
        Ok(self.collect_generation(heap, g))
    }

    fn refcount(&self, heap: &Heap, obj: ObjRef) -> Option<u32> {
        Some(self.counting.count(heap, obj)).filter(|&c| c != SATURATED)
    }

    fn objects_scanned(&self) -> u64 {
        self.scanned
    }
}

/// The whole `gc` module as CPython 3.11/3.12 answers it.
impl GcModule for CycleGc {
    fn get_count(&self) -> Vec<u64> {
        self.counting.hooks().count.to_vec()
    }

    fn get_threshold(&self) -> Vec<u64> {
        self.thresholds.to_vec()
    }

    /// `gc.set_threshold(threshold0[, threshold1[, threshold2]])`: the ones given change.
    fn set_threshold(&mut self, thresholds: &[u64]) -> GcResult<()> {
        if thresholds.is_empty() || thresholds.len() > GENERATIONS {
            return Err(GcError::BadConfig(format!(
                "set_threshold takes 1 to {GENERATIONS} thresholds, got {}",
                thresholds.len()
            )));
        }
        self.thresholds[..thresholds.len()].copy_from_slice(thresholds);
        Ok(())
    }

    fn is_tracked(&self, heap: &Heap, obj: ObjRef) -> bool {
        header::state(heap.words(obj)[0]) != header::UNTRACKED
    }

    /// `gc.get_objects(generation)`: the generation's list in order; `None` gives all three
    /// generations (not the permanent one, as in CPython).
    fn tracked_objects(&self, heap: &Heap, generation: Option<u8>) -> Vec<ObjRef> {
        let mut v = Vec::new();
        let gens = match generation {
            Some(g) => vec![Generation::of(g as usize)],
            None => vec![Generation::Young, Generation::Middle, Generation::Old],
        };
        for g in gens {
            self.counting.hooks().for_each(heap, g, |r| v.push(r));
        }
        v
    }

    /// `gc.freeze()`: every generation into the permanent one, and count 0 reset.
    fn freeze(&mut self, heap: &mut Heap) -> GcResult<()> {
        let lists = self.counting.hooks_mut();
        lists.freeze(heap);
        lists.count[0] = 0;
        Ok(())
    }

    /// `gc.unfreeze()`: the permanent generation back into the oldest.
    fn unfreeze(&mut self, heap: &mut Heap) -> GcResult<()> {
        self.counting.hooks_mut().unfreeze(heap);
        Ok(())
    }

    fn freeze_count(&self) -> u64 {
        self.counting.hooks().frozen()
    }
}
